// Exploring a scenario: judging one seed, sweeping many on worker threads,
// shrinking a failing tape (what `seedloop explore`, `run`, `replay` and
// `shrink` do; tools/cli/).
//
//   scenarios::Verdict v = scenarios::judge(scenario, options, /*check_determinism=*/true);
//   if (v.failed()) for (auto& f : v.failures) std::puts(f.c_str());
//
//   scenarios::SweepSpec spec{.first_seed = 1, .count = 2000, .jobs = 2, .mode = sim::Mode::kChaos};
//   scenarios::SweepReport r = scenarios::sweep(scenario, spec, on_progress);
//
// A seed fails when an expectation or invariant does not hold
// (check_expectations), when the harness had to stop the run, or when its
// second run differed from the first (determinism self-check). Bad input
// found by a run is reported apart (Verdict::input_error): it is the file's
// fault, not the schedule's.
//
// Threads: sweep() runs seeds on `jobs` threads, each its own Simulation;
// results do not depend on `jobs` (each seed's run is a pure function of the
// scenario and the seed). on_progress is called from the calling thread.

#ifndef SEEDLOOP_SCENARIOS_EXPLORE_H_
#define SEEDLOOP_SCENARIOS_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scenarios/interpreter.h"
#include "scenarios/scenario.h"
#include "sim/tape.h"

namespace seedloop::scenarios {

struct Verdict {
  uint64_t seed = 0;
  std::string outcome;
  std::vector<std::string> failures;  // empty: the seed passed
  absl::Status input_error;
  std::vector<sim::Choice> choices;   // the run's tape
  uint64_t trace_hash = 0;
  bool failed() const { return !failures.empty(); }
};

// Runs the scenario once (twice with check_determinism) and judges it.
Verdict judge(const Scenario& scenario, const RunOptions& options, bool check_determinism,
              bool strict_outcome = false);

struct SweepSpec {
  uint64_t first_seed = 1;
  uint64_t count = 100;
  uint64_t shard_index = 0;  // visits seed index i when i % shard_total == shard_index
  uint64_t shard_total = 1;
  int jobs = 1;
  sim::Mode mode = sim::Mode::kFaithful;
  // Strategy: uniform random choices (0), or PCT with this depth; the
  // horizon is the length of the scenario's default run (every choice 0).
  uint32_t pct_depth = 0;
  bool check_determinism = true;
  bool strict_outcome = false;
  size_t max_failures_kept = 20;  // failing verdicts kept (all are counted)
};

struct SweepReport {
  // Internal when the process gained real threads during the sweep.
  absl::Status status;
  uint64_t runs = 0;
  uint64_t failures = 0;
  std::vector<Verdict> failing;  // the first max_failures_kept, by seed
  absl::Status input_error;      // the first bad-input error, if any
};

// done, total: seeds judged so far and in all, for a progress display.
using Progress = std::function<void(uint64_t done, uint64_t total, uint64_t failures)>;

SweepReport sweep(const Scenario& scenario, const SweepSpec& spec, const Progress& progress);

// The number of choices of the scenario's default run in `mode` (every
// choice 0): the horizon PCT draws its deviation points from.
uint64_t default_run_choices(const Scenario& scenario, sim::Mode mode);

struct Shrunk {
  std::vector<sim::Choice> tape;  // strictly replayable, normalized
  size_t before = 0;              // choices in the failing tape
  size_t after = 0;               // choices that matter (without trailing zeros)
  int runs = 0;
  Verdict verdict;                // the shrunk tape's run
};

// Shrinks the tape of a failing run (options: seed or replay). Error when
// the run does not fail, or when the shrunk tape does not fail again.
absl::StatusOr<Shrunk> shrink(const Scenario& scenario, const RunOptions& failing, int max_runs = 2000);

}  // namespace seedloop::scenarios

#endif  // SEEDLOOP_SCENARIOS_EXPLORE_H_
