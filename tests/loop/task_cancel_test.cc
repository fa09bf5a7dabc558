// Task.cancel / cancelling / uncancel (asyncio-semantics items 32-34).
// Comments quote what python3 (CPython 3.11.7) printed for the same program.

#include "loop/task.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

class TaskCancelTest : public LoopTest {};

Coro<int> answer() { co_return 42; }


TEST_F(TaskCancelTest, CancelBeforeStartNeverRunsTheBody) {
  // Python: t3 ('early',) [] ; then result() raises CancelledError().
  bool ran = false;
  auto body = [&]() -> Coro<void> {
    ran = true;
    co_return;
  };
  Task<void> t = loop_->create_task(body());
  EXPECT_TRUE(t.cancel("early"));
  try {
    loop_->run_until_complete(t);
    FAIL() << "no exception";
  } catch (const CancelledError& e) {
    EXPECT_STREQ(e.what(), "early");
  }
  EXPECT_FALSE(ran);
  EXPECT_TRUE(t.cancelled());
  try {
    t.result();
  } catch (const CancelledError& e) {
    EXPECT_STREQ(e.what(), "");  // the message is handed out once
  }
}

TEST_F(TaskCancelTest, CancelThrowsCancelledErrorIntoTheAwaitingCoroutine) {
  // Python: caught ('first',) / outer ('first',) 2
  std::string caught;
  auto body = [&]() -> Coro<void> {
    try {
      co_await sleep(10);
    } catch (const CancelledError& e) {
      caught = e.what();
      throw;
    }
  };
  Task<void> t = loop_->create_task(body());
  loop_->call_soon([t] {
    t.cancel("first");
    t.cancel("second");
  });
  try {
    loop_->run_until_complete(t);
    FAIL() << "no exception";
  } catch (const CancelledError& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_EQ(caught, "first");
  EXPECT_EQ(t.cancelling(), 2);
  EXPECT_LT(loop_->time(), 10.0);
}

TEST_F(TaskCancelTest, TaskThatSwallowsCancellationKeepsRunning) {
  auto body = [&]() -> Coro<std::string> {
    try {
      co_await sleep(10);
    } catch (const CancelledError&) {
    }
    co_await sleep(1);
    co_return "carried on";
  };
  Task<std::string> t = loop_->create_task(body());
  loop_->call_later(2.0, [t] { t.cancel(); });
  EXPECT_EQ(loop_->run_until_complete(t), "carried on");
  EXPECT_FALSE(t.cancelled());
  EXPECT_DOUBLE_EQ(loop_->time(), 3.0);
}

TEST_F(TaskCancelTest, CancelAfterAwaitedFutureResolvedStillDeliversCancelledError) {
  // Python: w2 cancelled ('late',) / swallowed False
  std::string seen;
  Task<std::string> t;
  auto body = [&]() -> Coro<std::string> {
    Future<int> f = loop_->create_future<int>();
    loop_->call_soon([&, f] {
      f.set_result(5);
      t.cancel("late");
    });
    try {
      co_await f;
      seen = "got value";
    } catch (const CancelledError& e) {
      seen = std::string("cancelled ") + e.what();
      co_return "swallowed";
    }
    co_return "normal";
  };
  t = loop_->create_task(body());
  EXPECT_EQ(loop_->run_until_complete(t), "swallowed");
  EXPECT_EQ(seen, "cancelled late");
  EXPECT_FALSE(t.cancelled());
}

TEST_F(TaskCancelTest, CancellingTheAwaitedTaskCancelsTheInnerTaskFirst) {
  Task<void> inner = loop_->create_task(sleep(10));
  auto outer_body = [&]() -> Coro<void> { co_await inner; };
  Task<void> outer = loop_->create_task(outer_body());
  loop_->call_later(1.0, [outer] { outer.cancel("stop"); });
  EXPECT_THROW(loop_->run_until_complete(outer), CancelledError);
  EXPECT_TRUE(inner.cancelled());
  EXPECT_TRUE(outer.cancelled());
}

TEST_F(TaskCancelTest, UncancelTakesBackOneRequest) {
  Task<void> t = loop_->create_task(sleep(1));
  t.cancel();
  t.cancel();
  EXPECT_EQ(t.cancelling(), 2);
  EXPECT_EQ(t.uncancel(), 1);
  EXPECT_EQ(t.uncancel(), 0);
  EXPECT_EQ(t.uncancel(), 0);
  EXPECT_THROW(loop_->run_until_complete(t), CancelledError);
}

TEST_F(TaskCancelTest, CancelOnDoneTaskReturnsFalse) {
  Task<int> t = loop_->create_task(answer());
  loop_->run_until_complete(t);
  EXPECT_FALSE(t.cancel());
  EXPECT_EQ(t.cancelling(), 0);
}

}  // namespace
}  // namespace seedloop
