#include "loop/aio/wait_for.h"

#include "loop/event_loop.h"
#include "loop/policy.h"

namespace seedloop::internal {

namespace {

// tasks._release_waiter
void release_waiter(const Future<void>& waiter) {
  if (!waiter.done()) waiter.set_result();
}

struct CancelOnExit {
  TimerHandle handle;
  ~CancelOnExit() { handle.cancel(); }
};

struct RemoveCallbackOnExit {
  FutureBase* future;
  uint64_t id;
  ~RemoveCallbackOnExit() { future->remove_done_callback(id); }
};

}  // namespace

Coro<void> cancel_and_wait(Ref<FutureBase> future) {
  Future<void> waiter = get_running_loop()->create_future<void>();
  uint64_t id = future->add_done_callback([waiter](FutureBase&) { release_waiter(waiter); });
  RemoveCallbackOnExit remove{future.get(), id};
  future->cancel();
  co_await waiter;
}

namespace {
// tasks.wait_for: `try: return fut.result() except CancelledError: raise
// TimeoutError()`. A future can end in CancelledError without being in the
// cancelled state: a cancelled gather finishes with the exception set.
// Reading the exception marks it retrieved, as fut.result() does.
bool ended_in_cancellation(FutureBase& future) {
  return future.cancelled() || is_cancelled_error(future.exception());
}
}  // namespace

Coro<void> wait_for_done(Ref<FutureBase> future, std::optional<int64_t> timeout_ns) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  if (!timeout_ns) {
    co_await DoneAwaiter(future);
    co_return;
  }
  if (*timeout_ns <= 0) {
    if (future->done()) co_return;
    co_await cancel_and_wait(future);
    if (ended_in_cancellation(*future)) throw TimeoutError();
    co_return;
  }
  Future<void> waiter = loop->create_future<void>();
  CancelOnExit timeout{loop->call_at_ns(loop->time_ns() + *timeout_ns, [waiter] { release_waiter(waiter); })};
  uint64_t id = future->add_done_callback([waiter](FutureBase&) { release_waiter(waiter); });
  // C++ cannot co_await inside a catch block: note the cancellation and
  // act on it after the try.
  std::exception_ptr cancelled;
  try {
    co_await waiter;
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  }
  if (cancelled) {
    if (future->done()) co_return;  // the result wins; the cancel is swallowed
    future->remove_done_callback(id);
    co_await cancel_and_wait(future);
    std::rethrow_exception(cancelled);
  }
  if (future->done()) co_return;
  future->remove_done_callback(id);
  co_await cancel_and_wait(future);
  // A value returned despite the cancel is kept; only a cancellation
  // becomes TimeoutError.
  if (ended_in_cancellation(*future)) throw TimeoutError();
}

}  // namespace seedloop::internal
