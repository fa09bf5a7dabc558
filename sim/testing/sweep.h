// Seed-sweep tests: the shard this test binary runs, and the sweep options
// for it. Link //sim:sweep_main (instead of gtest_main) to get them.
//
//   TEST(Determinism, ReplayGivesTheSameHash) {
//     sim::SweepOptions sweep = sim::sweep_options(/*count=*/1000);
//     sim::SweepResult r = sim::sweep(sweep, base, program, fails);
//     EXPECT_EQ(r.runs, sim::sweep_shard_size(1000));
//   }
//
// Sharding contract: sweep_main.cc reads the shard once, before GoogleTest
// starts (sim::shard_from_env(): Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX,
// else GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX, else one shard; it touches
// TEST_SHARD_STATUS_FILE), then removes those variables from the
// environment so GoogleTest does not shard the test cases as well: every
// shard runs every sweep test, each over its own share of the seeds (seed
// index i with i % total == index). A malformed variable makes the binary
// exit with status 2 and a message naming it, before any test runs.
//
// Threads: sweep_shard() may be called from any thread once main() has set
// it (it is written once, before the tests run, and only read after).

#ifndef SEEDLOOP_SIM_TESTING_SWEEP_H_
#define SEEDLOOP_SIM_TESTING_SWEEP_H_

#include <cstdint>

#include "sim/explore.h"

namespace seedloop::sim {

// The shard of this process (one shard, index 0, outside sweep_main).
Shard sweep_shard();

// How many of `count` seed indices sweep_shard() visits.
uint64_t sweep_shard_size(uint64_t count);

// SweepOptions for seeds [first_seed, first_seed + count) on sweep_shard(),
// not stopping at the first failure.
SweepOptions sweep_options(uint64_t count, uint64_t first_seed = 1);

namespace sweep_internal {
// Called by sweep_main.cc only, before the tests run.
void set_sweep_shard(Shard shard);
}  // namespace sweep_internal

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_TESTING_SWEEP_H_
