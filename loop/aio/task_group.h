// TaskGroup: asyncio.TaskGroup.
//
//   // Python: async with asyncio.TaskGroup() as tg:
//   //             a = tg.create_task(fetch("a")); b = tg.create_task(fetch("b"))
//   co_await task_group([&](TaskGroup& tg) -> Coro<void> {
//     Task<int> a = tg.create_task(fetch("a"));
//     Task<int> b = tg.create_task(fetch("b"), "fetch-b");
//     co_return;
//   });                         // both are done here
//
// Semantics are CPython 3.11's taskgroups.TaskGroup (asyncio-semantics
// items 44-47):
//   - leaving the scope waits for every child, including children created
//     while it waits;
//   - the first child that fails (not by being cancelled) aborts the group:
//     every child not done is cancelled, and so is the task running the
//     scope (the parent); leaving the scope takes that cancel back
//     (uncancel());
//   - errors are collected in failure order, including errors children
//     raise while being cancelled; an exception from the body itself is
//     appended last (a CancelledError from the body is not); they are
//     raised as one ExceptionGroup("unhandled errors in a TaskGroup", ...),
//     a BaseExceptionGroup if some are not Exceptions (exception_group.h);
//   - a child's KeyboardInterrupt or SystemExit (which first escapes the
//     loop, as in asyncio) is re-raised bare instead, as is one from the
//     body;
//   - if the parent is cancelled from outside (in the body or while the
//     scope waits), the children are aborted and that CancelledError
//     propagates, unless there are errors, which win; a child cancelled on
//     its own is not an error;
//   - create_task raises RuntimeError "TaskGroup <repr> has not been
//     entered", "... is finished" (left, no children) and "... is shutting
//     down" (aborting); entering twice raises "... has already been
//     entered", and in a plain callback "... cannot determine the parent
//     task";
//   - a child that fails after the parent task is done is reported to the
//     loop's exception handler: "Task <child> has errored out but its
//     parent task <parent> is already completed", with the exception and
//     the child task.
//
// C++ form, and why: there is no `async with`, and an RAII guard cannot
// work: leaving the scope must wait for the children (a destructor cannot
// co_await) and replace the exception in flight. So the body is a
// coroutine-returning callable run by async_with() between __aenter__
// (aenter()) and __aexit__ (aexit()); it takes the TaskGroup& (Python's
// `as tg`) or nothing, and its value is returned. task_group(body) is
// `async with TaskGroup() as tg: body`.
//
// Deviation (determinism): CPython aborts children in set order, which
// varies from run to run; seedloop cancels them in creation order.
// Reports show seedloop's Task repr ("<Task finished name='Task-2'>"),
// without CPython's coroutine and result details.
//
// Lifetimes: TaskGroup is a handle: copies refer to the same group; each
// child keeps the group alive until the child is done (Python's bound done
// callback). async_with() keeps the body callable until the scope is left.
// A child made from a capturing coroutine lambda needs the lambda object to
// outlive the child (its captures live there): name it, don't pass
// `[&]() -> Coro<T> {...}()`.
//
// Threads: the running loop's thread.

#ifndef SEEDLOOP_LOOP_AIO_TASK_GROUP_H_
#define SEEDLOOP_LOOP_AIO_TASK_GROUP_H_

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "loop/aio/timeout.h"
#include "loop/context.h"
#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/task.h"

namespace seedloop {

namespace internal {
struct TaskGroupState;
class TaskGroupScopeGuard;
}  // namespace internal

class TaskGroup {
 public:
  TaskGroup();

  // Creates a child task running `coro` (loop.create_task, then the
  // group's bookkeeping). `name` "" keeps the default name.
  template <typename T>
  Task<T> create_task(Coro<T> coro, std::string name = "", std::optional<Context> context = std::nullopt);

  // "<TaskGroup tasks=2 errors=1 cancelling>", as Python.
  std::string repr() const;

  // `async with tg: body`. Runs body (a callable returning Coro<T>, taking
  // TaskGroup& or nothing), then waits for the children; returns the
  // body's value or raises as the contract says.
  template <typename F>
  Coro<internal::body_value_t<F, TaskGroup>> async_with(F body);

  // The protocol async_with() runs (Python's __aenter__ / __aexit__).
  // aenter() awaits nothing, so it is a plain call. aexit(exc), with what
  // the body raised or null, waits for the children and raises the group's
  // outcome; when it returns, the caller re-raises `exc` itself.
  void aenter();
  Coro<void> aexit(std::exception_ptr exc);

 private:
  friend class internal::TaskGroupScopeGuard;
  EventLoop* checked_loop_for_new_task() const;
  void adopt(TaskBase* task);

  std::shared_ptr<internal::TaskGroupState> state_;
};

// `async with asyncio.TaskGroup() as tg: body`, returning the body's value.
template <typename F>
Coro<internal::body_value_t<F, TaskGroup>> task_group(F body) {
  return TaskGroup().async_with(std::move(body));
}

// ---- Template definitions ----

template <typename T>
Task<T> TaskGroup::create_task(Coro<T> coro, std::string name, std::optional<Context> context) {
  EventLoop* loop = checked_loop_for_new_task();
  Task<T> task = loop->create_task(std::move(coro), std::move(name), std::move(context));
  adopt(task.task());
  return task;
}

namespace internal {

// Forgets the children if the scope's frame is destroyed before the scope
// was left, which happens only when a closed loop abandons the parent: it
// breaks the group <-> child reference cycles of children that can never
// finish.
class TaskGroupScopeGuard {
 public:
  explicit TaskGroupScopeGuard(const TaskGroup& group) : state_(group.state_.get()) {}
  ~TaskGroupScopeGuard();
  TaskGroupScopeGuard(const TaskGroupScopeGuard&) = delete;
  TaskGroupScopeGuard& operator=(const TaskGroupScopeGuard&) = delete;
  void left() { left_ = true; }

 private:
  TaskGroupState* state_;
  bool left_ = false;
};

// async_with's coroutine. It takes the group and the body by value (the
// frame must keep them even when async_with was called on a temporary) and
// moves them into locals at once: a finished coroutine destroys its locals
// but keeps its parameters until the frame goes, and a task's top-level
// frame lives as long as the task, which the group refers to.
template <typename F>
Coro<body_value_t<F, TaskGroup>> task_group_scope(TaskGroup group, F body_arg) {
  using T = body_value_t<F, TaskGroup>;
  TaskGroup self = std::move(group);
  F body = std::move(body_arg);
  self.aenter();
  TaskGroupScopeGuard guard(self);
  Outcome<T> out = co_await run_body(body, self);
  try {
    co_await self.aexit(out.exception());
  } catch (...) {
    guard.left();
    throw;
  }
  guard.left();
  co_return finish_body(std::move(out));
}

}  // namespace internal

template <typename F>
Coro<internal::body_value_t<F, TaskGroup>> TaskGroup::async_with(F body) {
  return internal::task_group_scope(*this, std::move(body));
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_TASK_GROUP_H_
