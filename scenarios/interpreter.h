// The scenario interpreter: runs a validated Scenario (scenario.h) on the
// production EventLoop over the simulated backend, writing one `scenario`
// trace event per observable step (scenarios/README.md "The trace").
//
//   scenarios::RunOptions options;
//   options.seed = 7;
//   options.mode = sim::Mode::kChaos;
//   scenarios::RunResult r = scenarios::run_scenario(scenario, options);
//   r.outcome;                    // "return null", "raise TimeoutError", "deadlock", ...
//   r.events;                     // the scenario events, "TIME TEXT" via line()
//   r.sim.trace.to_jsonl();       // the whole trace (loop, world and scenario events)
//   check_expectations(scenario, r, options.mode, false);  // what did not hold
//
// A run is a pure function of (scenario, options): the same options give the
// same events, outcome and trace hash. Steps that name something only a run
// can resolve (a task made in one branch, used in another) end the run with
// RunResult::input_error (InvalidArgument, "FILE:LINE: FIELD: problem") —
// bad input, not a failed property.
//
// Threads: run_scenario runs the simulation on the calling thread; separate
// calls may run on separate threads.

#ifndef SEEDLOOP_SCENARIOS_INTERPRETER_H_
#define SEEDLOOP_SCENARIOS_INTERPRETER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "scenarios/scenario.h"
#include "sim/simulation.h"
#include "sim/tape.h"

namespace seedloop::scenarios {

// Cancellation injected at suspension points: every awaiting step a task
// runs (sleep, await, wait_for, gather, acquire, get, ...; scenarios/README.md
// marks them **await**) is one point, numbered in the order the run reaches
// them. Injecting at a point calls cancel() on the task about to await
// there, as another task would; or, with Action::kExpireTimeout, expires
// the task's innermost enclosing `timeout` block (expire_innermost_timeout,
// loop/aio/timeout.h), which then raises TimeoutError as at its deadline;
// a point in no such block is not applicable (nothing injected).
struct CancelInjection {
  enum class Mode { kNone, kAt, kRandom };
  enum class Action { kCancel, kExpireTimeout };
  Mode mode = Mode::kNone;
  Action action = Action::kCancel;
  uint64_t at = 0;       // kAt: the point, 0-based
  uint32_t one_in = 8;   // kRandom: each point with probability 1/one_in, a tape choice
};

struct RunOptions {
  uint64_t seed = 0;
  sim::Mode mode = sim::Mode::kFaithful;
  // A fresh tape's strategy: uniform (0) or PCT with this many deviations
  // over pct_horizon choices (sim::Tape::from_seed_pct).
  uint32_t pct_depth = 0;
  uint64_t pct_horizon = 0;
  // Replays these choices instead of drawing from `seed`.
  std::optional<std::vector<sim::Choice>> replay;
  sim::Tape::Replay replay_mode = sim::Tape::Replay::kStrict;
  // The canonical world of `seedloop conform` and the oracle: every choice
  // of the tape is its first value (a lenient replay of an empty tape), so
  // each executor job takes one executor_step and threadsafe calls land at
  // once. Overrides seed and replay.
  bool canonical_world = false;
  sim::TraceLevel trace = sim::TraceLevel::kRecord;
  // Off when several runs share the process at once (explore --jobs): a
  // thread count taken around one run would see the others' threads.
  bool detect_real_threads = true;
  // Silences asyncio's default exception handler (which logs to stderr)
  // while no scenario handler is set: explore and conform run thousands of
  // seeds. Handlers the scenario sets are unaffected.
  bool quiet = false;
  CancelInjection inject;
};

struct ScenarioEvent {
  int64_t t_ns = 0;
  std::string text;
  // "TIME TEXT", as in expect.trace.
  std::string line() const;
};

struct RunResult {
  sim::Outcome sim;            // the harness's view: status, tape, trace, counts
  absl::Status input_error;    // bad input found by the run (exit code 2)
  std::string outcome;         // README "outcome"
  std::vector<ScenarioEvent> events;
  // Object name -> State (README "State") at the end, for every object the
  // scenario's final_state invariant names.
  nlohmann::json final_state = nlohmann::json::object();
  // With inject.mode != kNone: each suspension point reached, in order, as
  // "FILE:LINE: FIELD" of its step, and those where a cancel was injected.
  std::vector<std::string> points;
  std::vector<std::string> injected;
  // Action::kExpireTimeout: points where an injection was due but the task
  // was in no active timeout block.
  std::vector<std::string> not_applicable;
};

// The simulation options a run of `scenario` uses (budgets and world knobs
// from the file, seed/mode/replay from `options`).
sim::SimulationOptions simulation_options(const Scenario& scenario, const RunOptions& options);

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// README "Expectations": one message per expectation that does not hold;
// empty when all hold. trace/fragments/outcome are checked in faithful mode
// (outcome also in chaos mode when strict_outcome); invariants in every mode.
// The invariants alone (README "Expectations"), and the harness's verdict:
// what must hold on every schedule and under every injected cancellation.
std::vector<std::string> check_invariants(const Scenario& scenario, const RunResult& result);

std::vector<std::string> check_expectations(const Scenario& scenario, const RunResult& result, sim::Mode mode,
                                            bool strict_outcome);

}  // namespace seedloop::scenarios

#endif  // SEEDLOOP_SCENARIOS_INTERPRETER_H_
