// sim::fuzz_cancel: cancellation fuzzing of a C++ program, at every
// suspension point of every task.
//
//   sim::CancelFuzzSpec spec;
//   spec.check = [&] { return counter.in_use == 0 ? absl::OkStatus()
//                                                 : absl::InternalError("leaked"); };
//   sim::CancelFuzzReport r = sim::fuzz_cancel([&]() -> Coro<void> {
//     counter = {};                      // called once per run: fresh state
//     co_await worker(counter);
//   }, spec);
//   EXPECT_TRUE(r.failures.empty()) << sim::describe(r);
//   std::puts(sim::coverage_summary(r).c_str());  // "suspension points reached: 5 of 5"
//
// A suspension point is a task suspending at the end of a step (asyncio's
// Task.__step getting a future back, or a bare yield), named by its await
// stack: the file:line of each co_await from the task's top coroutine down
// to the innermost one that suspended, outermost first, joined by " > "
// ("tests/x_test.cc:40 > loop/aio/sleep.cc:23"; loop/coro.h, "Await sites").
//
// Systematic (random_runs == 0): a first run counts the suspension points
// (every task's, in order); then run k injects at point k, for every k.
// Random (random_runs = N): N runs from seeds options.seed + i, each
// injecting at every point with probability 1/one_in, drawn from the tape
// (World::choose_injection): a failing run replays from its tape
// (options.replay = failure.tape, random_runs = 1).
// The injection (Injection):
//   kCancel         task.cancel(): the coroutine sees CancelledError where
//                   it waits;
//   kExpireTimeout  expire_innermost_timeout(task): the innermost enclosing
//                   timeout() scope expires now, so its body sees
//                   CancelledError and the scope raises TimeoutError. A
//                   point with no enclosing scope is not applicable.
//
// Each run runs `program` as asyncio.run on a simulated loop (main task,
// then the shutdown of the remaining tasks) and fails when
//   - main raises, except the CancelledError (kCancel) or TimeoutError
//     (kExpireTimeout) of a run that injected;
//   - the simulation stops (deadlock, a budget exhausted: sim::Outcome);
//   - anything reaches the loop's exception handler (a task destroyed
//     pending, an exception never retrieved, a failing callback);
//   - spec.check, called after the run, returns an error (the program's
//     own invariants; `program` is called once per run to build fresh state).
//
// Coverage: `seen` holds every point some run reached, `reached` those
// where an injection happened; coverage_summary() prints "suspension points
// reached: R of S" and lists the others. Runs are deterministic: the same
// program and spec give the same report.
//
// Threads: the calling thread (each run is a sim::Simulation).

#ifndef SEEDLOOP_SIM_CANCEL_FUZZ_H_
#define SEEDLOOP_SIM_CANCEL_FUZZ_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/simulation.h"
#include "sim/tape.h"

namespace seedloop::sim {

enum class Injection { kCancel, kExpireTimeout };

struct CancelFuzzSpec {
  // Every run's simulation (seed: the first random run's; mode; budgets).
  SimulationOptions options;
  Injection injection = Injection::kCancel;
  uint64_t random_runs = 0;      // 0: systematic
  uint32_t one_in = 8;           // random: injection probability per point
  uint64_t max_points = 10'000;  // systematic: points injected at most
  // The program's own invariants, checked after every run (may be empty).
  std::function<absl::Status()> check;
};

struct CancelFuzzFailure {
  std::string injection;               // "point 3" or "seed 12"
  std::vector<std::string> where;      // the points injected in that run
  std::vector<std::string> failures;   // what broke, one line each
  std::vector<Choice> tape;            // replays the run
  uint64_t seed = 0;
};

struct CancelFuzzReport {
  uint64_t runs = 0;
  uint64_t points = 0;  // systematic: suspension points of the counting run
  std::set<std::string> seen;
  std::set<std::string> reached;
  // kExpireTimeout: points where an injection was due but the task was in
  // no active timeout() scope, and that no run reached.
  std::set<std::string> not_applicable;
  std::vector<CancelFuzzFailure> failures;

  bool ok() const { return failures.empty(); }
};

CancelFuzzReport fuzz_cancel(const Program& program, const CancelFuzzSpec& spec);

// "suspension points reached: R of S", then one line per point seen but
// never reached ("  not reached: P", "  not applicable (no timeout): P").
std::string coverage_summary(const CancelFuzzReport& report);

// The failures, one paragraph each (injection, points, what broke, seed).
std::string describe(const CancelFuzzReport& report);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_CANCEL_FUZZ_H_
