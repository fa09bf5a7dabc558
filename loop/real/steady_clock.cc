#include "loop/real/steady_clock.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>

namespace seedloop::real {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

int64_t to_ns(const timespec& ts) { return int64_t{ts.tv_sec} * kNsPerSecond + ts.tv_nsec; }

}  // namespace

SteadyClock::SteadyClock() {
  timespec res{};
  // CLOCK_MONOTONIC exists on every Linux seedloop supports; a failure here
  // means a broken libc or kernel, not a condition a caller could handle.
  if (clock_getres(CLOCK_MONOTONIC, &res) != 0) {
    std::fputs("seedloop: clock_getres(CLOCK_MONOTONIC) failed\n", stderr);
    std::abort();
  }
  int64_t res_ns = to_ns(res);
  resolution_ns_ = res_ns >= 1 ? res_ns : 1;
}

int64_t SteadyClock::now_ns() const {
  timespec ts{};
  // Cannot fail for CLOCK_MONOTONIC with a valid pointer (see clock_gettime(2)).
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    std::fputs("seedloop: clock_gettime(CLOCK_MONOTONIC) failed\n", stderr);
    std::abort();
  }
  return to_ns(ts);
}

}  // namespace seedloop::real
