// sleep(): asyncio.sleep.
//
//   co_await sleep(0.25);            // seconds, as asyncio
//   co_await sleep(250ms);           // or a std::chrono duration
//   int v = co_await sleep(1.0, 7);  // sleep(delay, result)
//
// A delay <= 0 gives up exactly one loop iteration (asyncio's bare yield).
// Otherwise a future is resolved by a call_later timer, and the task
// resumes one iteration after the timer ran; the timer is cancelled if the
// sleep is cancelled (tasks.sleep, asyncio-semantics item 37).
//
// Must be awaited inside a task of the running loop.

#ifndef SEEDLOOP_LOOP_AIO_SLEEP_H_
#define SEEDLOOP_LOOP_AIO_SLEEP_H_

#include <chrono>
#include <cstdint>

#include "loop/coro.h"

namespace seedloop {

Coro<void> sleep(double delay_s);
Coro<void> sleep_ns(int64_t delay_ns);

template <typename Rep, typename Period>
Coro<void> sleep(std::chrono::duration<Rep, Period> delay) {
  return sleep_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count());
}

template <typename T>
Coro<T> sleep(double delay_s, T result) {
  co_await sleep(delay_s);
  co_return result;
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_SLEEP_H_
