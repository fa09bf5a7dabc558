// Trace invariants (sim/invariants.h): each one fires on a hand-made trace
// that breaks it, stays quiet on its correct twin, and a real run keeps all.

#include "sim/invariants.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "sim/simulation.h"

namespace seedloop::sim {
namespace {

// A trace written event by event: add(t, kind, id, value, text).
struct TraceBuilder {
  Trace trace{TraceLevel::kRecord};
  TraceBuilder& add(int64_t t, TraceKind kind, uint64_t id = 0, int64_t value = 0, std::string text = "") {
    trace.add(t, kind, id, value, text);
    return *this;
  }
};

bool mentions(const std::vector<std::string>& broken, const std::string& what) {
  for (const std::string& b : broken) {
    if (b.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(SettlesOnce, AFutureFinishingTwiceIsFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kFutureDone, 3, 0).add(0, TraceKind::kFutureDone, 3, 1);
  const std::vector<std::string> broken = check_settles_once(b.trace);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0], "event 1: settles once: future 3 finished again (first at event 0)");
}

TEST(SettlesOnce, ATaskFinishingTwiceIsFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kTaskDone, 2, 0, "t").add(1, TraceKind::kTaskDone, 2, 2, "t");
  EXPECT_TRUE(mentions(check_settles_once(b.trace), "task 2 (t) finished again"));
}

TEST(SettlesOnce, ATaskSteppingAfterItFinishedIsFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kTaskStep, 2).add(0, TraceKind::kTaskDone, 2, 0, "t").add(1, TraceKind::kTaskStep, 2);
  EXPECT_TRUE(mentions(check_settles_once(b.trace), "task 2 took a step after it finished"));
}

TEST(SettlesOnce, DistinctFuturesAndTasksFinishingOnceAreFine) {
  TraceBuilder b;
  b.add(0, TraceKind::kFutureDone, 3).add(0, TraceKind::kFutureDone, 4).add(0, TraceKind::kTaskDone, 3, 0, "t");
  EXPECT_TRUE(check_settles_once(b.trace).empty());
}

TEST(CallbacksOnce, AHandleRunningTwiceIsFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kCallbackRun, 5, 0, "callback").add(0, TraceKind::kCallbackRun, 5, 0, "callback");
  EXPECT_TRUE(mentions(check_callbacks_once_in_order(b.trace), "handle 5 (callback) ran again"));
}

TEST(CallbacksFifo, PlainHandlesRunningOutOfIdOrderAreFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kCallbackRun, 6, 0, "b").add(0, TraceKind::kCallbackRun, 5, 0, "a");
  EXPECT_TRUE(mentions(check_callbacks_once_in_order(b.trace), "handle 5 (a) ran after handle 6"));
}

TEST(CallbacksFifo, TimersRunningOutOfDueOrderAreFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kTimerScheduled, 1, 10).add(0, TraceKind::kTimerScheduled, 2, 10);
  b.add(10, TraceKind::kTimerDue, 1, 10).add(10, TraceKind::kTimerDue, 2, 10);
  b.add(10, TraceKind::kCallbackRun, 2).add(10, TraceKind::kCallbackRun, 1);
  EXPECT_TRUE(mentions(check_callbacks_once_in_order(b.trace), "timer 1 ran after a timer that was due after it"));
}

TEST(CallbacksFifo, TimersInterleavedWithPlainHandlesInTheirOwnOrdersAreFine) {
  // Timer 1 is due (after plain handle 3 was queued); plain handle 4 comes
  // later; a cancelled-in-the-queue timer 2 leaves no callback_run.
  TraceBuilder b;
  b.add(0, TraceKind::kTimerScheduled, 1, 10).add(0, TraceKind::kTimerScheduled, 2, 10);
  b.add(10, TraceKind::kTimerDue, 2, 10).add(10, TraceKind::kTimerDue, 1, 10);
  b.add(10, TraceKind::kCallbackRun, 3).add(10, TraceKind::kCallbackRun, 1).add(10, TraceKind::kCallbackRun, 4);
  EXPECT_TRUE(check_callbacks_once_in_order(b.trace).empty());
}

TEST(TimersNotEarly, ATimerDueBeforeItsDeadlineIsFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kTimerScheduled, 1, 1000).add(999, TraceKind::kTimerDue, 1, 1000);
  const std::vector<std::string> broken = check_timers_not_early(b.trace, 1);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0], "event 1: timers not early: timer 1 was due at t=999 ns, before its deadline 1000 ns");
}

TEST(TimersNotEarly, OneClockResolutionEarlyIsCPythonsRule) {
  // _run_once: due when `when < now + clock_resolution`.
  TraceBuilder b;
  b.add(0, TraceKind::kTimerScheduled, 1, 1000).add(999, TraceKind::kTimerDue, 1, 1000);
  b.add(999, TraceKind::kCallbackRun, 1);
  EXPECT_TRUE(check_timers_not_early(b.trace, 2).empty());
  EXPECT_EQ(check_timers_not_early(b.trace, 1).size(), 2u);
}

TEST(TimersNotEarly, ACancelledTimerThatRunsIsFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kTimerScheduled, 1, 10).add(0, TraceKind::kTimerCancelled, 1);
  b.add(10, TraceKind::kTimerDue, 1, 10).add(10, TraceKind::kCallbackRun, 1);
  EXPECT_TRUE(mentions(check_timers_not_early(b.trace, 1), "timer 1 ran although cancelled at event 1"));
}

TEST(NoTaskDestroyedPending, TheLoopsReportIsFound) {
  TraceBuilder b;
  b.add(0, TraceKind::kExceptionHandler, 0, 0, "Task was destroyed but it is pending!");
  EXPECT_EQ(check_no_task_destroyed_pending(b.trace).size(), 1u);
}

TEST(ExceptionsRetrieved, NeverRetrievedIsFoundForTasksAndFutures) {
  TraceBuilder b;
  b.add(0, TraceKind::kExceptionHandler, 0, 0, "Task exception was never retrieved");
  b.add(0, TraceKind::kExceptionHandler, 0, 0, "Future exception was never retrieved");
  b.add(0, TraceKind::kExceptionHandler, 0, 0, "Exception in callback note()");
  EXPECT_EQ(check_exceptions_retrieved(b.trace).size(), 2u);
}

TEST(ExceptionsRetrieved, AllowedWhenTheProgramMeansIt) {
  TraceBuilder b;
  b.add(0, TraceKind::kExceptionHandler, 0, 0, "Task exception was never retrieved");
  InvariantOptions options;
  EXPECT_EQ(check_trace_invariants(b.trace, options).size(), 1u);
  options.unretrieved = InvariantOptions::Unretrieved::kAllowed;
  EXPECT_TRUE(check_trace_invariants(b.trace, options).empty());
}

TEST(RunningTask, EventsInATaskStepBelongToThatTaskUntilTheNextCallback) {
  TraceBuilder b;
  b.add(0, TraceKind::kCallbackRun, 1).add(0, TraceKind::kTaskStep, 7).add(0, TraceKind::kScenario, 0, 0, "x");
  b.add(0, TraceKind::kCallbackRun, 2).add(0, TraceKind::kScenario, 1, 0, "cb: y");
  const std::vector<std::optional<uint64_t>> running = running_task_of_events(b.trace);
  ASSERT_EQ(running.size(), 5u);
  EXPECT_EQ(running[0], std::nullopt);
  EXPECT_EQ(running[2], std::optional<uint64_t>(7));
  EXPECT_EQ(running[4], std::nullopt);
}

TEST(TraceInvariants, ARealChaosRunKeepsThemAll) {
  SimulationOptions options;
  options.mode = Mode::kChaos;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    options.seed = seed;
    Outcome out = Simulation(options).run([]() -> Coro<void> {
      auto loop = get_running_loop();
      std::vector<int> order;
      for (int i = 0; i < 3; ++i) loop->call_soon([&order, i] { order.push_back(i); });
      TimerHandle cancelled = loop->call_later(0.5, [] {});
      loop->call_later(0.5, [] {});
      cancelled.cancel();
      Coro<void> pause = sleep(1.0);
      co_await std::move(pause);
    });
    ASSERT_TRUE(out.ok()) << out.describe();
    const std::vector<std::string> broken = check_trace_invariants(out.trace);
    EXPECT_TRUE(broken.empty()) << "seed " << seed << ": " << broken.front();
  }
}

}  // namespace
}  // namespace seedloop::sim
