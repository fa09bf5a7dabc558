#include "loop/real/steady_clock.h"

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace seedloop::real {
namespace {

TEST(SteadyClockTest, ClockIsMonotonic) {
  SteadyClock clock;
  int64_t previous = clock.now_ns();
  for (int i = 0; i < 10000; ++i) {
    int64_t now = clock.now_ns();
    ASSERT_GE(now, previous) << "read " << i;
    previous = now;
  }
}

TEST(SteadyClockTest, ResolutionIsPositiveAndBelowOneMillisecond) {
  SteadyClock clock;
  EXPECT_GE(clock.resolution_ns(), 1);
  EXPECT_LE(clock.resolution_ns(), 1'000'000);  // a property of the kernel, not timing
}

TEST(SteadyClockTest, ClockAdvancesAtLeastAsFarAsASleep) {
  SteadyClock clock;
  int64_t start = clock.now_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GE(clock.now_ns() - start, 5'000'000);
}

TEST(SteadyClockTest, ClocksAgreeAcrossInstances) {
  // Loop time is one clock: two instances read the same CLOCK_MONOTONIC.
  SteadyClock a;
  SteadyClock b;
  int64_t first = a.now_ns();
  EXPECT_GE(b.now_ns(), first);
}

}  // namespace
}  // namespace seedloop::real
