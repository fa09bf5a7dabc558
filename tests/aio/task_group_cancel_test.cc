// asyncio.TaskGroup under cancellation (asyncio-semantics items 45-46):
// from outside, of a child on its own, KeyboardInterrupt, timeouts, loop
// close. Orders and texts in
// comments are what python3 (CPython 3.11.7) printed for the same program,
// written with `async with asyncio.TaskGroup() as tg:`. Where CPython's
// abort order is set order (nondeterministic), seedloop's is creation order.

#include "loop/aio/task_group.h"

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/exception_group.h"
#include "loop/aio/sleep.h"
#include "loop/aio/timeout.h"
#include "sim/testing/loop_fixture.h"
#include "tests/aio/task_group_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

using TaskGroupCancelTest = testing::TaskGroupFixture;
using testing::members;

TEST_F(TaskGroupCancelTest, TaskGroupOuterCancelPropagatesCancelledError) {
  // Python: CancelledError('stop') ["body cancelled ('stop',)", 'a
  // cancelled', 'b cancelled'] cancelling() 1, cancelled() True.
  Task<void> t = loop_->create_task(task_group([&](TaskGroup& tg) -> Coro<void> {
    tg.create_task(slow("a"));
    tg.create_task(slow("b"));
    try {
      co_await sleep(10);
    } catch (const CancelledError& e) {
      trace_.push_back(std::string("body cancelled ") + e.what());
      throw;
    }
  }));
  loop_->call_later(1.0, [t] { t.cancel("stop"); });
  try {
    loop_->run_until_complete(t);
    FAIL() << "no exception";
  } catch (const CancelledError& e) {
    EXPECT_STREQ(e.what(), "stop");
  }
  EXPECT_EQ(trace_, (Trace{"body cancelled stop", "a cancelled", "b cancelled"}));
  EXPECT_EQ(t.cancelling(), 1);
  EXPECT_TRUE(t.cancelled());
}

TEST_F(TaskGroupCancelTest, TaskGroupOuterCancelWhileWaitingPropagatesCancelledError) {
  // Python: CancelledError('stop2') ['a cancelled', 'b cancelled'] 1, and
  // the code after the scope never runs.
  auto outer = [&]() -> Coro<void> {
    co_await task_group([&](TaskGroup& tg) -> Coro<void> {
      tg.create_task(slow("a"));
      tg.create_task(slow("b", 2));
      co_return;
    });
    trace_.push_back("after");
  };
  Task<void> t = loop_->create_task(outer());
  loop_->call_later(1.0, [t] { t.cancel("stop2"); });
  try {
    loop_->run_until_complete(t);
    FAIL() << "no exception";
  } catch (const CancelledError& e) {
    EXPECT_STREQ(e.what(), "stop2");
  }
  EXPECT_EQ(trace_, (Trace{"a cancelled", "b cancelled"}));
  EXPECT_EQ(t.cancelling(), 1);
}

TEST_F(TaskGroupCancelTest, TaskGroupErrorsWinOverOuterCancel) {
  // Python: ExceptionGroup (ValueError('cleanup'),) cancelling() 1.
  Task<void> t = loop_->create_task(task_group([&](TaskGroup& tg) -> Coro<void> {
    tg.create_task(fail_on_cancel(ValueError("cleanup")));
    co_await sleep(10);
  }));
  loop_->call_later(1.0, [t] { t.cancel(); });
  try {
    loop_->run_until_complete(t);
    FAIL() << "no exception";
  } catch (const ExceptionGroup& eg) {
    EXPECT_EQ(members(eg), (std::vector<std::string>{"ValueError: cleanup"}));
  }
  EXPECT_EQ(t.cancelling(), 1);
}

TEST_F(TaskGroupCancelTest, TaskGroupChildCancelledOnItsOwnIsNotAnError) {
  // Python: ['a cancelled', 'b done'] True b
  run([&]() -> Coro<void> {
    Task<std::string> a, b;
    co_await task_group([&](TaskGroup& tg) -> Coro<void> {
      a = tg.create_task(slow("a"));
      b = tg.create_task(slow("b", 1));
      loop_->call_later(0.5, [a] { a.cancel(); });
      co_return;
    });
    EXPECT_TRUE(a.cancelled());
    EXPECT_EQ(b.result(), "b");
  });
  EXPECT_EQ(trace_, (Trace{"a cancelled", "b done"}));
}

TEST_F(TaskGroupCancelTest, TaskGroupChildKeyboardInterruptReraisedBare) {
  // Python: the child's KeyboardInterrupt first escapes run_until_complete
  // (order [], main not done); running again, the group re-raises it bare:
  // ['b cancelled', 'a cancelled', 'body cancelled', 'main caught
  // KeyboardInterrupt'] (set order; seedloop's is creation order, a then b).
  auto main = [&]() -> Coro<void> {
    try {
      co_await task_group([&](TaskGroup& tg) -> Coro<void> {
        tg.create_task(slow("a"));
        tg.create_task(fail(1, KeyboardInterrupt(), "ki"));
        tg.create_task(slow("b"));
        try {
          co_await sleep(5);
        } catch (const CancelledError&) {
          trace_.push_back("body cancelled");
          throw;
        }
      });
    } catch (const AnyExceptionGroup&) {
      trace_.push_back("main caught a group");
      throw;
    } catch (const KeyboardInterrupt&) {
      trace_.push_back("main caught KeyboardInterrupt");
      throw;
    }
  };
  Task<void> t = loop_->create_task(main());
  EXPECT_THROW(loop_->run_until_complete(t), KeyboardInterrupt);
  EXPECT_EQ(trace_, (Trace{"ki fails"}));
  EXPECT_FALSE(t.done());
  EXPECT_THROW(loop_->run_until_complete(t), KeyboardInterrupt);
  EXPECT_EQ(trace_, (Trace{"ki fails", "a cancelled", "b cancelled", "body cancelled", "main caught KeyboardInterrupt"}));
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(is_exit_exception(t.exception()));
}

TEST_F(TaskGroupCancelTest, TaskGroupBodyKeyboardInterruptAbortsChildrenAndPropagatesBare) {
  // Python: KI escaped ['a cancelled', 'main caught KeyboardInterrupt 1.0']
  auto main = [&]() -> Coro<void> {
    try {
      co_await task_group([&](TaskGroup& tg) -> Coro<void> {
        tg.create_task(slow("a"));
        co_await sleep(1);
        throw KeyboardInterrupt();
      });
    } catch (const KeyboardInterrupt&) {
      trace_.push_back("main caught KeyboardInterrupt");
      throw;
    }
  };
  Task<void> t = loop_->create_task(main());
  EXPECT_THROW(loop_->run_until_complete(t), KeyboardInterrupt);
  EXPECT_EQ(trace_, (Trace{"a cancelled", "main caught KeyboardInterrupt"}));
  EXPECT_TRUE(t.done());
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
}

TEST_F(TaskGroupCancelTest, TimeoutAroundTaskGroupAbortsChildrenAndRaisesTimeoutError) {
  // Python: ['a cancelled', 'b cancelled', 'timeout at 1.0 expired=True'],
  // cancelling() 0.
  run([&]() -> Coro<void> {
    Timeout cm = timeout(1);
    try {
      co_await cm.async_with([&]() -> Coro<void> {
        co_await task_group([&](TaskGroup& tg) -> Coro<void> {
          tg.create_task(slow("a"));
          tg.create_task(slow("b"));
          co_return;
        });
      });
    } catch (const TimeoutError&) {
      trace_.push_back("timeout expired=" + std::to_string(cm.expired()));
    }
    EXPECT_EQ(current_task()->cancelling(), 0);
  });
  EXPECT_EQ(trace_, (Trace{"a cancelled", "b cancelled", "timeout expired=1"}));
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
}

TEST_F(TaskGroupCancelTest, TaskGroupChildTimeoutIsAnError) {
  // Python: child timeout (TimeoutError(),) ['s cancelled']
  run([&]() -> Coro<void> {
    try {
      co_await task_group([&](TaskGroup& tg) -> Coro<void> {
        tg.create_task(with_timeout(0.5, []() -> Coro<void> { co_await sleep(10); }));
        tg.create_task(slow("s"));
        co_return;
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const ExceptionGroup& eg) {
      EXPECT_EQ(members(eg), (std::vector<std::string>{"TimeoutError"}));
    }
  });
  EXPECT_EQ(trace_, (Trace{"s cancelled"}));
}

TEST_F(TaskGroupCancelTest, TaskGroupPendingWhenTheLoopClosesIsFreed) {
  // seedloop lifetime (no CPython counterpart: its GC collects the cycle):
  // closing the loop abandons the parent and both children, each reported
  // once, and the group <-> child references are released (LSan checks).
  Task<void> t = loop_->create_task(task_group([&](TaskGroup& tg) -> Coro<void> {
    tg.create_task(slow("a"));
    tg.create_task(slow("b"));
    co_await sleep(5);
  }));
  run_until(1.0);
  loop_->close();
  ASSERT_EQ(reports_.size(), 3u);
  for (const testing::Report& r : reports_) EXPECT_EQ(r.message, "Task was destroyed but it is pending!");
  EXPECT_FALSE(t.done());
}

}  // namespace
}  // namespace seedloop
