// Helpers shared by the World tests (world_test.cc, world_io_test.cc):
// handmade tape entries, strict replay options, trace and tape queries.

#ifndef SEEDLOOP_TESTS_SIM_WORLD_TEST_SUPPORT_H_
#define SEEDLOOP_TESTS_SIM_WORLD_TEST_SUPPORT_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "sim/simulation.h"
#include "sim/tape.h"
#include "sim/trace.h"

namespace seedloop::sim::world_testing {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;

// ---- Tapes, made by hand ----

inline Choice duration(uint64_t value, uint64_t steps = 10) { return Choice{ChoiceKind::kExecutorDuration, steps, value}; }
inline Choice completion(uint64_t bound, uint64_t value) { return Choice{ChoiceKind::kExecutorOrder, bound, value}; }
inline Choice arrival(uint64_t delay, uint64_t max_delay = 2) {
  return Choice{ChoiceKind::kThreadsafeArrival, max_delay + 1, delay};
}
inline Choice readiness(uint64_t bound, uint64_t value) { return Choice{ChoiceKind::kReadinessOrder, bound, value}; }
inline Choice tie(uint64_t bound, uint64_t value) { return Choice{ChoiceKind::kTimerTieOrder, bound, value}; }
inline Choice cost(uint64_t value, uint64_t steps = 4) { return Choice{ChoiceKind::kCallbackCost, steps, value}; }

inline SimulationOptions replaying(std::vector<Choice> tape, SimulationOptions options = {}) {
  options.replay = std::move(tape);
  options.replay_mode = Tape::Replay::kStrict;
  return options;
}

inline std::vector<TraceEvent> events_of(const Outcome& out, TraceKind kind) {
  std::vector<TraceEvent> found;
  for (const TraceEvent& e : out.trace.events()) {
    if (e.kind == kind) found.push_back(e);
  }
  return found;
}

inline size_t count_choices(const Outcome& out, ChoiceKind kind) {
  size_t n = 0;
  for (const Choice& c : out.choices) n += c.kind == kind ? 1 : 0;
  return n;
}

// Two call_soon callbacks; the loop time each saw.
inline std::vector<int64_t> two_callback_times(SimulationOptions options, Outcome* out_or_null = nullptr) {
  std::vector<int64_t> seen;
  Outcome out = Simulation(options).run_setup([&seen](EventLoop& loop) {
    for (int i = 0; i < 2; ++i) loop.call_soon([&seen, &loop] { seen.push_back(loop.time_ns()); });
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  if (out_or_null != nullptr) *out_or_null = std::move(out);
  return seen;
}

}  // namespace seedloop::sim::world_testing

#endif  // SEEDLOOP_TESTS_SIM_WORLD_TEST_SUPPORT_H_
