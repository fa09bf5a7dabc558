// Task<T>: asyncio.Task, a future that runs a coroutine on its loop.
//
//   Task<int> t = loop->create_task(answer(), "answer");
//   int v = co_await t;               // inside another coroutine
//
// Semantics are CPython 3.11's Task (asyncio-semantics items 29-35):
//   - creating a task schedules its first step with call_soon, so it starts
//     in the next iteration, after callbacks already queued;
//   - each step runs the coroutine until it awaits a pending future; the
//     task then resumes one iteration after that future completes (its
//     wakeup is a done callback);
//   - cancel(msg) cancels the future the task awaits, if any, else arranges
//     for CancelledError(msg) to be thrown in at the next step; several
//     cancels before the step throw one CancelledError, with the first
//     message; a coroutine that catches it and carries on keeps running;
//   - cancelling() counts cancel requests; uncancel() takes one back;
//   - set_result / set_exception raise RuntimeError("Task does not support
//     set_result operation") and ("... set_exception operation");
//   - a task still pending when its loop closes is reported as "Task was
//     destroyed but it is pending!" and its coroutine frame is destroyed.
//
// Deviation (determinism): default names "Task-N" count per loop, not per
// process as in CPython, so a simulated run's names do not depend on what
// else ran in the process.
//
// Custom task classes (set_task_factory): derive from TaskBase, construct it
// from the factory's arguments and return it; create_task returns a Task<T>
// viewing it.
//
// Threads: tasks belong to their loop's thread.

#ifndef SEEDLOOP_LOOP_TASK_H_
#define SEEDLOOP_LOOP_TASK_H_

#include <coroutine>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loop/context.h"
#include "loop/coro.h"
#include "loop/future.h"

namespace seedloop {

namespace internal {
struct TimeoutState;
}  // namespace internal

// A coroutine with its type erased, as a task factory receives it.
class CoroFrame {
 public:
  CoroFrame() = default;
  template <typename T>
  explicit CoroFrame(Coro<T> coro) {
    auto h = coro.release();
    handle_ = h;
    promise_ = &h.promise();
  }
  CoroFrame(CoroFrame&& other) noexcept
      : handle_(std::exchange(other.handle_, {})), promise_(std::exchange(other.promise_, nullptr)) {}
  CoroFrame& operator=(CoroFrame&& other) noexcept {
    std::swap(handle_, other.handle_);
    std::swap(promise_, other.promise_);
    return *this;
  }
  ~CoroFrame() {
    if (handle_) handle_.destroy();
  }
  explicit operator bool() const { return static_cast<bool>(handle_); }
  std::coroutine_handle<> handle() const { return handle_; }
  internal::PromiseBase* promise() const { return promise_; }

 private:
  std::coroutine_handle<> handle_;
  internal::PromiseBase* promise_ = nullptr;
};

class TaskBase : public FutureBase {
 public:
  // Schedules the first step on `loop`. `context`: run in exactly this
  // Context; by default, in a copy of the current one.
  TaskBase(EventLoop* loop, CoroFrame coro, std::optional<Context> context = std::nullopt);
  ~TaskBase() override;

  bool cancel(std::optional<std::string> msg = std::nullopt) override;
  int cancelling() const { return num_cancels_requested_; }
  int uncancel();
  // The default name "Task-N" is formatted on first use (most tasks never
  // need it), from the number taken at creation.
  const std::string& get_name() const;
  // The N of "Task-N": per loop, from 1, in creation order.
  uint64_t number() const { return number_; }
  void set_name(std::string name) {
    name_ = std::move(name);
    named_ = true;
  }
  // The context every step runs in.
  internal::ContextData* context_data() const { return context_; }
  std::string repr() const override;

  // Schedules the first step (create_task calls it once the task exists).
  void start();

  // run_until_complete's own tasks are not reported when destroyed pending.
  void set_log_destroy_pending(bool on) { log_destroy_pending_ = on; }

  // The awaiters' side of a step (see block_current_task in future.h).
  void block_on(FutureBase* future, std::coroutine_handle<> resume_at);
  void yield_at(std::coroutine_handle<> resume_at);
  void rethrow_injected();

  // Where the task's coroutine waits, while it is suspended (as a
  // LoopObserver's on_task_suspended() sees it): the co_await locations
  // from its top coroutine down to the innermost Coro that suspended
  // (loop/coro.h, "Await sites"). Empty before the first step and once done.
  std::vector<AwaitSite> await_stack() const;
  // The innermost of await_stack(); a default location when there is none.
  AwaitSite suspended_at() const;

  // The innermost timeout() scope this task is inside, or null: set by
  // Timeout::aenter(), restored by aexit() (loop/aio/timeout.h).
  internal::TimeoutState* innermost_timeout() const { return timeout_; }
  void set_innermost_timeout(internal::TimeoutState* scope) { timeout_ = scope; }

  // Loop-internal: destroys the coroutine of a task that can never finish
  // (its loop closed) and reports it if it was still pending.
  void abandon();

 protected:
  void check_settable_op(const char* op) const;
  void check_settable() const override;
  void check_exception_settable() const override;

 private:
  friend class EventLoop;
  enum class Suspend { kNone, kBlocked, kYield };

  void step(std::exception_ptr exc);
  void finish_step(std::exception_ptr raised);
  void handle_suspend();
  void report_destroyed_pending();
  void report_cancel_request(bool accepted);  // to the loop's observer
  void report_suspended();                    // to the loop's observer
  const internal::PromiseBase* innermost_promise() const;
  void wakeup(FutureBase& future);
  void schedule_step(std::exception_ptr exc = nullptr);

  CoroFrame coro_;
  bool started_ = false;
  bool abandoned_ = false;
  std::coroutine_handle<> resume_at_;
  Suspend suspend_ = Suspend::kNone;
  FutureBase* blocked_on_ = nullptr;
  internal::Ref<FutureBase> fut_waiter_;
  bool must_cancel_ = false;
  int num_cancels_requested_ = 0;
  internal::TimeoutState* timeout_ = nullptr;
  std::exception_ptr injected_;
  uint64_t number_ = 0;
  mutable std::string name_;
  mutable bool named_ = false;
  bool log_destroy_pending_ = true;
  internal::ContextData own_context_;
  std::shared_ptr<internal::ContextData> context_owner_;
  internal::ContextData* context_ = nullptr;
  // The loop's registry of live tasks, in creation order (all_tasks()).
  TaskBase* tasks_prev_ = nullptr;
  TaskBase* tasks_next_ = nullptr;
};

template <typename T = void>
class Task : public Future<T> {
 public:
  Task() = default;
  explicit Task(internal::Ref<TaskBase> task) : Future<T>(internal::Ref<FutureBase>(task.get())) {}

  int cancelling() const { return task()->cancelling(); }
  int uncancel() const { return task()->uncancel(); }
  const std::string& get_name() const { return task()->get_name(); }
  void set_name(std::string name) const { task()->set_name(std::move(name)); }
  TaskBase* task() const { return static_cast<TaskBase*>(this->base()); }
};

// The task running on `loop` right now, or null in a plain callback.
TaskBase* current_task(EventLoop* loop = nullptr);

namespace internal {
// `co_await yield_now()`: gives up exactly one loop iteration (asyncio's
// bare `yield`, as in sleep(0)).
struct YieldAwaiter {
  TaskBase* task = nullptr;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() { task->rethrow_injected(); }
};
}  // namespace internal

inline internal::YieldAwaiter yield_now() { return {}; }

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_TASK_H_
