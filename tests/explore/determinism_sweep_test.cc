// Determinism over a seed sweep of the reference workload, in chaos mode:
// a run replayed from its own tape is the same run, and two passes over the
// seeds give the same runs. Sharded by seed (sweep_main): every shard runs
// both tests over its share of the seeds.
//
// The seed count and the workload size are compile-time knobs, so the
// default target stays fast and a manual target sweeps more:
//   SEEDLOOP_SWEEP_SEEDS (default 1000), SEEDLOOP_SWEEP_TASKS (default 20).
// With SEEDLOOP_REPLAY=<tape file> each test runs only that tape.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/explore.h"
#include "sim/simulation.h"
#include "sim/testing/reference_workload.h"
#include "sim/testing/sweep.h"

#ifndef SEEDLOOP_SWEEP_SEEDS
#define SEEDLOOP_SWEEP_SEEDS 1000
#endif
#ifndef SEEDLOOP_SWEEP_TASKS
#define SEEDLOOP_SWEEP_TASKS 20
#endif

namespace seedloop::sim {
namespace {

constexpr uint64_t kSeeds = SEEDLOOP_SWEEP_SEEDS;
constexpr int kTasks = SEEDLOOP_SWEEP_TASKS;

SimulationOptions chaos_options() {
  SimulationOptions options;
  options.mode = Mode::kChaos;
  options.trace = TraceLevel::kHashOnly;
  return options;
}

// What a run must reproduce: its trace hash, the workload's own digest of
// what the tasks observed, and the choices it made.
struct RunDigest {
  uint64_t seed = 0;
  uint64_t trace_hash = 0;
  uint64_t checksum = 0;
  size_t choices = 0;
  bool operator==(const RunDigest&) const = default;
};

std::string test_name() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "." + info->name();
}

// Saves the run's tape and prints the replay command (once per test).
void report_failing_run(const Outcome& outcome, uint64_t seed) {
  absl::StatusOr<SavedFailure> saved = save_failure(outcome.choices, seed, test_name());
  if (saved.ok()) {
    ADD_FAILURE() << "seed " << seed << ": tape " << saved->path << "\n  replay: " << saved->command;
  } else {
    ADD_FAILURE() << "seed " << seed << ": could not save the tape: " << saved.status();
  }
}

// SEEDLOOP_REPLAY: runs that tape strictly, twice, and expects one run.
// Returns true when a tape was replayed (the test does nothing else).
bool replayed_from_env() {
  absl::StatusOr<std::optional<std::vector<Choice>>> tape = replay_from_env();
  if (!tape.ok()) {
    ADD_FAILURE() << tape.status();
    return true;
  }
  if (!tape->has_value()) return false;
  if (sweep_shard().index != 0) {
    std::printf("SEEDLOOP_REPLAY is set: shard 0 replays the tape, this shard does nothing\n");
    return true;
  }
  SimulationOptions options = chaos_options();
  options.replay = **tape;
  options.trace = TraceLevel::kRecord;
  uint64_t sum1 = 0, sum2 = 0;
  Outcome first = Simulation(options).run(reference_workload(kTasks, &sum1));
  EXPECT_TRUE(first.ok()) << first.describe();
  const absl::Status deterministic = check_determinism(options, reference_workload(kTasks, &sum2));
  EXPECT_TRUE(deterministic.ok()) << deterministic;
  EXPECT_EQ(sum1, sum2) << "the workload observed different things";
  std::printf("replayed %zu choices: %s, trace hash %016llx, %llu steps, ends at t=%lld ns\n", first.choices.size(),
              first.describe().c_str(), static_cast<unsigned long long>(first.trace_hash),
              static_cast<unsigned long long>(first.steps), static_cast<long long>(first.end_ns));
  return true;
}

TEST(DeterminismSweep, ReplayingItsTapeGivesTheSameRun) {
  if (replayed_from_env()) return;
  uint64_t checksum = 0;
  const Program program = reference_workload(kTasks, &checksum);
  int failures = 0;
  const SweepResult result = sweep(sweep_options(kSeeds), chaos_options(), program, [&](const Outcome& fresh) {
    const RunDigest original{*fresh.seed, fresh.trace_hash, checksum, fresh.choices.size()};
    SimulationOptions options = chaos_options();
    options.replay = fresh.choices;  // strict
    const Outcome again = Simulation(options).run(program);
    const RunDigest replayed{*fresh.seed, again.trace_hash, checksum, again.choices.size()};
    const bool same = fresh.ok() && again.ok() && replayed == original && again.choices == fresh.choices;
    if (!same && failures++ == 0) {
      ADD_FAILURE() << "seed " << *fresh.seed << ": fresh run " << fresh.describe() << " hash " << fresh.trace_hash
                    << ", replay " << again.describe() << " hash " << again.trace_hash;
      report_failing_run(fresh, *fresh.seed);
    }
    return !same;
  });
  EXPECT_EQ(result.runs, sweep_shard_size(kSeeds));
  EXPECT_TRUE(result.failing_seeds.empty()) << result.failing_seeds.size() << " seeds did not replay";
  std::printf("shard %llu of %llu: %llu of %llu seeds (%d tasks) replayed to the same run\n",
              static_cast<unsigned long long>(sweep_shard().index),
              static_cast<unsigned long long>(sweep_shard().total), static_cast<unsigned long long>(result.runs),
              static_cast<unsigned long long>(kSeeds), kTasks);
}

TEST(DeterminismSweep, TwoPassesOverTheSeedsGiveTheSameRuns) {
  if (replayed_from_env()) return;
  uint64_t checksum = 0;
  const Program program = reference_workload(kTasks, &checksum);
  auto pass = [&](std::vector<RunDigest>* digests) {
    return sweep(sweep_options(kSeeds), chaos_options(), program, [&](const Outcome& out) {
      digests->push_back(RunDigest{*out.seed, out.trace_hash, checksum, out.choices.size()});
      return !out.ok();
    });
  };
  std::vector<RunDigest> first, second;
  const SweepResult r1 = pass(&first);
  const SweepResult r2 = pass(&second);
  EXPECT_TRUE(r1.failing_seeds.empty()) << "runs failed, first at seed " << r1.failing_seeds.front();
  EXPECT_TRUE(r2.failing_seeds.empty());
  ASSERT_EQ(first.size(), sweep_shard_size(kSeeds));
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    if (first[i] == second[i]) continue;
    SimulationOptions options = chaos_options();
    options.seed = first[i].seed;
    ADD_FAILURE() << "seed " << first[i].seed << ": the two passes differ; "
                  << check_determinism(options, reference_workload(kTasks));
    break;
  }
  // The seeds explore: distinct schedules, not one run repeated.
  std::vector<uint64_t> hashes;
  for (const RunDigest& d : first) hashes.push_back(d.trace_hash);
  std::sort(hashes.begin(), hashes.end());
  const size_t distinct = static_cast<size_t>(std::unique(hashes.begin(), hashes.end()) - hashes.begin());
  EXPECT_GT(distinct, first.size() * 9 / 10) << "too few distinct runs: " << distinct << " of " << first.size();
  std::printf("shard %llu of %llu: two passes over %zu seeds (%d tasks) agree; %zu distinct runs\n",
              static_cast<unsigned long long>(sweep_shard().index),
              static_cast<unsigned long long>(sweep_shard().total), first.size(), kTasks, distinct);
}

}  // namespace
}  // namespace seedloop::sim
