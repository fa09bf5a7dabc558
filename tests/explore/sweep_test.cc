// sim::sweep: which seeds a shard visits, stopping at the first failure or
// collecting them all, and the built-in determinism self-check.

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/policy.h"
#include "sim/explore.h"

namespace seedloop::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A program with one timer; the sweeps below decide failure themselves.
Coro<void> nap() { co_await sleep_ns(1000); }
Program nap_program() { return [] { return nap(); }; }

TEST(Sweep, AShardVisitsEveryTotalthSeedFromItsIndex) {
  SweepOptions sweep;
  sweep.first_seed = 100;
  sweep.count = 10;
  sweep.shard = Shard{1, 3};
  sweep.stop_at_first_failure = false;
  SweepResult result = sim::sweep(sweep, SimulationOptions(), nap_program(), [](const Outcome&) { return true; });
  EXPECT_EQ(result.runs, 3u);
  EXPECT_THAT(result.failing_seeds, ElementsAre(101u, 104u, 107u));
}

TEST(Sweep, StopsAtTheFirstFailureByDefault) {
  SweepOptions sweep;
  sweep.count = 10;
  SweepResult result = sim::sweep(sweep, SimulationOptions(), nap_program(), [](const Outcome&) { return true; });
  EXPECT_EQ(result.runs, 1u);
  ASSERT_TRUE(result.first_failure.has_value());
  EXPECT_EQ(result.first_failure->seed, 1u);
  EXPECT_EQ(result.first_failure->options.seed, 1u);
}

TEST(Sweep, DeterminismCheckPassesADeterministicProgram) {
  SweepOptions sweep;
  sweep.count = 20;
  sweep.check_determinism = true;
  SimulationOptions options;
  options.mode = Mode::kChaos;
  SweepResult result = sim::sweep(sweep, options, nap_program(), [](const Outcome& o) { return !o.ok(); });
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(result.runs, 20u);
  EXPECT_FALSE(result.first_failure.has_value());
}

// State that survives between runs: the bug the self-check exists to catch.
int g_calls = 0;
Coro<void> reads_a_global() {
  if (++g_calls % 2 == 0) co_await sleep(1.0);
  co_await sleep(0.5);
}

TEST(Sweep, DeterminismCheckNamesTheSeedAndTheFirstDivergence) {
  SweepOptions sweep;
  sweep.first_seed = 7;
  sweep.count = 3;
  sweep.check_determinism = true;
  SweepResult result = sim::sweep(sweep, SimulationOptions(), [] { return reads_a_global(); },
                                  [](const Outcome& o) { return !o.ok(); });
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(result.status.message(), HasSubstr("seed 7"));
  EXPECT_THAT(result.status.message(), HasSubstr("first divergence"));
}

}  // namespace
}  // namespace seedloop::sim
