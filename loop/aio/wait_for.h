// wait_for(): asyncio.wait_for, CPython 3.11's version.
//
//   int v = co_await wait_for(fetch(), 5.0);      // TimeoutError after 5 s
//   int w = co_await wait_for(task, std::nullopt); // no timeout
//
// Semantics (tasks.wait_for in 3.11; asyncio-semantics item 38):
//   - timeout nullopt: just awaits it (`return await fut`): a coroutine
//     runs inline, in the awaiting task, with no task of its own;
//   - otherwise a coroutine is wrapped in a new task; timeout <= 0: returns the result if
//     it is already done, else cancels it, waits for it to finish, and
//     raises TimeoutError;
//   - otherwise, on timeout the inner task is cancelled and awaited (it is
//     never left running), then TimeoutError is raised; if the inner one
//     returned a value instead of honouring the cancel, that value is
//     returned: a result that arrives at the same moment is not lost;
//   - if the caller is cancelled meanwhile and the inner one is already
//     done, its result is returned (the cancel is swallowed); otherwise the
//     inner one is cancelled, awaited, and CancelledError propagates.
//
// Must be awaited inside a task of the running loop.

#ifndef SEEDLOOP_LOOP_AIO_WAIT_FOR_H_
#define SEEDLOOP_LOOP_AIO_WAIT_FOR_H_

#include <cmath>
#include <cstdint>
#include <optional>

#include "loop/aio/ensure_future.h"
#include "loop/coro.h"

namespace seedloop {

namespace internal {

// Waits for `future` to be done without taking its value; raises what
// awaiting it would raise only through cancellation of the waiting task.
// (A constructor, not an aggregate: g++ 12 destroys a braced aggregate
// temporary in a co_await expression twice.)
struct DoneAwaiter {
  explicit DoneAwaiter(Ref<FutureBase> f) : future(std::move(f)) {}
  Ref<FutureBase> future;
  TaskBase* task = nullptr;
  bool await_ready() const { return future->done(); }
  void await_suspend(std::coroutine_handle<> h) { task = block_current_task(future.get(), h); }
  void await_resume() {
    if (task != nullptr) rethrow_injected(task);
  }
};

// tasks._cancel_and_wait: cancel `future` and wait until it is done.
Coro<void> cancel_and_wait(Ref<FutureBase> future);

// wait_for without the value: on return `future` is done and its result
// (or exception) is what wait_for returns (raises).
Coro<void> wait_for_done(Ref<FutureBase> future, std::optional<int64_t> timeout_ns);

inline std::optional<int64_t> seconds_to_ns(std::optional<double> s) {
  if (!s) return std::nullopt;
  return static_cast<int64_t>(std::llround(*s * 1e9));
}

}  // namespace internal

template <Awaitable A>
Coro<internal::awaited_t<A>> wait_for(A awaitable, std::optional<double> timeout_s) {
  using T = internal::awaited_t<A>;
  if (!timeout_s.has_value()) {
    // tasks.wait_for (3.11): `if timeout is None: return await fut`.
    if constexpr (std::is_void_v<T>) {
      co_await std::move(awaitable);
      co_return;
    } else {
      T value = co_await std::move(awaitable);
      co_return value;
    }
  }
  Future<T> future = internal::child_future(std::move(awaitable));
  co_await internal::wait_for_done(future.ref(), internal::seconds_to_ns(timeout_s));
  co_return internal::take_value<T>(*future.base());
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_WAIT_FOR_H_
