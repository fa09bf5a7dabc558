// The reference workload runs to completion on the simulator, in both modes,
// and the same seed gives the same run.

#include "sim/testing/reference_workload.h"

#include "gtest/gtest.h"

namespace seedloop::sim {
namespace {

TEST(ReferenceWorkload, CompletesInFaithfulMode) {
  uint64_t sum = 0;
  SimulationOptions options;
  options.seed = 1;
  Outcome out = Simulation(options).run(reference_workload(100, &sum));
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_NE(sum, 0u);
  EXPECT_GT(out.steps, 100u);
  EXPECT_GT(out.choices.size(), 0u);
}

TEST(ReferenceWorkload, CompletesInChaosMode) {
  SimulationOptions options;
  options.seed = 1;
  options.mode = Mode::kChaos;
  Outcome out = Simulation(options).run(reference_workload(100));
  EXPECT_TRUE(out.ok()) << out.describe();
}

TEST(ReferenceWorkload, SameSeedSameHash) {
  SimulationOptions options;
  options.seed = 9;
  options.mode = Mode::kChaos;
  EXPECT_TRUE(check_determinism(options, reference_workload(100)).ok());
}

TEST(ReferenceWorkload, ReplayingTheTapeGivesTheSameHash) {
  SimulationOptions options;
  options.seed = 5;
  options.mode = Mode::kChaos;
  Outcome first = Simulation(options).run(reference_workload(100));
  SimulationOptions replay = options;
  replay.replay = first.choices;
  Outcome second = Simulation(replay).run(reference_workload(100));
  EXPECT_TRUE(second.ok()) << second.describe();
  EXPECT_EQ(first.trace_hash, second.trace_hash);
}

}  // namespace
}  // namespace seedloop::sim
