// main() for seed-sweep test binaries (//sim:sweep_main): reads the shard,
// keeps it for sweep_shard(), and hides the sharding variables from
// GoogleTest so that it runs every test in every shard. See sweep.h.

#include <cstdio>
#include <cstdlib>

#include "gtest/gtest.h"
#include "sim/explore.h"
#include "sim/testing/sweep.h"

namespace seedloop::sim {

namespace {

// Written once by main() before any test runs; trivially destructible.
Shard g_shard;

// Every variable GoogleTest would shard by (and Bazel's originals, which
// test-setup.sh copies into them).
constexpr const char* kShardVariables[] = {
    "TEST_TOTAL_SHARDS",
    "TEST_SHARD_INDEX",
    "GTEST_TOTAL_SHARDS",
    "GTEST_SHARD_INDEX",
};

}  // namespace

Shard sweep_shard() { return g_shard; }

uint64_t sweep_shard_size(uint64_t count) {
  const Shard shard = sweep_shard();
  if (shard.index >= count) return 0;
  return (count - shard.index + shard.total - 1) / shard.total;
}

SweepOptions sweep_options(uint64_t count, uint64_t first_seed) {
  SweepOptions options;
  options.first_seed = first_seed;
  options.count = count;
  options.shard = sweep_shard();
  options.stop_at_first_failure = false;
  return options;
}

namespace sweep_internal {
void set_sweep_shard(Shard shard) { g_shard = shard; }
}  // namespace sweep_internal

}  // namespace seedloop::sim

int main(int argc, char** argv) {
  namespace sim = seedloop::sim;
  absl::StatusOr<sim::Shard> shard = sim::shard_from_env();
  if (!shard.ok()) {
    std::fprintf(stderr, "sweep_main: malformed sharding variables: %s\n",
                 std::string(shard.status().message()).c_str());
    return 2;
  }
  if (shard->total == 0 || shard->index >= shard->total) {
    std::fprintf(stderr, "sweep_main: invalid shard %llu of %llu\n", static_cast<unsigned long long>(shard->index),
                 static_cast<unsigned long long>(shard->total));
    return 2;
  }
  sim::sweep_internal::set_sweep_shard(*shard);
  for (const char* name : sim::kShardVariables) unsetenv(name);
  if (shard->total > 1) {
    std::fprintf(stderr, "sweep_main: seed shard %llu of %llu (every test runs; seeds are split)\n",
                 static_cast<unsigned long long>(shard->index), static_cast<unsigned long long>(shard->total));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
