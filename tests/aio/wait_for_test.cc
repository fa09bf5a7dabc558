// wait_for(), shield(), wait() and as_completed(): CPython 3.11's helpers.
// Comments quote what python3 printed for the same program.

#include "loop/aio/wait_for.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/gather.h"
#include "loop/aio/shield.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;

class WaitForTest : public LoopTest {};

Coro<int> val(int x, double delay) {
  co_await sleep(delay);
  co_return x;
}

TEST_F(WaitForTest, ReturnsTheResultBeforeTheTimeout) {
  // Python: 1
  EXPECT_EQ(loop_->run_until_complete(wait_for(val(1, 1), 5.0)), 1);
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
}

TEST_F(WaitForTest, TimeoutCancelsTheInnerTaskAndRaisesTimeoutError) {
  // Python: ['inner cancelled', 'timeout']
  std::vector<std::string> log;
  auto logged = [](std::vector<std::string>* log) -> Coro<int> {
    try {
      co_await sleep(10);
    } catch (const CancelledError&) {
      log->push_back("inner cancelled");
      throw;
    }
    co_return 0;
  };
  auto body = [&]() -> Coro<void> {
    try {
      co_await wait_for(logged(&log), 1.0);
    } catch (const TimeoutError&) {
      log.push_back("timeout");
    }
  };
  loop_->run_until_complete(body());
  EXPECT_EQ(log, (std::vector<std::string>{"inner cancelled", "timeout"}));
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
}

TEST_F(WaitForTest, ValueReturnedDespiteTheCancelIsNotLost) {
  // Python: kept
  auto stubborn = []() -> Coro<std::string> {
    try {
      co_await sleep(10);
    } catch (const CancelledError&) {
    }
    co_return "kept";
  };
  EXPECT_EQ(loop_->run_until_complete(wait_for(stubborn(), 1.0)), "kept");
}

TEST_F(WaitForTest, ResultArrivingWithTheTimeoutInOneIterationIsReturned) {
  // Python: same moment — the result's timer and wait_for's timeout fire in
  // the same iteration; the result wins.
  auto body = [&]() -> Coro<std::string> {
    Future<std::string> f = loop_->create_future<std::string>();
    loop_->call_later(1.0, [f] { f.set_result("same moment"); });
    co_return co_await wait_for(f, 1.0);
  };
  EXPECT_EQ(loop_->run_until_complete(body()), "same moment");
}

TEST_F(WaitForTest, ResultOneIterationLateIsCancelledAsInCPython) {
  // Python: timeout2 True — a task that sets the result after its own
  // sleep(1) resumes one iteration after the timeout fired: the future was
  // already cancelled, and its set_result raises InvalidStateError.
  auto body = [&]() -> Coro<std::string> {
    Future<std::string> g = loop_->create_future<std::string>();
    auto setter = [](Future<std::string> g) -> Coro<void> {
      co_await sleep(1);
      g.set_result("task same moment");
    };
    loop_->create_task(setter(g));
    try {
      co_return co_await wait_for(g, 1.0);
    } catch (const TimeoutError&) {
      co_return g.cancelled() ? "timeout, cancelled" : "timeout";
    }
  };
  EXPECT_EQ(loop_->run_until_complete(body()), "timeout, cancelled");
  run_one_iteration();
  run_one_iteration();
  // Python then logs: Task exception was never retrieved ... InvalidStateError
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message, "Task exception was never retrieved");
  EXPECT_EQ(reports_[0].exception, "InvalidStateError: invalid state");
}

TEST_F(WaitForTest, ZeroTimeoutReturnsADoneResult) {
  // Python: 3
  Future<int> f = loop_->create_future<int>();
  f.set_result(3);
  EXPECT_EQ(loop_->run_until_complete(wait_for(f, 0.0)), 3);
}

TEST_F(WaitForTest, ZeroTimeoutOnPendingWorkRaisesTimeoutError) {
  // Python: timeout0
  EXPECT_THROW(loop_->run_until_complete(wait_for(val(4, 1), 0.0)), TimeoutError);
}

// A cancelled gather ends with CancelledError set as its exception, not in
// the cancelled state; wait_for still raises TimeoutError (tasks.wait_for's
// `except CancelledError: raise TimeoutError()`). Python, for both
// wait_for(gather(sleep(1)), 0.05) and timeout 0: TimeoutError.
TEST_F(WaitForTest, TimeoutOnAGatherRaisesTimeoutError) {
  auto body = []() -> Coro<void> {
    std::vector<Coro<int>> children;
    children.push_back(val(1, 1));
    co_await wait_for(gather(std::move(children)), 0.05);
  };
  EXPECT_THROW(loop_->run_until_complete(body()), TimeoutError);
}

TEST_F(WaitForTest, ZeroTimeoutOnAGatherRaisesTimeoutError) {
  auto body = []() -> Coro<void> {
    std::vector<Coro<int>> children;
    children.push_back(val(1, 1));
    co_await wait_for(gather(std::move(children)), 0.0);
  };
  EXPECT_THROW(loop_->run_until_complete(body()), TimeoutError);
}

TEST_F(WaitForTest, NoTimeoutJustAwaits) {
  // Python: 5
  EXPECT_EQ(loop_->run_until_complete(wait_for(val(5, 1), std::nullopt)), 5);
}

TEST_F(WaitForTest, CancellingTheCallerCancelsTheInnerTask) {
  // Python: outer cancelled True
  Task<int> inner;
  auto outer = [&]() -> Coro<int> {
    inner = loop_->create_task(val(6, 10));
    co_return co_await wait_for(inner, 5.0);
  };
  Task<int> t = loop_->create_task(outer());
  loop_->call_later(1.0, [t] { t.cancel(); });
  EXPECT_THROW(loop_->run_until_complete(t), CancelledError);
  EXPECT_TRUE(t.cancelled());
  EXPECT_TRUE(inner.cancelled());
}

TEST_F(WaitForTest, InnerExceptionPropagates) {
  // Python: ValueError x
  auto boom = []() -> Coro<int> {
    throw ValueError("x");
    co_return 0;
  };
  EXPECT_THROW(loop_->run_until_complete(wait_for(boom(), 1.0)), ValueError);
}

TEST_F(WaitForTest, ShieldKeepsTheInnerRunningWhenTheOuterIsCancelled) {
  Task<int> inner;
  Future<int> outer;
  auto body = [&]() -> Coro<void> {
    inner = loop_->create_task(val(7, 2));
    outer = shield(inner);
    loop_->call_later(1.0, [&] { outer.cancel(); });
    try {
      co_await outer;
    } catch (const CancelledError&) {
    }
    co_await inner;
  };
  loop_->run_until_complete(body());
  EXPECT_TRUE(outer.cancelled());
  EXPECT_EQ(inner.result(), 7);
  EXPECT_DOUBLE_EQ(loop_->time(), 2.0);
}

TEST_F(WaitForTest, ShieldOfADoneFutureIsThatFuture) {
  Future<int> f = loop_->create_future<int>();
  f.set_result(1);
  set_event_loop(loop_);
  EXPECT_TRUE(shield(f) == f);
  set_event_loop(nullptr);
}

TEST_F(WaitForTest, ShieldFollowsTheInnersResult) {
  auto body = [&]() -> Coro<int> { co_return co_await shield(val(8, 1)); };
  EXPECT_EQ(loop_->run_until_complete(body()), 8);
}

TEST_F(WaitForTest, WaitFirstCompletedReturnsDoneAndPending) {
  auto body = [&]() -> Coro<WaitResult<int>> {
    std::vector<Future<int>> fs{loop_->create_task(val(1, 1)), loop_->create_task(val(2, 2))};
    co_return co_await wait(fs, {.return_when = FIRST_COMPLETED});
  };
  WaitResult<int> r = loop_->run_until_complete(body());
  ASSERT_EQ(r.done.size(), 1u);
  ASSERT_EQ(r.pending.size(), 1u);
  EXPECT_EQ(r.done[0].result(), 1);
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
  for (auto& f : r.pending) f.cancel();
}

TEST_F(WaitForTest, WaitTimeoutIsNotAnError) {
  auto body = [&]() -> Coro<WaitResult<int>> {
    std::vector<Future<int>> fs{loop_->create_task(val(1, 5))};
    co_return co_await wait(fs, {.timeout = 1.0});
  };
  WaitResult<int> r = loop_->run_until_complete(body());
  EXPECT_TRUE(r.done.empty());
  EXPECT_EQ(r.pending.size(), 1u);
  EXPECT_FALSE(r.pending[0].cancelled());  // wait never cancels
  r.pending[0].cancel();
}

TEST_F(WaitForTest, WaitFirstExceptionStopsAtTheFailure) {
  auto failing = []() -> Coro<int> {
    co_await sleep(1);
    throw ValueError("f");
  };
  auto body = [&]() -> Coro<WaitResult<int>> {
    std::vector<Future<int>> fs{loop_->create_task(failing()), loop_->create_task(val(2, 3))};
    co_return co_await wait(fs, {.return_when = FIRST_EXCEPTION});
  };
  WaitResult<int> r = loop_->run_until_complete(body());
  EXPECT_EQ(r.done.size(), 1u);
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
  EXPECT_NE(r.done[0].exception(), nullptr);
  for (auto& f : r.pending) f.cancel();
}

TEST_F(WaitForTest, WaitOnNothingRaisesValueError) {
  auto body = []() -> Coro<void> { co_await wait(std::vector<Future<int>>()); };
  try {
    loop_->run_until_complete(body());
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Set of Tasks/Futures is empty.");
  }
}

TEST_F(WaitForTest, AsCompletedYieldsInCompletionOrder) {
  auto body = [&]() -> Coro<std::vector<int>> {
    std::vector<Future<int>> fs{loop_->create_task(val(3, 3)), loop_->create_task(val(1, 1)),
                                loop_->create_task(val(2, 2))};
    std::vector<int> order;
    for (Coro<int>& next : as_completed(fs)) order.push_back(co_await std::move(next));
    co_return order;
  };
  EXPECT_EQ(loop_->run_until_complete(body()), (std::vector<int>{1, 2, 3}));
}

TEST_F(WaitForTest, AsCompletedTimeoutRaisesForTheRestWithoutCancelling) {
  Task<int> slow;
  auto body = [&]() -> Coro<std::vector<std::string>> {
    slow = loop_->create_task(val(9, 5));
    std::vector<Future<int>> fs{loop_->create_task(val(1, 1)), slow};
    std::vector<std::string> seen;
    for (Coro<int>& next : as_completed(fs, 2.0)) {
      try {
        seen.push_back(std::to_string(co_await std::move(next)));
      } catch (const TimeoutError&) {
        seen.push_back("timeout");
      }
    }
    co_return seen;
  };
  EXPECT_EQ(loop_->run_until_complete(body()), (std::vector<std::string>{"1", "timeout"}));
  EXPECT_FALSE(slow.cancelled());
  EXPECT_EQ(loop_->run_until_complete(slow), 9);
}

}  // namespace
}  // namespace seedloop
