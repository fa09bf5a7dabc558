// EventLoop's template definitions (create_task, run_until_complete,
// run_in_executor and their helpers). Included at the end of
// loop/event_loop.h only; include that header, not this one.

#ifndef SEEDLOOP_LOOP_INTERNAL_EVENT_LOOP_INL_H_
#define SEEDLOOP_LOOP_INTERNAL_EVENT_LOOP_INL_H_

#ifndef SEEDLOOP_LOOP_EVENT_LOOP_H_
#error "include loop/event_loop.h, not loop/internal/event_loop_inl.h"
#endif

namespace seedloop {

template <typename T>
Task<T> EventLoop::create_task(Coro<T> coro, std::string name, std::optional<Context> context) {
  check_closed();
  internal::Ref<TaskBase> task = make_task(CoroFrame(std::move(coro)), std::move(context));
  if (!name.empty()) task->set_name(std::move(name));
  if (observer_ != nullptr) emit(LoopEventKind::kTaskCreated, task->number(), 0, task->get_name());
  return Task<T>(std::move(task));
}

template <typename T>
void EventLoop::add_stop_callback(const Future<T>& future, uint64_t* id) {
  // asyncio's _run_until_complete_cb: stop unless the future failed with
  // SystemExit/KeyboardInterrupt (those already left the loop).
  *id = future.base()->add_done_callback(
      [](FutureBase& f) {
        if (!f.cancelled() && is_exit_exception(f.exception())) return;
        if (f.get_loop() != nullptr) f.get_loop()->stop();
      },
      internal::ContextBinding::current());
}

template <typename T>
T EventLoop::run_until_complete(const Future<T>& future) {
  check_closed();
  check_running();
  if (future.get_loop() != this) {
    throw ValueError("The future belongs to a different loop than the one specified as the loop argument");
  }
  uint64_t id = 0;
  add_stop_callback(future, &id);
  try {
    run_forever();
  } catch (...) {
    future.remove_done_callback(id);
    throw;
  }
  future.remove_done_callback(id);
  if (!future.done()) throw RuntimeError("Event loop stopped before Future completed.");
  return future.result();
}

template <typename T>
T EventLoop::run_until_complete(Coro<T> coro) {
  check_closed();
  check_running();
  Task<T> task = create_task(std::move(coro));
  // base_events.run_until_complete: its own task is not reported if it is
  // still pending when destroyed, and a failure that escapes is retrieved.
  task.task()->set_log_destroy_pending(false);
  try {
    return run_until_complete(static_cast<const Future<T>&>(task));
  } catch (...) {
    if (task.done() && !task.cancelled()) task.exception();
    throw;
  }
}

namespace internal {

// Carries one run_in_executor call from the loop to a worker and back. Made
// and destroyed on the loop's thread; only `run` happens on the worker.
// A run_in_executor job: waiting for a worker, started (runs to its end),
// or cancelled before it started (never runs).
enum class ExecutorJobState { kPending, kRunning, kCancelled };

template <typename R>
struct ExecutorCall {
  Future<R> future;  // touched on the loop's thread only
  std::shared_ptr<std::atomic<ExecutorJobState>> state =
      std::make_shared<std::atomic<ExecutorJobState>>(ExecutorJobState::kPending);
  std::optional<Stored<R>> value;
  std::exception_ptr error;

  template <typename F>
  void run(F& fn) {
    try {
      if constexpr (std::is_void_v<R>) {
        fn();
        value.emplace();
      } else {
        value.emplace(fn());
      }
    } catch (...) {
      error = std::current_exception();
    }
  }
  // asyncio futures._copy_future_state: a cancelled destination stays so.
  void deliver() {
    if (future.done()) return;
    if (error) {
      future.set_exception(error);
    } else if constexpr (std::is_void_v<R>) {
      future.set_result();
    } else {
      future.set_result(std::move(*value));
    }
  }
};

}  // namespace internal

template <typename F>
auto EventLoop::run_in_executor(Executor* executor, F fn) -> Future<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  check_closed();
  if (debug_) check_thread("run_in_executor");
  if (executor == nullptr) {
    if (executor_shutdown_called_) throw RuntimeError("Executor shutdown has been called");
    if (!default_executor_) default_executor_ = backend_.threads->new_default_executor();
    executor = default_executor_.get();
  }
  auto call = std::make_unique<internal::ExecutorCall<R>>();
  call->future = create_future<R>();
  Future<R> result = call->future;
  // asyncio's wrap_future: cancelling the future cancels work not yet
  // started; a job a worker has started runs to its end.
  using State = internal::ExecutorJobState;
  std::shared_ptr<std::atomic<State>> state = call->state;
  result.add_done_callback([state](const Future<R>& f) {
    State pending = State::kPending;
    if (f.cancelled()) state->compare_exchange_strong(pending, State::kCancelled);
  });
  auto start = [state] {
    State pending = State::kPending;
    return state->compare_exchange_strong(pending, State::kRunning);
  };
  absl::Status status = executor->submit(
      std::move(start), [this, fn = std::move(fn), call = std::move(call), state]() mutable {
        if (state->load() == State::kCancelled) {
          post_to_loop([call = std::move(call)]() mutable {}, internal::ContextBinding());
          return;
        }
        call->run(fn);
        post_to_loop([call = std::move(call)]() mutable { call->deliver(); }, internal::ContextBinding());
      });
  if (!status.ok()) throw RuntimeError(std::string(status.message()));
  return result;
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_INTERNAL_EVENT_LOOP_INL_H_
