// Checks of a random program's run (program.h) beyond the loop trace's
// invariants (sim/invariants.h): those read from the scenario events the
// program writes (scenarios/README.md "The trace"), attributed to tasks by
// sim::running_task_of_events.
//
//   scenarios::RunResult r = scenarios::run_scenario(scenario, options);
//   std::vector<std::string> broken = check_run(scenario, r);   // empty: all hold
//
//   - cancel delivery: a task whose cancel() was accepted while it was
//     suspended (or not started) resumes into CancelledError: its next
//     scenario event is the step it was suspended in, reporting
//     `!> CancelledError`. Steps that wait for other tasks or coroutines
//     (await, wait_for, gather, task_group) are exempt: asyncio passes the
//     cancel on to what they wait for, which may absorb it (wait_for
//     returning a result that is already there, bpo-37658; a TaskGroup
//     turning it into the children's ExceptionGroup);
//   - cleanup: every `try` a task entered ("enter#K") ran its `finally`
//     ("exit#K") by the end of a run that completed;
//   - cancelled handles stay cancelled: after `cancel_handle hK`, the note
//     callback of hK (logging ["hK"]) does not run;
//   - the run: no deadlock, no budget, the scenario's own invariants
//     (scenarios::check_invariants: every lock free, every semaphore full
//     at the end), main returns (it catches everything);
//   - the trace invariants, with unretrieved exceptions allowed only for a
//     program tagged "unretrieved-ok"; a run the harness stopped (deadlock,
//     budget) is reported as such, without the cleanup and destroyed-pending
//     findings that follow from stopping it.
//
// Every message names the check; the event checks also the trace index.
//
// Threads: pure functions.

#ifndef SEEDLOOP_TESTS_PROGRAMS_PROGRAM_CHECKS_H_
#define SEEDLOOP_TESTS_PROGRAMS_PROGRAM_CHECKS_H_

#include <string>
#include <vector>

#include "scenarios/interpreter.h"
#include "scenarios/scenario.h"
#include "sim/trace.h"

namespace seedloop::programs {

std::vector<std::string> check_cancel_delivery(const sim::Trace& trace);
std::vector<std::string> check_cleanup_markers(const sim::Trace& trace);
std::vector<std::string> check_cancelled_handles(const sim::Trace& trace);

// All the checks of one run.
std::vector<std::string> check_run(const scenarios::Scenario& scenario, const scenarios::RunResult& result);

}  // namespace seedloop::programs

#endif  // SEEDLOOP_TESTS_PROGRAMS_PROGRAM_CHECKS_H_
