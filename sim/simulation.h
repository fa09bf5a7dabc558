// sim::Simulation: runs a program on a simulated EventLoop, deterministically.
//
//   sim::SimulationOptions options;
//   options.seed = 7;
//   options.mode = sim::Mode::kChaos;
//   sim::Outcome out = sim::Simulation(options).run([]() -> Coro<void> {
//     co_await sleep(1.0);
//   });
//   if (!out.ok()) std::puts(out.describe().c_str());
//   out.trace_hash;           // equal for equal (program, tape)
//   sim::to_json(out.tape()); // replays the run: options.replay = choices
//
// The loop is the production EventLoop, unchanged, on the simulated backend
// (sim/sim_backend.h): virtual time, a tape-driven thread boundary and
// executor, simulated fd readiness. Every nondeterministic decision is a
// choice on the tape (sim/tape.h); a run is a pure function of the program
// and the tape, and the tape of a fresh run comes from `seed`.
//
// run(main) is asyncio.run on the simulated loop: main runs as a task; then
// the remaining tasks are cancelled and awaited, async generators closed, the
// default executor shut down, the loop closed (loop/aio/run.h). run_setup(fn)
// calls fn(loop) and runs the loop until loop.stop() or until nothing can
// happen any more (quiescence; not an error there).
//
// Modes (DESIGN.md "Ordering is a contract"):
//   kFaithful  CPython's order wherever CPython defines one; the tape decides
//              only what asyncio leaves to the world (where a threadsafe call
//              lands, executor durations and completion order, the order of
//              fds ready in one poll).
//   kChaos     also permutes equal-deadline timers and gives each callback a
//              tape-chosen virtual cost, so timeouts race with work.
//
// Failures of the run itself (not of the program) are Outcome::status, never
// a hang or a crash: a budget exceeded (ResourceExhausted, naming the budget),
// a deadlock (FailedPrecondition: main is pending and nothing can happen), a
// tape that does not fit the program (FailedPrecondition/OutOfRange naming the
// choice index), a real thread calling into the simulation (Internal). The
// program's own exception is Outcome::exception.
//
// Threads: a Simulation runs on the calling thread and must not be used from
// two threads at once; separate Simulations may run on separate threads.

#ifndef SEEDLOOP_SIM_SIMULATION_H_
#define SEEDLOOP_SIM_SIMULATION_H_

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "loop/coro.h"
#include "loop/event_loop.h"
#include "sim/tape.h"
#include "sim/trace.h"

namespace seedloop::sim {

enum class Mode { kFaithful, kChaos };
const char* mode_name(Mode mode);

// Every run stops at its budgets. 0 means "no limit" for neither: both are
// always set.
struct Budgets {
  uint64_t max_steps = 10'000'000;                         // callbacks run
  int64_t max_virtual_ns = int64_t{7} * 24 * 3600 * 1'000'000'000;  // one virtual week
  uint64_t max_polls = 100'000'000;                        // loop iterations
};

struct SimulationOptions {
  // A fresh run draws its tape from `seed`; with `replay` set it follows the
  // recorded choices instead (seed is then only reported).
  uint64_t seed = 0;
  std::optional<std::vector<Choice>> replay;
  Tape::Replay replay_mode = Tape::Replay::kStrict;

  Mode mode = Mode::kFaithful;
  // A fresh tape's strategy: uniform choices (pct_depth 0), or PCT with
  // this many deviations over a horizon of pct_horizon choices
  // (Tape::from_seed_pct).
  uint32_t pct_depth = 0;
  uint64_t pct_horizon = 0;
  Budgets budgets;
  TraceLevel trace = TraceLevel::kRecord;
  int64_t start_ns = 0;

  // The simulated world's knobs. Each decision draws one choice in
  // [0, bound); the bound is recorded on the tape.
  uint32_t threadsafe_max_delay = 2;         // a post lands 0..N iterations later
  uint32_t executor_workers = 4;             // jobs beyond this wait for a worker
  int64_t executor_step_ns = 1'000'000;      // a job takes k * step, k in [1, steps]
  uint32_t executor_steps = 10;
  // Per-callback virtual cost k * step, k in [0, steps): on in chaos mode
  // when step > 0.
  int64_t callback_cost_step_ns = 100'000;
  uint32_t callback_cost_steps = 4;
  // Compares the process's thread count before and after the run; a real
  // thread that calls into the simulation is always detected.
  bool detect_real_threads = true;
};

struct Outcome {
  absl::Status status;           // why the harness stopped the run, or OK
  std::exception_ptr exception;  // what the program raised, if anything
  std::optional<uint64_t> seed;  // set for fresh runs
  std::vector<Choice> choices;   // the tape this run used
  Trace trace{TraceLevel::kHashOnly};
  uint64_t trace_hash = 0;
  uint64_t steps = 0;   // callbacks run
  uint64_t polls = 0;   // loop iterations
  int64_t end_ns = 0;   // virtual time at the end

  bool ok() const { return status.ok() && !exception; }
  // "ok", the status, or the exception (describe_exception), one line.
  std::string describe() const;
  // The tape as JSON (sim/tape.h), ready for options.replay.
  std::string tape_json() const;
};

using Program = std::function<Coro<void>()>;
using Setup = std::function<void(EventLoop& loop)>;

class Simulation {
 public:
  explicit Simulation(SimulationOptions options) : options_(std::move(options)) {}

  Outcome run(const Program& main) const;
  Outcome run_setup(const Setup& setup) const;
  // Calls driver(loop), which runs the loop itself (run_forever,
  // run_until_complete, stop, close: a program that drives a loop it did not
  // get from asyncio.run). A driver waiting in a run with nothing left that
  // could ever happen is a deadlock (FailedPrecondition). Closes the loop
  // afterwards unless the driver did.
  Outcome run_driver(const Setup& driver) const;

  const SimulationOptions& options() const { return options_; }

 private:
  SimulationOptions options_;
};

// The process's thread count (Linux: /proc/self/task), or -1 if unknown.
// Costs a directory listing (~7 us): sweeps count once around all their runs.
int process_thread_count();

// Runs `program` twice with `options` (trace recorded) and compares. OK when
// both traces hash equal; otherwise Internal naming the first divergent
// event of each run.
absl::Status check_determinism(const SimulationOptions& options, const Program& program);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_SIMULATION_H_
