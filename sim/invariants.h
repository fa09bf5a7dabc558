// Trace invariants: what every run of every program must show in its loop
// trace (sim/trace.h), whatever the program and the schedule. They are read
// from the recorded events alone, so they hold for faithful and chaos runs,
// for generated programs, scenarios and hand-written C++ alike.
//
//   sim::Outcome out = sim::Simulation(options).run(program);   // TraceLevel::kRecord
//   std::vector<std::string> broken = sim::check_trace_invariants(out.trace);
//   for (const std::string& b : broken) std::puts(b.c_str());  // "event 41: ..."
//
// The invariants (each also a function of its own, so a test can show it
// fires):
//   - settles once: a future (future_done) and a task (task_done) finish at
//     most once, and a task takes no step after it finished;
//   - callbacks once, FIFO: a handle runs at most once (callback_run); the
//     ready queue is FIFO: handles that are not timers get their ids when
//     they enter the ready queue (call_soon, and threadsafe arrivals on the
//     loop's thread: loop/event_loop_schedule.cc), so they must run in
//     increasing id order; timers enter it when due, so they run in the
//     order of their timer_due events;
//   - timers not early: a timer is due, and runs, no earlier than its
//     deadline less one clock resolution (CPython's _run_once takes
//     `when < now + clock_resolution` as due), and a timer cancelled while
//     scheduled (timer_cancelled) never runs;
//   - no task destroyed pending: no exception_handler event "Task was
//     destroyed but it is pending!";
//   - exceptions retrieved: no exception_handler event "... exception was
//     never retrieved", unless the program leaves some unretrieved on
//     purpose (Unretrieved::kAllowed).
//
// What the trace cannot show, and so is not checked here: a Handle.cancel()
// of a timer already moved to the ready queue writes no event (only a timer
// still in the heap writes timer_cancelled), and call_soon writes none
// either, so the interleaving of timers with plain callbacks in the ready
// queue is not known; those need the program's own events (a cancelled
// handle's callback that logs).
//
// Every message starts with "event I: " (the trace index) and names the
// invariant. The trace must be recorded (TraceLevel::kRecord).
//
// Threads: pure functions of their arguments.

#ifndef SEEDLOOP_SIM_INVARIANTS_H_
#define SEEDLOOP_SIM_INVARIANTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace seedloop::sim {

struct InvariantOptions {
  // Whether "exception was never retrieved" is a finding.
  enum class Unretrieved { kForbidden, kAllowed };
  Unretrieved unretrieved = Unretrieved::kForbidden;
  // The loop clock's resolution (the simulated clock's is 1 ns).
  int64_t clock_resolution_ns = 1;
};

std::vector<std::string> check_settles_once(const Trace& trace);
std::vector<std::string> check_callbacks_once_in_order(const Trace& trace);
std::vector<std::string> check_timers_not_early(const Trace& trace, int64_t clock_resolution_ns);
std::vector<std::string> check_no_task_destroyed_pending(const Trace& trace);
std::vector<std::string> check_exceptions_retrieved(const Trace& trace);

// All of the above.
std::vector<std::string> check_trace_invariants(const Trace& trace, const InvariantOptions& options = {});

// For each event of the trace, the number of the task whose step is running
// when it happens (a task_step starts one; the next callback_run, or the
// end of the trace, ends it), or nullopt outside any task step. Program
// annotations (scenario events) and cancel requests are attributed this way.
std::vector<std::optional<uint64_t>> running_task_of_events(const Trace& trace);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_INVARIANTS_H_
