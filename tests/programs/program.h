// Program: a random async program as a small AST, and its rendering as a
// scenario document (scenarios/README.md) that cannot deadlock in asyncio.
//
//   Program p;                                  // or drawn with gen_program() (program_gen.h)
//   p.tasks.push_back({Step{Op::kSleep, 2}});
//   Rendered r = render(p);
//   r.doc.dump(2);                              // a scenario file: validates, runs anywhere
//
// The AST is deliberately loose: a step holds two small integers (a, b) and
// a body, and render() reads them in context: a delay is a * 0.5 s, a target
// task or object is chosen among those the step may use there, and a step
// that would be invalid or could deadlock where it stands is left out (or,
// for `with`, its body is kept without the lock). So every AST renders to a
// valid program, and rapidcheck may drop or change any part of it when it
// shrinks.
//
// The rendered program (the rules that make it deadlock-free in asyncio):
//   - main creates tasks t0..tN-1 (coroutine cI for tI) first, schedules the
//     callbacks that feed the queues and set the events (call_at, so no
//     task can stop them), runs its own steps inside try/catch
//     BaseException, then gathers every tI with return_exceptions: every
//     task exception is retrieved, and main returns null;
//   - task I awaits only tasks J > I (main any): task waits form no cycle;
//   - Locks and Semaphores r0..rK-1 are taken only with `with`, nested in
//     increasing order, and inside a `with` nothing waits for a task or a
//     coroutine: a holder only sleeps, gets, waits for events, or takes a
//     higher lock, all of which end;
//   - each queue gets one put (a callback) per `get` step that can run, so
//     every get ends; each event is set once by a callback;
//   - workers w0..wM-1 (coroutines run by await, wait_for, gather,
//     tg_create_task and create_task) wait for no task and make no name;
//     only coroutines run once (main, cI) make names (task groups gI, timer
//     handles hI);
//   - a `catch` of CancelledError logs and re-raises; every `try` logs
//     "enter#K" first and "exit#K" in its `finally` (the cleanup markers,
//     program_checks.h); every timer handle's callback logs its name.
//
// Threads: plain values and pure functions.

#ifndef SEEDLOOP_TESTS_PROGRAMS_PROGRAM_H_
#define SEEDLOOP_TESTS_PROGRAMS_PROGRAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace seedloop::programs {

enum class Op : uint8_t {
  kSleep,        // sleep a * 0.5 s
  kLog,          //
  kCancel,       // cancel task a % N (itself too)
  kCallSoon,     // call_soon(note, [a])
  kRaise,        // raise ValueError or RuntimeError
  kGet,          // get from queue a % Q
  kWaitEvent,    // wait for event a % E
  kTimer,        // call_later(a * 0.5, note, [hK]) as hK, sleep b * 0.5, cancel_handle hK
  kAwaitTask,    // await a task this one may wait for
  kAwaitWorker,  // await {"coro": w(a % M)}
  kWaitFor,      // wait_for a task or worker; timeout a * 0.5 s, none when a % 5 == 4
  kGather,       // gather 1 + a % 3 tasks and workers; return_exceptions when b is odd
  kCreateTask,   // create_task(w(a % M)), never awaited
  kSpawn,        // tg_create_task(innermost task group, w(a % M))
  kWith,         // block: with a lock or semaphore above those held; then, when b % 3 == 0, cancel task b / 3 % N
  kTimeout,      // block: timeout a * 0.5 s; when b is odd, timeout_at a * 0.5 s (absolute, as the feeding)
  kTry,          // block: try; catch by a % 4: Exception, CancelledError (re-raised), TimeoutError, none
  kTaskGroup,    // block: task_group
};

struct Step {
  Op op = Op::kSleep;
  uint8_t a = 0;
  uint8_t b = 0;
  std::vector<Step> body;  // block ops only
};

struct Program {
  // Each resource: 0 a Lock, 1 a Semaphore(1), 2 a Semaphore(2).
  std::vector<uint8_t> resources;
  uint8_t queues = 0;
  uint8_t events = 0;
  std::vector<std::vector<Step>> tasks;    // cI, run as task tI
  std::vector<std::vector<Step>> workers;  // wI
  std::vector<Step> main;
  // Times (* 0.5 s, absolute) of the feeding callbacks (puts and sets),
  // used in turn.
  std::vector<uint8_t> feed;
};

struct Rendered {
  nlohmann::json doc;  // the scenario document
  // Some fire-and-forget task may end in an exception nobody retrieves
  // (the program means it); the doc is tagged "unretrieved-ok" too.
  bool unretrieved_ok = false;
};

inline constexpr const char* kUnretrievedTag = "unretrieved-ok";

Rendered render(const Program& program, const std::string& name = "random_program");

// Steps in the AST (all bodies), for messages.
size_t count_steps(const Program& program);

}  // namespace seedloop::programs

#endif  // SEEDLOOP_TESTS_PROGRAMS_PROGRAM_H_
