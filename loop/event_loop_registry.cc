// EventLoop: task creation, the current task, and the registries of live
// futures and tasks.

#include "loop/event_loop.h"

#include <cassert>
#include <utility>

#include "absl/strings/str_format.h"

namespace seedloop {

internal::Ref<TaskBase> EventLoop::make_task(CoroFrame coro, std::optional<Context> context) {
  if (task_factory_) {
    internal::Ref<TaskBase> task = task_factory_(*this, std::move(coro), std::move(context));
    if (!task) throw TypeError("task factory returned no task");
    task->start();
    return task;
  }
  internal::Ref<TaskBase> task(new TaskBase(this, std::move(coro), std::move(context)));
  task->start();
  return task;
}

void EventLoop::enter_task(TaskBase* task) {
  if (current_task_ != nullptr) {
    throw RuntimeError(absl::StrFormat("Cannot enter into task %s while another task %s is being executed.",
                                       task->repr(), current_task_->repr()));
  }
  current_task_ = task;
}

void EventLoop::leave_task(TaskBase* task) {
  if (current_task_ != task) {
    throw RuntimeError(absl::StrFormat("Leaving task %s does not match the current task.", task->repr()));
  }
  current_task_ = nullptr;
}

std::vector<TaskBase*> EventLoop::all_tasks() const {
  std::vector<TaskBase*> out;
  for (TaskBase* t = tasks_head_; t != nullptr; t = t->tasks_next_) {
    if (!t->done()) out.push_back(t);
  }
  return out;
}

void EventLoop::register_future(FutureBase* f) {
  f->id_ = ++future_counter_;
  f->registry_next_ = futures_head_;
  f->registry_prev_ = nullptr;
  if (futures_head_ != nullptr) futures_head_->registry_prev_ = f;
  futures_head_ = f;
}

void EventLoop::unregister_future(FutureBase* f) {
  if (f->registry_prev_ != nullptr) {
    f->registry_prev_->registry_next_ = f->registry_next_;
  } else {
    assert(futures_head_ == f);
    futures_head_ = f->registry_next_;
  }
  if (f->registry_next_ != nullptr) f->registry_next_->registry_prev_ = f->registry_prev_;
}

void EventLoop::register_task(TaskBase* t) {
  // Appended at the tail: all_tasks() lists tasks in creation order.
  t->tasks_prev_ = tasks_tail_;
  t->tasks_next_ = nullptr;
  if (tasks_tail_ != nullptr) {
    tasks_tail_->tasks_next_ = t;
  } else {
    tasks_head_ = t;
  }
  tasks_tail_ = t;
}

void EventLoop::unregister_task(TaskBase* t) {
  if (t->tasks_prev_ != nullptr) {
    t->tasks_prev_->tasks_next_ = t->tasks_next_;
  } else {
    tasks_head_ = t->tasks_next_;
  }
  if (t->tasks_next_ != nullptr) {
    t->tasks_next_->tasks_prev_ = t->tasks_prev_;
  } else {
    tasks_tail_ = t->tasks_prev_;
  }
}

}  // namespace seedloop
