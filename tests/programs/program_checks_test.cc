// The program checks (program_checks.h) fire on hand-made traces that
// break them and stay quiet on their correct twins.

#include "tests/programs/program_checks.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/trace.h"

namespace seedloop::programs {
namespace {

using sim::TraceKind;

// A trace of task steps and scenario events: step(N) starts a step of task
// N (a callback_run then a task_step), say(text) writes a scenario event.
struct TraceBuilder {
  sim::Trace trace{sim::TraceLevel::kRecord};
  uint64_t handles = 0;
  TraceBuilder& step(uint64_t task) {
    trace.add(0, TraceKind::kCallbackRun, ++handles, 0, "Task.__step");
    trace.add(0, TraceKind::kTaskStep, task, 0, "");
    return *this;
  }
  TraceBuilder& callback() {
    trace.add(0, TraceKind::kCallbackRun, ++handles, 0, "callback");
    return *this;
  }
  TraceBuilder& say(const std::string& text) {
    trace.add(0, TraceKind::kScenario, 0, 0, text);
    return *this;
  }
  TraceBuilder& cancel(uint64_t task, const std::string& name) {
    trace.add(0, TraceKind::kTaskCancelRequest, task, 1, name);
    return *this;
  }
  TraceBuilder& done(uint64_t task, const std::string& name) {
    trace.add(0, TraceKind::kTaskDone, task, 2, name);
    return *this;
  }
};

TEST(CancelDelivery, ASuspendedTaskResumingWithoutCancelledErrorIsFound) {
  TraceBuilder b;
  b.step(2).say("t0 sleep -> null").step(3).cancel(2, "t0").step(2).say("t0 sleep -> null");
  const std::vector<std::string> broken = check_cancel_delivery(b.trace);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_NE(broken[0].find("task 2 (t0), cancelled at event 5 while suspended, resumed into \"t0 sleep -> null\""),
            std::string::npos)
      << broken[0];
}

TEST(CancelDelivery, ResumingIntoCancelledErrorIsFine) {
  TraceBuilder b;
  b.step(3).cancel(2, "t0").step(2).say("t0 get q0 !> CancelledError").say("t0: exit#0").done(2, "t0");
  EXPECT_TRUE(check_cancel_delivery(b.trace).empty());
}

TEST(CancelDelivery, ATaskCancellingItselfIsNotSuspended) {
  TraceBuilder b;
  b.step(2).cancel(2, "t0").say("t0 cancel t0 -> true").say("t0: s1");
  EXPECT_TRUE(check_cancel_delivery(b.trace).empty());
}

TEST(CancelDelivery, StepsThatPassTheCancelOnAreExempt) {
  // wait_for returning a result that is already there (bpo-37658).
  TraceBuilder b;
  b.callback().cancel(2, "t0").step(2).say("t0 wait_for -> \"x\"");
  EXPECT_TRUE(check_cancel_delivery(b.trace).empty());
}

TEST(CancelDelivery, ATaskCancelledBeforeItStartedNeverResumes) {
  TraceBuilder b;
  b.step(1).cancel(2, "t0").step(2).done(2, "t0").step(1).say("main: after");
  EXPECT_TRUE(check_cancel_delivery(b.trace).empty());
}

TEST(CleanupMarkers, AnEnteredTryWithoutItsFinallyIsFound) {
  TraceBuilder b;
  b.step(2).say("t0: enter#0").say("t0: enter#1").step(2).say("t0: exit#1");
  const std::vector<std::string> broken = check_cleanup_markers(b.trace);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_NE(broken[0].find("task 2 entered try #0 and never ran its finally"), std::string::npos) << broken[0];
}

TEST(CleanupMarkers, InstancesOfOneWorkerInTwoTasksAreCountedApart) {
  TraceBuilder b;
  b.step(2).say("w0: enter#0").step(3).say("w0: enter#0").step(3).say("w0: exit#0");
  EXPECT_EQ(check_cleanup_markers(b.trace).size(), 1u);
  b.step(2).say("w0: exit#0");
  EXPECT_TRUE(check_cleanup_markers(b.trace).empty());
}

TEST(CancelledHandles, ACallbackRunningAfterItsHandleWasCancelledIsFound) {
  TraceBuilder b;
  b.step(2).say("t0 call_later h0 -> null").say("t0 cancel_handle h0 -> null").callback().say("note: [\"h0\"]");
  const std::vector<std::string> broken = check_cancelled_handles(b.trace);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_NE(broken[0].find("h0 ran after cancel_handle"), std::string::npos) << broken[0];
}

TEST(CancelledHandles, ACallbackThatRanBeforeTheCancelIsFine) {
  TraceBuilder b;
  b.callback().say("note: [\"h0\"]").step(2).say("t0 cancel_handle h0 -> null").callback().say("note: [\"h1\"]");
  EXPECT_TRUE(check_cancelled_handles(b.trace).empty());
}

}  // namespace
}  // namespace seedloop::programs
