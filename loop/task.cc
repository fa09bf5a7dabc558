#include "loop/task.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "loop/event_loop.h"
#include "loop/internal/thread_state.h"

namespace seedloop {

namespace {

TaskBase* running_task_or_throw() {
  EventLoop* loop = internal::thread_state().running_loop;
  if (loop == nullptr || loop->current_task() == nullptr) {
    throw RuntimeError("a seedloop future can only be awaited inside a task");
  }
  return loop->current_task();
}

// Leaves the current task however the step ends.
class StepScope {
 public:
  StepScope(EventLoop* loop, TaskBase* task) : loop_(loop), task_(task) { loop_->enter_task(task_); }
  ~StepScope() {
    if (loop_->current_task() != task_) {
      std::fprintf(stderr, "seedloop: task step left with a different current task\n");
      std::abort();
    }
    loop_->leave_task(task_);
  }

 private:
  EventLoop* loop_;
  TaskBase* task_;
};

}  // namespace

TaskBase::TaskBase(EventLoop* loop, CoroFrame coro, std::optional<Context> context)
    : FutureBase(loop), coro_(std::move(coro)) {
  mark_task();
  if (!coro_) throw TypeError("a coroutine was expected, got None");
  resume_at_ = coro_.handle();
  if (context) {
    context_owner_ = context->shared_data();
    context_ = context_owner_.get();
  } else {
    own_context_.vars = internal::current_context_data().vars;
    context_ = &own_context_;
  }
  number_ = loop->next_task_number();
  loop->register_task(this);
}

TaskBase::~TaskBase() {
  EventLoop* loop = get_loop();
  if (loop == nullptr) return;
  if (!done() && !abandoned_ && log_destroy_pending_) report_destroyed_pending();
  loop->unregister_task(this);
}

void TaskBase::report_destroyed_pending() {
  ExceptionContext context;
  context.message = "Task was destroyed but it is pending!";
  context.task = this;
  try {
    get_loop()->call_exception_handler(context);
  } catch (...) {
    // Reached from destruction paths, which cannot raise.
  }
}

std::string TaskBase::repr() const {
  const char* state = !done() ? "pending" : cancelled() ? "cancelled" : "finished";
  return absl::StrFormat("<Task %s name='%s'>", state, get_name());
}

const std::string& TaskBase::get_name() const {
  if (!named_) {
    name_ = absl::StrCat("Task-", number_);
    named_ = true;
  }
  return name_;
}

void TaskBase::start() { schedule_step(); }

void TaskBase::check_settable_op(const char* op) const {
  throw RuntimeError(absl::StrFormat("Task does not support %s operation", op));
}

void TaskBase::check_settable() const { check_settable_op("set_result"); }

void TaskBase::check_exception_settable() const { check_settable_op("set_exception"); }

bool TaskBase::cancel(std::optional<std::string> msg) {
  // tasks.Task.cancel (3.11).
  clear_log_traceback();
  report_cancel_request(!done());
  if (done()) return false;
  ++num_cancels_requested_;
  if (fut_waiter_ && fut_waiter_->cancel(msg)) return true;
  must_cancel_ = true;
  set_cancel_message(std::move(msg));
  return true;
}

void TaskBase::report_cancel_request(bool accepted) {
  // Only with an observer: the default name is formatted lazily.
  EventLoop* loop = get_loop();
  if (loop == nullptr || loop->observer() == nullptr) return;
  loop->emit(LoopEventKind::kTaskCancelRequest, number_, accepted ? 1 : 0, get_name());
}

int TaskBase::uncancel() {
  if (num_cancels_requested_ > 0) --num_cancels_requested_;
  return num_cancels_requested_;
}

void TaskBase::schedule_step(std::exception_ptr exc) {
  internal::Ref<TaskBase> self(this);
  get_loop()->schedule([self, exc]() { self->step(exc); },
                       internal::ContextBinding{nullptr, context_, context_owner_}, "Task.__step");
}

void TaskBase::step(std::exception_ptr exc) {
  // tasks.Task.__step.
  if (done() || abandoned_) return;
  if (must_cancel_) {
    if (!is_cancelled_error(exc)) exc = make_cancelled_error();
    must_cancel_ = false;
  }
  fut_waiter_ = nullptr;
  get_loop()->emit(LoopEventKind::kTaskStep, number_);
  internal::Ref<FutureBase> keep(this);  // the step may drop the last outside reference
  StepScope scope(get_loop(), this);
  if (!started_ && exc) {
    // Throwing into a coroutine that never started: its body never runs.
    started_ = true;
    finish_step(exc);
    return;
  }
  started_ = true;
  injected_ = std::move(exc);
  suspend_ = Suspend::kNone;
  resume_at_.resume();
  if (coro_.handle().done()) {
    finish_step(coro_.promise()->exception);
  } else {
    handle_suspend();
  }
}

void TaskBase::finish_step(std::exception_ptr raised) {
  if (!raised) {
    if (must_cancel_) {
      // Cancelled after the coroutine's last await: the value is dropped.
      must_cancel_ = false;
      cancel_future(cancel_message());
    } else {
      finish_with_value(coro_.promise()->value);
    }
  } else if (is_cancelled_error(raised)) {
    set_cancelled_exc(raised);
    cancel_future(std::nullopt);
  } else if (is_exit_exception(raised)) {
    finish_with_exception(raised);
    std::rethrow_exception(raised);
  } else {
    finish_with_exception(raised);
  }
}

void TaskBase::handle_suspend() {
  switch (suspend_) {
    case Suspend::kYield:
      schedule_step();
      if (get_loop()->observer() != nullptr) report_suspended();
      return;
    case Suspend::kNone:
      // The coroutine suspended on an awaitable that is not seedloop's: it
      // can never be resumed by this task.
      finish_with_exception(std::make_exception_ptr(
          RuntimeError("Task got bad yield: the coroutine awaited something that is not a seedloop future")));
      return;
    case Suspend::kBlocked:
      break;
  }
  FutureBase* future = std::exchange(blocked_on_, nullptr);
  assert(future != nullptr);
  if (future->get_loop() != get_loop()) {
    schedule_step(std::make_exception_ptr(RuntimeError(absl::StrFormat(
        "Task %s got Future %s attached to a different loop", repr(), future->repr()))));
  } else if (future == this) {
    schedule_step(std::make_exception_ptr(RuntimeError("Task cannot await on itself: " + repr())));
  } else {
    internal::Ref<TaskBase> self(this);
    future->add_bound_done_callback([self, future] { self->wakeup(*future); },
                                    internal::ContextBinding{nullptr, context_, context_owner_});
    fut_waiter_ = internal::Ref<FutureBase>(future);
    if (must_cancel_ && fut_waiter_->cancel(cancel_message())) must_cancel_ = false;
    if (get_loop()->observer() != nullptr) report_suspended();
  }
}

void TaskBase::report_suspended() {
  internal::Ref<FutureBase> keep(this);  // the observer may cancel this task
  get_loop()->observer()->on_task_suspended(*this);
}

const internal::PromiseBase* TaskBase::innermost_promise() const {
  if (!coro_ || coro_.handle().done() || done()) return nullptr;
  const internal::PromiseBase* p = coro_.promise();
  while (p->awaiting_inline != nullptr) p = p->awaiting_inline;
  return p;
}

std::vector<AwaitSite> TaskBase::await_stack() const {
  std::vector<AwaitSite> stack;
  if (!started_ || innermost_promise() == nullptr) return stack;
  for (const internal::PromiseBase* p = coro_.promise(); p != nullptr; p = p->awaiting_inline) {
    stack.push_back(p->await_site);
  }
  return stack;
}

AwaitSite TaskBase::suspended_at() const {
  const internal::PromiseBase* p = started_ ? innermost_promise() : nullptr;
  return p == nullptr ? AwaitSite() : p->await_site;
}

void TaskBase::wakeup(FutureBase& future) {
  // tasks.Task.__wakeup: the future's outcome is thrown in, or not.
  std::exception_ptr exc;
  try {
    future.raise_if_failed();
  } catch (...) {
    exc = std::current_exception();
  }
  step(std::move(exc));
}

void TaskBase::block_on(FutureBase* future, std::coroutine_handle<> resume_at) {
  assert(suspend_ == Suspend::kNone && "a task suspended twice in one step");
  suspend_ = Suspend::kBlocked;
  blocked_on_ = future;
  resume_at_ = resume_at;
}

void TaskBase::yield_at(std::coroutine_handle<> resume_at) {
  assert(suspend_ == Suspend::kNone && "a task suspended twice in one step");
  suspend_ = Suspend::kYield;
  resume_at_ = resume_at;
}

void TaskBase::rethrow_injected() {
  if (injected_) std::rethrow_exception(std::exchange(injected_, nullptr));
}

void TaskBase::abandon() {
  if (done() || abandoned_) return;
  internal::Ref<FutureBase> keep(this);
  abandoned_ = true;
  if (log_destroy_pending_) report_destroyed_pending();
  fut_waiter_ = nullptr;
  coro_ = CoroFrame();  // destroys the frame and whatever it holds
}

TaskBase* current_task(EventLoop* loop) {
  if (loop == nullptr) {
    loop = internal::thread_state().running_loop;
    if (loop == nullptr) throw RuntimeError("no running event loop");
  }
  return loop->current_task();
}

namespace internal {

TaskBase* block_current_task(FutureBase* future, std::coroutine_handle<> resume_at) {
  TaskBase* task = running_task_or_throw();
  task->block_on(future, resume_at);
  return task;
}

void rethrow_injected(TaskBase* task) { task->rethrow_injected(); }

void YieldAwaiter::await_suspend(std::coroutine_handle<> h) {
  task = running_task_or_throw();
  task->yield_at(h);
}

}  // namespace internal
}  // namespace seedloop
