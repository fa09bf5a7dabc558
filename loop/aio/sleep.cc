#include "loop/aio/sleep.h"

#include <cmath>

#include "loop/event_loop.h"
#include "loop/policy.h"

namespace seedloop {

Coro<void> sleep_ns(int64_t delay_ns) {
  if (delay_ns <= 0) {
    co_await yield_now();
    co_return;
  }
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Future<void> future = loop->create_future<void>();
  // futures._set_result_unless_cancelled
  TimerHandle h = loop->call_at_ns(loop->time_ns() + delay_ns, [future] {
    if (!future.cancelled()) future.set_result();
  });
  struct CancelTimer {
    TimerHandle h;
    ~CancelTimer() { h.cancel(); }
  } guard{h};
  co_await future;
}

Coro<void> sleep(double delay_s) {
  // Delays are rounded to the nearest nanosecond of loop time.
  return sleep_ns(static_cast<int64_t>(std::llround(delay_s * 1e9)));
}

}  // namespace seedloop
