// The loop's scheduling and run/stop/close contract (asyncio-semantics
// items 1-18). Expected orders were taken from python3 (CPython 3.11.7)
// running the same program; each test says what Python prints.

#include "loop/event_loop.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

class EventLoopTest : public LoopTest {};

TEST_F(EventLoopTest, CallSoonRunsCallbacksInFifoOrder) {
  Trace trace;
  for (int i = 0; i < 5; ++i) loop_->call_soon([&trace, i] { trace.push_back(std::to_string(i)); });
  run_one_iteration();
  EXPECT_EQ(trace, (Trace{"0", "1", "2", "3", "4"}));
}

TEST_F(EventLoopTest, CallbackScheduledDuringIterationRunsInNextIteration) {
  Trace trace;
  loop_->call_soon([&] {
    trace.push_back("a");
    loop_->call_soon([&] { trace.push_back("c"); });
  });
  loop_->call_soon([&] { trace.push_back("b"); });
  run_one_iteration();
  EXPECT_EQ(trace, (Trace{"a", "b"}));
  run_one_iteration();
  EXPECT_EQ(trace, (Trace{"a", "b", "c"}));
}

TEST_F(EventLoopTest, StopBeforeRunForeverRunsOneIterationAndReturns) {
  // Python: loop.stop(); loop.run_forever() runs the queued callback once,
  // not the one it schedules, and returns.
  int runs = 0;
  loop_->call_soon([&] {
    ++runs;
    loop_->call_soon([&] { ++runs; });
  });
  loop_->stop();
  loop_->run_forever();
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(loop_->is_running());
}

TEST_F(EventLoopTest, StopBeforeRunForeverDoesNotWaitForTimers) {
  bool fired = false;
  loop_->call_later(5.0, [&] { fired = true; });
  loop_->stop();
  loop_->run_forever();
  EXPECT_FALSE(fired);
  EXPECT_EQ(loop_->time(), 0.0);  // a zero-timeout poll: no time passed
}

TEST_F(EventLoopTest, StopInsideBatchRunsRestOfBatch) {
  // Python prints: a, stop, b — then c only on the next run.
  Trace trace;
  loop_->call_soon([&] { trace.push_back("a"); });
  loop_->call_soon([&] {
    trace.push_back("stop");
    loop_->stop();
    loop_->call_soon([&] { trace.push_back("c"); });
  });
  loop_->call_soon([&] { trace.push_back("b"); });
  loop_->run_forever();
  EXPECT_EQ(trace, (Trace{"a", "stop", "b"}));
  loop_->stop();
  loop_->run_forever();
  EXPECT_EQ(trace, (Trace{"a", "stop", "b", "c"}));
}

TEST_F(EventLoopTest, StopInsideBatchStillRunsTimersThatBecameDue) {
  Trace trace;
  loop_->call_at(1.0, [&] {
    trace.push_back("t1");
    loop_->stop();
  });
  loop_->call_at(1.0, [&] { trace.push_back("t2"); });
  loop_->run_forever();
  EXPECT_EQ(trace, (Trace{"t1", "t2"}));
}

TEST_F(EventLoopTest, RepeatedStopIsIdempotent) {
  int runs = 0;
  loop_->call_soon([&] { ++runs; });
  loop_->stop();
  loop_->stop();
  loop_->run_forever();
  EXPECT_EQ(runs, 1);
  // The stop flag was consumed: the next run needs its own stop.
  loop_->call_later(1.0, [&] { loop_->stop(); });
  loop_->run_forever();
  EXPECT_EQ(loop_->time(), 1.0);
}

TEST_F(EventLoopTest, IsRunningIsTrueOnlyInsideRunForever) {
  bool inside = false;
  loop_->call_soon([&] { inside = loop_->is_running(); });
  EXPECT_FALSE(loop_->is_running());
  run_one_iteration();
  EXPECT_TRUE(inside);
  EXPECT_FALSE(loop_->is_running());
}

TEST_F(EventLoopTest, RunForeverWhileRunningRaises) {
  std::string error;
  loop_->call_soon([&] {
    try {
      loop_->run_forever();
    } catch (const RuntimeError& e) {
      error = e.what();
    }
  });
  run_one_iteration();
  EXPECT_EQ(error, "This event loop is already running");
}

TEST_F(EventLoopTest, RunningSecondLoopInSameThreadRaises) {
  auto other = EventLoop::create(sim::new_virtual_backend());
  std::string error;
  loop_->call_soon([&] {
    try {
      other->run_forever();
    } catch (const RuntimeError& e) {
      error = e.what();
    }
  });
  run_one_iteration();
  EXPECT_EQ(error, "Cannot run the event loop while another loop is running");
  other->close();
}

TEST_F(EventLoopTest, CloseRunningLoopRaises) {
  std::string error;
  loop_->call_soon([&] {
    try {
      loop_->close();
    } catch (const RuntimeError& e) {
      error = e.what();
    }
  });
  run_one_iteration();
  EXPECT_EQ(error, "Cannot close a running event loop");
  EXPECT_FALSE(loop_->is_closed());
}

TEST_F(EventLoopTest, SchedulingOnClosedLoopRaises) {
  loop_->close();
  EXPECT_TRUE(loop_->is_closed());
  auto expect_closed = [](auto&& fn) {
    try {
      fn();
      ADD_FAILURE() << "no exception";
    } catch (const RuntimeError& e) {
      EXPECT_STREQ(e.what(), "Event loop is closed");
    }
  };
  expect_closed([&] { loop_->call_soon([] {}); });
  expect_closed([&] { loop_->call_later(1.0, [] {}); });
  expect_closed([&] { loop_->call_at(1.0, [] {}); });
  expect_closed([&] { loop_->call_soon_threadsafe([] {}); });
  expect_closed([&] { loop_->run_forever(); });
  expect_closed([&] { loop_->run_in_executor(nullptr, [] { return 1; }); });
  expect_closed([&] { loop_->run_until_complete(loop_->create_future<int>()); });
}

TEST_F(EventLoopTest, CloseDropsQueuedCallbacksWithoutRunningThem) {
  int runs = 0;
  loop_->call_soon([&] { ++runs; });
  loop_->call_later(1.0, [&] { ++runs; });
  loop_->close();
  EXPECT_EQ(runs, 0);
}

TEST_F(EventLoopTest, CloseReleasesWhatCallbacksCaptured) {
  auto token = std::make_shared<int>(7);
  std::weak_ptr<int> watch = token;
  loop_->call_soon([token] {});
  loop_->call_later(1.0, [token] {});
  token.reset();
  EXPECT_FALSE(watch.expired());
  loop_->close();
  EXPECT_TRUE(watch.expired());
}

TEST_F(EventLoopTest, CloseReleasesCallbacksOfFuturesThatCanNeverComplete) {
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  Future<int> never = loop_->create_future<int>();
  never.add_done_callback([token](const Future<int>&) {});
  token.reset();
  loop_->close();
  EXPECT_TRUE(watch.expired());
  EXPECT_THROW(never.set_result(1), RuntimeError);  // "Event loop is closed", as before
}

TEST_F(EventLoopTest, CloseTwiceIsANoOp) {
  loop_->close();
  EXPECT_NO_THROW(loop_->close());
  EXPECT_TRUE(loop_->is_closed());
}

TEST_F(EventLoopTest, CreateFutureStillWorksAfterClose) {
  loop_->close();
  Future<int> f = loop_->create_future<int>();
  f.set_result(3);  // no callbacks to schedule, so this succeeds (item 18)
  EXPECT_EQ(f.result(), 3);
}

TEST_F(EventLoopTest, SetResultOnClosedLoopWithCallbackRaises) {
  Future<int> f = loop_->create_future<int>();
  f.add_done_callback([](const Future<int>&) {});
  loop_->close();
  try {
    f.set_result(1);
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Event loop is closed");
  }
}


TEST_F(EventLoopTest, CancelledHandleDoesNotRun) {
  bool ran = false;
  Handle h = loop_->call_soon([&] { ran = true; });
  h.cancel();
  h.cancel();  // idempotent
  run_one_iteration();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(h.cancelled());
}

TEST_F(EventLoopTest, CancelAfterRunOnlySetsTheFlag) {
  int runs = 0;
  Handle h = loop_->call_soon([&] { ++runs; });
  run_one_iteration();
  h.cancel();
  EXPECT_TRUE(h.cancelled());
  EXPECT_EQ(runs, 1);
}

TEST_F(EventLoopTest, CallbackMayCancelItsOwnHandleWhileRunning) {
  Handle self;
  int runs = 0;
  self = loop_->call_soon([&] {
    ++runs;
    self.cancel();
  });
  run_one_iteration();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(self.cancelled());
}

TEST_F(EventLoopTest, TimeAdvancesOnlyWhileWaitingForTimers) {
  std::vector<double> seen;
  loop_->call_later(2.0, [&] { seen.push_back(loop_->time()); });
  loop_->call_soon([&] { seen.push_back(loop_->time()); });
  run_until(3.0);
  EXPECT_EQ(seen, (std::vector<double>{0.0, 2.0}));
  EXPECT_EQ(loop_->time(), 3.0);
}

TEST_F(EventLoopTest, ExceptionInCallbackIsReportedAndLoopContinues) {
  bool after = false;
  loop_->call_soon([] { throw ValueError("boom"); });
  loop_->call_soon([&] { after = true; });
  run_one_iteration();
  EXPECT_TRUE(after);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message.rfind("Exception in callback ", 0), 0u) << reports_[0].message;
  EXPECT_EQ(reports_[0].exception, "ValueError: boom");
  EXPECT_TRUE(reports_[0].has_handle);
}

TEST_F(EventLoopTest, SystemExitInCallbackLeavesRunForeverAndKeepsRestOfBatch) {
  Trace trace;
  loop_->call_soon([] { throw SystemExit("bye"); });
  loop_->call_soon([&] { trace.push_back("rest"); });
  EXPECT_THROW(loop_->run_forever(), SystemExit);
  EXPECT_FALSE(loop_->is_running());
  EXPECT_TRUE(trace.empty());
  run_one_iteration();
  EXPECT_EQ(trace, (Trace{"rest"}));
}

TEST_F(EventLoopTest, CallSoonThreadsafeFromAnotherThreadWakesTheLoop) {
  auto loop = EventLoop::create(sim::new_virtual_backend({.real_threads_may_post = true}));
  std::string got;
  std::thread other([&] { loop->call_soon_threadsafe([&] {
                            got = "from thread";
                            loop->stop();
                          }); });
  loop->run_forever();  // blocks in poll until the post arrives
  other.join();
  EXPECT_EQ(got, "from thread");
  loop->close();
}

TEST_F(EventLoopTest, CallSoonThreadsafeOnOwnThreadIsOrderedWithCallSoon) {
  Trace trace;
  loop_->call_soon([&] {
    loop_->call_soon_threadsafe([&] { trace.push_back("threadsafe"); });
    loop_->call_soon([&] { trace.push_back("soon"); });
  });
  run_one_iteration();
  run_one_iteration();
  EXPECT_EQ(trace, (Trace{"threadsafe", "soon"}));
}

TEST_F(EventLoopTest, DebugModeRejectsCallSoonFromAnotherThreadWhileRunning) {
  loop_->set_debug(true);
  EXPECT_TRUE(loop_->get_debug());
  std::string error;
  loop_->call_soon([&] {
    std::thread other([&] {
      try {
        loop_->call_soon([] {});
      } catch (const RuntimeError& e) {
        error = e.what();
      }
    });
    other.join();
  });
  run_one_iteration();
  EXPECT_EQ(error, "Non-thread-safe operation invoked on an event loop other than the current one");
}

TEST_F(EventLoopTest, SlowCallbackIsReportedInDebugMode) {
  loop_->set_debug(true);
  EXPECT_DOUBLE_EQ(loop_->slow_callback_duration(), 0.1);
  loop_->call_soon([this] { clock_->advance(250'000'000); });  // the callback "takes" 0.25 s
  loop_->call_soon([] {});
  run_one_iteration();
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message, "Executing <Handle callback> took 0.250 seconds");
}

TEST_F(EventLoopTest, SlowCallbacksAreNotTimedOutsideDebugMode) {
  loop_->call_soon([this] { clock_->advance(250'000'000); });
  run_one_iteration();
  EXPECT_TRUE(reports_.empty());
}

TEST_F(EventLoopTest, ReadyQueueLimitRaisesAClearError) {
  auto loop = EventLoop::create(sim::new_virtual_backend(), EventLoop::Options{.max_ready = 3});
  for (int i = 0; i < 3; ++i) loop->call_soon([] {});
  try {
    loop->call_soon([] {});
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), "ready queue is full (3 callbacks; EventLoop::Options::max_ready)");
  }
  loop->close();
}

}  // namespace
}  // namespace seedloop
