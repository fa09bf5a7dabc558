#include "loop/aio/task_group.h"

#include <cassert>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "loop/aio/exception_group.h"
#include "loop/policy.h"

namespace seedloop {

namespace internal {

// taskgroups.TaskGroup's fields.
struct TaskGroupState {
  bool entered = false;
  bool exiting = false;
  bool aborting = false;
  EventLoop* loop = nullptr;
  Ref<TaskBase> parent;
  bool parent_cancel_requested = false;
  // The children not yet seen done, by creation number: CPython's set,
  // iterated in creation order (see the header's deviation note).
  absl::btree_map<uint64_t, Ref<TaskBase>> tasks;
  uint64_t next_task_number = 0;
  std::vector<std::exception_ptr> errors;  // failure order
  std::exception_ptr base_error;           // the first SystemExit/KeyboardInterrupt
  Future<void> on_completed_fut;           // empty: None

  std::string repr() const;
  void abort();
  void on_task_done(uint64_t number, FutureBase& task);
};

std::string TaskGroupState::repr() const {
  std::vector<std::string> info = {""};
  if (!tasks.empty()) info.push_back(absl::StrFormat("tasks=%d", tasks.size()));
  if (!errors.empty()) info.push_back(absl::StrFormat("errors=%d", errors.size()));
  if (aborting) {
    info.push_back("cancelling");
  } else if (entered) {
    info.push_back("entered");
  }
  return "<TaskGroup" + absl::StrJoin(info, " ") + ">";
}

void TaskGroupState::abort() {
  aborting = true;
  // CPython iterates a set here; creation order unless the observer says.
  std::vector<TaskBase*> children;
  for (auto& [number, t] : tasks) children.push_back(t.get());
  loop->order_unordered(UnorderedSet::kTaskGroupAbort, &children);
  for (TaskBase* t : children) {
    if (!t->done()) t->cancel();
  }
}

// TaskGroup._on_task_done: a done callback, so it runs one iteration after
// the child finished.
void TaskGroupState::on_task_done(uint64_t number, FutureBase& task) {
  size_t erased = tasks.erase(number);
  assert(erased == 1 && "a TaskGroup child finished twice");
  (void)erased;
  if (on_completed_fut && tasks.empty() && !on_completed_fut.done()) on_completed_fut.set_result();
  if (task.cancelled()) return;
  std::exception_ptr exc = task.exception();
  if (!exc) return;
  errors.push_back(exc);
  if (is_exit_exception(exc) && !base_error) base_error = exc;
  // aexit() drops the parent only once every child was seen done.
  assert(parent && "a TaskGroup child finished after the group was left");
  if (parent->done()) {
    ExceptionContext context;
    context.message = absl::StrFormat("Task %s has errored out but its parent task %s is already completed",
                                      task.repr(), parent->repr());
    context.exception = exc;
    context.task = static_cast<TaskBase*>(&task);
    loop->call_exception_handler(context);
    return;
  }
  if (!aborting && !parent_cancel_requested) {
    // Cancel whatever the parent is awaiting in the scope; aexit() takes
    // this cancel back.
    abort();
    parent_cancel_requested = true;
    parent->cancel();
  }
}

TaskGroupScopeGuard::~TaskGroupScopeGuard() {
  if (!left_) state_->tasks.clear();
}

namespace {

// TaskGroup.__aexit__.
Coro<void> task_group_exit(std::shared_ptr<TaskGroupState> state, std::exception_ptr exc) {
  TaskGroupState& s = *state;
  assert(s.entered && "TaskGroup left without being entered");
  assert(!s.exiting && "TaskGroup left twice");
  s.exiting = true;
  // Once left, the group never touches its parent again: drop it, so that
  // a group kept in the parent's own frame does not keep the parent alive.
  struct DropParent {
    TaskGroupState& s;
    ~DropParent() { s.parent = nullptr; }
  } drop_parent{s};
  if (exc && is_exit_exception(exc) && !s.base_error) s.base_error = exc;
  std::exception_ptr propagate_cancellation_error = is_cancelled_error(exc) ? exc : nullptr;
  if (s.parent_cancel_requested) {
    // The group cancelled the parent itself: take that cancel back, and
    // propagate a CancelledError only if someone else asked for one too.
    if (s.parent->uncancel() == 0) propagate_cancellation_error = nullptr;
  }
  if (exc && !s.aborting) s.abort();
  // A loop: the wait can be cancelled again and again if the parent is.
  while (!s.tasks.empty()) {
    if (!s.on_completed_fut) s.on_completed_fut = s.loop->create_future<void>();
    std::exception_ptr cancelled;
    try {
      co_await s.on_completed_fut;
    } catch (const CancelledError&) {
      cancelled = std::current_exception();
    }
    if (cancelled && !s.aborting) {
      // The parent was cancelled from outside while waiting.
      propagate_cancellation_error = cancelled;
      s.abort();
    }
    s.on_completed_fut = Future<void>();
  }
  assert(s.tasks.empty());
  if (s.base_error) std::rethrow_exception(s.base_error);
  // Errors win over a CancelledError.
  if (propagate_cancellation_error && s.errors.empty()) std::rethrow_exception(propagate_cancellation_error);
  if (exc && !is_cancelled_error(exc)) s.errors.push_back(exc);
  if (!s.errors.empty()) {
    std::vector<std::exception_ptr> errors = std::move(s.errors);
    s.errors.clear();
    std::rethrow_exception(make_exception_group("unhandled errors in a TaskGroup", std::move(errors)));
  }
}

}  // namespace
}  // namespace internal

TaskGroup::TaskGroup() : state_(std::make_shared<internal::TaskGroupState>()) {}

std::string TaskGroup::repr() const { return state_->repr(); }

void TaskGroup::aenter() {
  internal::TaskGroupState& s = *state_;
  if (s.entered) throw RuntimeError(absl::StrFormat("TaskGroup %s has already been entered", s.repr()));
  if (s.loop == nullptr) s.loop = get_running_loop().get();
  TaskBase* parent = current_task(s.loop);
  if (parent == nullptr) {
    throw RuntimeError(absl::StrFormat("TaskGroup %s cannot determine the parent task", s.repr()));
  }
  s.parent = internal::Ref<TaskBase>(parent);
  s.entered = true;
}

Coro<void> TaskGroup::aexit(std::exception_ptr exc) { return internal::task_group_exit(state_, std::move(exc)); }

EventLoop* TaskGroup::checked_loop_for_new_task() const {
  const internal::TaskGroupState& s = *state_;
  if (!s.entered) throw RuntimeError(absl::StrFormat("TaskGroup %s has not been entered", s.repr()));
  if (s.exiting && s.tasks.empty()) throw RuntimeError(absl::StrFormat("TaskGroup %s is finished", s.repr()));
  if (s.aborting) throw RuntimeError(absl::StrFormat("TaskGroup %s is shutting down", s.repr()));
  return s.loop;
}

void TaskGroup::adopt(TaskBase* task) {
  internal::TaskGroupState& s = *state_;
  uint64_t number = s.next_task_number++;
  task->add_done_callback([state = state_, number](FutureBase& t) { state->on_task_done(number, t); });
  s.tasks.emplace(number, internal::Ref<TaskBase>(task));
}

}  // namespace seedloop
