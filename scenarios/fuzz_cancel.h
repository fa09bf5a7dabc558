// Cancellation fuzzing of a scenario: every suspension point cancelled.
//
//   scenarios::FuzzCancelReport r = scenarios::fuzz_cancel(scenario, options, spec);
//   for (auto& f : r.failures) ...;          // runs whose invariants broke
//   r.reached.size(), r.seen.size();          // coverage of the points
//
// Systematic (spec.random_runs == 0): one run counts the suspension points
// (interpreter.h, CancelInjection), then one run per point k cancels the
// task at point k. Random (random_runs = N): N runs from seeds
// options.seed + i, each cancelling at every point with probability
// 1/spec.one_in, drawn from the tape (a failing run replays from its tape).
// With options.inject.action = kExpireTimeout, each injection expires the
// task's innermost timeout block instead of cancelling it.
// Every run must keep the scenario's invariants (check_invariants): no
// deadlock, no budget exhausted, final_state, never, ends_by.
//
// Coverage: `seen` holds every suspension point some run reached (as
// "FILE:LINE: FIELD" of its step), `reached` those where an injection
// happened; a point seen but never reached is listed by the command line.

#ifndef SEEDLOOP_SCENARIOS_FUZZ_CANCEL_H_
#define SEEDLOOP_SCENARIOS_FUZZ_CANCEL_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "scenarios/interpreter.h"
#include "scenarios/scenario.h"
#include "sim/tape.h"

namespace seedloop::scenarios {

struct FuzzCancelSpec {
  uint64_t random_runs = 0;      // 0: systematic
  uint32_t one_in = 8;           // random: injection probability per point
  uint64_t max_points = 10'000;  // systematic: points cancelled at most
};

struct FuzzCancelFailure {
  std::string injection;            // "point 3" or "seed 12"
  std::vector<std::string> where;   // the points cancelled in that run
  std::vector<std::string> failures;
  std::vector<sim::Choice> tape;
  uint64_t seed = 0;
};

struct FuzzCancelReport {
  uint64_t runs = 0;
  uint64_t points = 0;  // systematic: points in the first run
  std::set<std::string> seen;
  std::set<std::string> reached;
  // options.inject.action kExpireTimeout: points seen in no timeout block
  // (where an injection was due), and never reached.
  std::set<std::string> not_applicable;
  std::vector<FuzzCancelFailure> failures;
  absl::Status input_error;
};

FuzzCancelReport fuzz_cancel(const Scenario& scenario, const RunOptions& options, const FuzzCancelSpec& spec);

}  // namespace seedloop::scenarios

#endif  // SEEDLOOP_SCENARIOS_FUZZ_CANCEL_H_
