// Exploring schedules: seed sweeps (sharded the way CI engines shard),
// shrinking a failing run's tape, and the files and commands that replay one.
//
//   sim::SweepOptions sweep;          // seeds [first_seed, first_seed + count)
//   sweep.count = 2000;
//   sim::SweepResult r = sim::sweep(sweep, base_options, program, fails);
//   if (r.first_failure) {
//     sim::ShrinkReport s = sim::shrink_failure(r.first_failure->options, program, fails);
//     std::puts(s.summary.c_str());   // "shrunk tape: 37 -> 3 choices in 112 runs"
//     sim::save_failure(...);         // tape file + one-line replay command
//   }
//
// Sharding: a sweep visits only the seeds of its shard (seed index i with
// i % total == index). shard_from_env() reads Bazel's TEST_TOTAL_SHARDS /
// TEST_SHARD_INDEX, else GoogleTest's GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX,
// else one shard. Malformed values are an error naming the variable.
//
// Replay: a test that honours SEEDLOOP_REPLAY (replay_from_env) runs the tape
// in that file instead of sweeping; save_failure prints the command that sets
// it for the failing test (bazel test <TEST_TARGET> --test_filter=<test>
// --test_env=SEEDLOOP_REPLAY=<file>).

#ifndef SEEDLOOP_SIM_EXPLORE_H_
#define SEEDLOOP_SIM_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/simulation.h"

namespace seedloop::sim {

// True when an outcome is the failure being looked for.
using FailurePredicate = std::function<bool(const Outcome&)>;

struct Shard {
  uint64_t index = 0;
  uint64_t total = 1;
};
// See the header comment. Also touches TEST_SHARD_STATUS_FILE when Bazel
// asks for it (the test then declares that it shards).
absl::StatusOr<Shard> shard_from_env();

struct SweepOptions {
  uint64_t first_seed = 1;
  uint64_t count = 1000;
  Shard shard;
  bool stop_at_first_failure = true;
  // Runs every seed a second time and compares trace hashes; a mismatch
  // makes the result's status Internal, naming the seed and the first
  // divergent event (check_determinism).
  bool check_determinism = false;
};

struct SweepFailure {
  uint64_t seed;
  SimulationOptions options;  // seed set, ready to rerun
  Outcome outcome;
};

struct SweepResult {
  // Internal when a seed ran differently twice (check_determinism), or
  // when the process gained real threads during the sweep (the per-run
  // check, SimulationOptions::detect_real_threads, is done once around the
  // whole sweep instead). The program's failures are below.
  absl::Status status;
  uint64_t runs = 0;  // seeds visited by this shard
  std::optional<SweepFailure> first_failure;
  std::vector<uint64_t> failing_seeds;
};

// Runs `program` once per seed of this shard, with `base` otherwise.
SweepResult sweep(const SweepOptions& sweep, const SimulationOptions& base, const Program& program,
                  const FailurePredicate& fails);

struct ShrinkReport {
  // The smallest failing tape found, as the run's own choices (right kinds
  // and bounds) without trailing zeros: the choices that matter. Replays
  // with Tape::Replay::kLenient (0 past its end).
  std::vector<Choice> choices;
  // The same run's full tape, one entry per choice it makes: replays
  // strictly (what save_failure should write).
  std::vector<Choice> normalized;
  size_t before = 0;  // choices in the original tape
  size_t after = 0;   // choices.size()
  int runs = 0;       // simulations run while shrinking
  Outcome outcome;    // the run of `normalized` (strict replay)
  std::string summary;  // "shrunk tape: 37 -> 3 choices in 112 runs"
};

// Shrinks the tape of the failing run `failing` (options.replay or seed).
// Candidates replay leniently (sim/tape.h); the result is checked to fail
// again when its normalized tape replays strictly. Error if `failing` does
// not fail.
absl::StatusOr<ShrinkReport> shrink_failure(const SimulationOptions& failing, const Program& program,
                                            const FailurePredicate& fails, int max_runs = 2000);

// Writes `choices` (a strictly replayable tape, e.g. Outcome::choices or
// ShrinkReport::normalized) as a tape file and returns the one-line replay
// command. The file goes to $SEEDLOOP_TAPE_DIR, else
// <temp dir>/seedloop-tapes (Bazel 4's sandbox shares the host's /tmp, so
// the file outlives the test); `name` (the test's name) names the file.
struct SavedFailure {
  std::string path;
  std::string command;
};
absl::StatusOr<SavedFailure> save_failure(const std::vector<Choice>& choices, std::optional<uint64_t> seed,
                                          const std::string& name);

// The tape named by $SEEDLOOP_REPLAY, if set. Errors name the file.
absl::StatusOr<std::optional<std::vector<Choice>>> replay_from_env();

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_EXPLORE_H_
