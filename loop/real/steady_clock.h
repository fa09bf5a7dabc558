// SteadyClock: the production Clock, CLOCK_MONOTONIC in integer nanoseconds.
//
// asyncio's loop.time() is time.monotonic(); this is the same clock. It
// never decreases, does not jump with the wall clock, and keeps counting
// across NTP slews. resolution_ns() is clock_getres(CLOCK_MONOTONIC), read
// once at construction (asyncio's `_clock_resolution`).
//
// Threads: immutable after construction; every method may be called from any
// thread (the loop calls it on its own thread only).

#ifndef SEEDLOOP_LOOP_REAL_STEADY_CLOCK_H_
#define SEEDLOOP_LOOP_REAL_STEADY_CLOCK_H_

#include <cstdint>

#include "loop/backend.h"

namespace seedloop::real {

class SteadyClock : public Clock {
 public:
  SteadyClock();

  int64_t now_ns() const override;
  int64_t resolution_ns() const override { return resolution_ns_; }

 private:
  int64_t resolution_ns_;  // >= 1
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_STEADY_CLOCK_H_
