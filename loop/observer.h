// LoopObserver: an optional window into one EventLoop, and the one decision
// the loop leaves to its owner.
//
// The simulator (sim/) attaches one to record a trace of everything the loop
// does and to permute what asyncio leaves unordered; a production program may
// attach one to count or log. The loop has none by default, and then every
// hook below costs one pointer test.
//
//   loop->set_observer(&observer);   // loop thread, not while running
//
// on_event() receives each event synchronously, on the loop's thread, before
// the event's effect where there is one (kCallbackRun comes before the
// callback runs). An observer must not call back into the loop from
// on_event() except to read time_ns(); it may throw, and the exception then
// leaves run_forever() as KeyboardInterrupt would (the simulator's budgets use
// this). Ids are per loop and count up from 1 in creation order, so they are
// the same in every run of a deterministic program.
//
// pick() is asked, for a set of n >= 2 items asyncio leaves unordered, which
// one goes next; the default (0) keeps the loop's order: CPython's heapq
// order for due timers sharing a deadline, creation order where CPython
// iterates a set (see UnorderedSet and DESIGN.md "Ordering is a contract").

#ifndef SEEDLOOP_LOOP_OBSERVER_H_
#define SEEDLOOP_LOOP_OBSERVER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace seedloop {

class TaskBase;

enum class LoopEventKind : uint8_t {
  kCallbackRun,        // id: handle id; text: the callback's label
  kTimerScheduled,     // id: handle id; value: deadline (ns)
  kTimerDue,           // id: handle id; value: deadline (ns); moved to the ready queue
  kTimerCancelled,     // id: handle id
  kTaskCreated,        // id: task number; text: task name
  kTaskStep,           // id: task number
  kTaskCancelRequest,  // id: task number; value: 1 if cancel() returned true; text: task name
  kFutureDone,         // id: future id; value: FutureOutcome (a plain future, not a task)
  kPoll,               // value: timeout in ns, -1 for "block"; id: events returned
  kThreadsafeArrival,  // value: items drained from the thread boundary
  kStop,               //
  kClose,              //
  kExceptionHandler,   // text: the context's message
  kTaskDone,           // id: task number; value: FutureOutcome; text: task name
  kAnnotation,         // id, value, text: the program's own (emit()ed by a program that
                       // describes itself, e.g. the scenario interpreter's steps)
};

// How a future finished (kFutureDone's value).
enum class FutureOutcome : int64_t { kResult = 0, kException = 1, kCancelled = 2 };

struct LoopEvent {
  LoopEventKind kind;
  uint64_t id = 0;
  int64_t value = 0;
  // Valid during on_event() only.
  std::string_view text;
};

// Sets of items whose order asyncio leaves free, for pick().
enum class UnorderedSet : uint8_t {
  kEqualDeadlineTimers,  // due timers of one iteration sharing a deadline
  kTaskGroupAbort,       // TaskGroup cancelling its children (CPython: set order)
  kRunShutdownCancel,    // asyncio.run cancelling the remaining tasks (set order)
  kAsyncgenShutdown,     // shutdown_asyncgens closing generators (set order)
};

class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  virtual void on_event(const LoopEvent& event) = 0;
  // Which of `n` (>= 2) candidates, listed in CPython's order, goes next.
  // Must return a value < n.
  virtual size_t pick(UnorderedSet set, size_t n) {
    (void)set;
    (void)n;
    return 0;
  }
  // `task` has just suspended, at the end of its step (where asyncio's
  // Task.__step gets a future back from the coroutine, or a bare yield):
  // task.await_stack() names the co_awaits it waits in. The one exception
  // to "no calls into the loop": this hook may inject a fault into `task`,
  // task.cancel() or expire_innermost_timeout(task) (loop/aio/timeout.h),
  // as the cancellation fuzzer does (sim/cancel_fuzz.h); the task then sees
  // CancelledError at its next resumption, as if another callback had
  // cancelled it. Not an event (traces do not record it).
  virtual void on_task_suspended(TaskBase& task) { (void)task; }
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_OBSERVER_H_
