// asyncio.TaskGroup (asyncio-semantics items 44-47): waiting, failures,
// misuse; cancellation is in task_group_cancel_test.cc. Orders and texts in
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
#include "sim/testing/loop_fixture.h"
#include "tests/aio/task_group_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

using TaskGroupTest = testing::TaskGroupFixture;
using testing::members;

std::string error_text(std::function<void()> fn) {
  try {
    fn();
  } catch (const BaseException& e) {
    return e.message();
  }
  return "no exception";
}

TEST_F(TaskGroupTest, TaskGroupWaitsForAllChildrenAndReturnsTheBodysValue) {
  // Python: ('named', 'Task-6') after both children finished (2 s).
  run([&]() -> Coro<void> {
    Task<std::string> a, b;
    int v = co_await task_group([&](TaskGroup& tg) -> Coro<int> {
      a = tg.create_task(slow("a", 1), "named");
      b = tg.create_task(slow("b", 2));
      co_return 7;
    });
    EXPECT_EQ(v, 7);
    EXPECT_EQ(a.result(), "a");
    EXPECT_EQ(b.result(), "b");
    EXPECT_EQ(a.get_name(), "named");
    EXPECT_EQ(b.get_name(), "Task-3");  // Task-1 is main
  });
  EXPECT_DOUBLE_EQ(loop_->time(), 2.0);
  EXPECT_EQ(trace_, (Trace{"a done", "b done"}));
}

TEST_F(TaskGroupTest, TaskGroupFirstFailureCancelsSiblings) {
  // Python: ExceptionGroup 'unhandled errors in a TaskGroup (1
  // sub-exception)' (ValueError('boom'),) ['b fails', 'a cancelled',
  // 'c cancelled', 'body cancelled'], cancelling() 0.
  run([&]() -> Coro<void> {
    try {
      co_await task_group([&](TaskGroup& tg) -> Coro<void> {
        tg.create_task(slow("a"));
        tg.create_task(fail(1, ValueError("boom"), "b"));
        tg.create_task(slow("c"));
        try {
          co_await sleep(20);
        } catch (const CancelledError&) {
          trace_.push_back("body cancelled");
          throw;
        }
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const ExceptionGroup& eg) {
      EXPECT_EQ(eg.message(), "unhandled errors in a TaskGroup (1 sub-exception)");
      EXPECT_EQ(members(eg), (std::vector<std::string>{"ValueError: boom"}));
    }
    EXPECT_EQ(current_task()->cancelling(), 0);
  });
  EXPECT_EQ(trace_, (Trace{"b fails", "a cancelled", "c cancelled", "body cancelled"}));
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
}

TEST_F(TaskGroupTest, TaskGroupCollectsAllFailuresInOrder) {
  // Python (KeyError in place of the second ValueError): (TypeError('first'),
  // KeyError('same-time'), RuntimeError('z cleanup failed')), trace
  // ['y fails', 'w fails']: two failures in one iteration, then an error
  // raised while being cancelled; x was cancelled before failing.
  run([&]() -> Coro<void> {
    try {
      co_await task_group([&](TaskGroup& tg) -> Coro<void> {
        tg.create_task(fail(2, ValueError("second"), "x"));
        tg.create_task(fail(1, TypeError("first"), "y"));
        tg.create_task(fail_on_cancel(RuntimeError("z cleanup failed")));
        tg.create_task(fail(1, ValueError("same-time"), "w"));
        co_await sleep(5);
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const ExceptionGroup& eg) {
      EXPECT_EQ(members(eg), (std::vector<std::string>{"TypeError: first", "ValueError: same-time",
                                                       "RuntimeError: z cleanup failed"}));
    }
  });
  EXPECT_EQ(trace_, (Trace{"y fails", "w fails"}));
}

TEST_F(TaskGroupTest, TaskGroupBodyErrorIsAppendedLast) {
  // Python: (TypeError('first'), ZeroDivisionError('body')) ['y fails',
  // 'x cancelled'], cancelling() 0.
  run([&]() -> Coro<void> {
    try {
      co_await task_group([&](TaskGroup& tg) -> Coro<void> {
        tg.create_task(fail(1, TypeError("first"), "y"));
        tg.create_task(slow("x"));
        try {
          co_await sleep(5);
        } catch (const CancelledError&) {
          throw ValueError("body");
        }
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const ExceptionGroup& eg) {
      EXPECT_EQ(members(eg), (std::vector<std::string>{"TypeError: first", "ValueError: body"}));
    }
    EXPECT_EQ(current_task()->cancelling(), 0);
  });
  EXPECT_EQ(trace_, (Trace{"y fails", "x cancelled"}));
}

TEST_F(TaskGroupTest, TaskGroupBodyErrorBeforeChildrenStartMeansTheyNeverRun) {
  // Python: (ZeroDivisionError('body'),) [] -- the children are cancelled
  // before their first step, so their bodies never run.
  run([&]() -> Coro<void> {
    try {
      co_await task_group([&](TaskGroup& tg) -> Coro<void> {
        tg.create_task(fail(2, ValueError("second"), "x"));
        tg.create_task(fail_on_cancel(RuntimeError("z cleanup failed")));
        throw ValueError("body");
        co_return;
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const ExceptionGroup& eg) {
      EXPECT_EQ(members(eg), (std::vector<std::string>{"ValueError: body"}));
    }
  });
  EXPECT_TRUE(trace_.empty());
}

TEST_F(TaskGroupTest, TaskGroupWaitsForChildrenCreatedWhileExiting) {
  // Python: ['spawned', 'late done'] <TaskGroup entered>, then create_task
  // raises "TaskGroup <TaskGroup entered> is finished".
  run([&]() -> Coro<void> {
    TaskGroup tg;
    // A named lambda: a coroutine lambda's captures live in the lambda.
    auto spawner = [&]() -> Coro<void> {
      co_await sleep(1);
      tg.create_task(slow("late", 1));
      trace_.push_back("spawned");
    };
    co_await tg.async_with([&]() -> Coro<void> {
      tg.create_task(spawner());
      co_return;
    });
    EXPECT_EQ(tg.repr(), "<TaskGroup entered>");
    EXPECT_EQ(error_text([&] { tg.create_task(slow("x")); }), "TaskGroup <TaskGroup entered> is finished");
  });
  EXPECT_EQ(trace_, (Trace{"spawned", "late done"}));
  EXPECT_DOUBLE_EQ(loop_->time(), 2.0);
}

TEST_F(TaskGroupTest, TaskGroupMisuseRaisesPythonsErrors) {
  // Python: 8 <TaskGroup> / 8b TaskGroup <TaskGroup> has not been entered /
  // 8c <TaskGroup tasks=1 entered> / 8d TaskGroup <TaskGroup tasks=1
  // entered> has already been entered / 9 <TaskGroup errors=1 cancelling> /
  // 9b TaskGroup <TaskGroup errors=1 cancelling> is shutting down.
  run([&]() -> Coro<void> {
    TaskGroup tg;
    EXPECT_EQ(tg.repr(), "<TaskGroup>");
    EXPECT_EQ(error_text([&] { tg.create_task(slow("x")); }), "TaskGroup <TaskGroup> has not been entered");
    co_await tg.async_with([&]() -> Coro<void> {
      tg.create_task(slow("y", 1));
      EXPECT_EQ(tg.repr(), "<TaskGroup tasks=1 entered>");
      try {
        co_await tg.async_with([]() -> Coro<void> { co_return; });
        ADD_FAILURE() << "no exception";
      } catch (const RuntimeError& e) {
        EXPECT_STREQ(e.what(), "TaskGroup <TaskGroup tasks=1 entered> has already been entered");
      }
    });
    EXPECT_THROW(co_await task_group([&](TaskGroup& tg3) -> Coro<void> {
      tg3.create_task(fail(0.1, ValueError("v"), "q"));
      try {
        co_await sleep(1);
      } catch (const CancelledError&) {
        EXPECT_EQ(tg3.repr(), "<TaskGroup errors=1 cancelling>");
        EXPECT_EQ(error_text([&] { tg3.create_task(slow("z")); }),
                  "TaskGroup <TaskGroup errors=1 cancelling> is shutting down");
        throw;
      }
    }),
                 ExceptionGroup);
  });
}

TEST_F(TaskGroupTest, TaskGroupEnteredOutsideATaskRaises) {
  // Python: TaskGroup <TaskGroup> cannot determine the parent task
  TaskGroup tg;
  std::string seen;
  loop_->call_soon([&] { seen = error_text([&] { tg.aenter(); }); });
  run_one_iteration();
  EXPECT_EQ(seen, "TaskGroup <TaskGroup> cannot determine the parent task");
  // Python: a fresh group entered outside a loop -> "no running event loop".
  TaskGroup fresh;
  EXPECT_EQ(error_text([&] { fresh.aenter(); }), "no running event loop");
}

TEST_F(TaskGroupTest, TaskGroupChildFailingAfterParentDoneIsReported) {
  // Python (entering with `await tg.__aenter__()` and never leaving):
  // "Task <Task finished name='child' coro=<...> exception=ValueError('late')>
  // has errored out but its parent task <Task finished name='parent'
  // coro=<...> result='parent done'> is already completed", exception
  // ValueError('late'), task child; repr(tg) <TaskGroup errors=1 entered>.
  TaskGroup tg;
  auto parent = [&]() -> Coro<std::string> {
    tg.aenter();
    tg.create_task(fail(1, ValueError("late"), "child"), "child");
    co_return "parent done";
  };
  Task<std::string> p = loop_->create_task(parent(), "parent");
  EXPECT_EQ(loop_->run_until_complete(p), "parent done");
  run_until(2.0);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message,
            "Task <Task finished name='child'> has errored out but its parent task <Task finished "
            "name='parent'> is already completed");
  EXPECT_EQ(reports_[0].exception, "ValueError: late");
  EXPECT_TRUE(reports_[0].has_task);
  EXPECT_EQ(tg.repr(), "<TaskGroup errors=1 entered>");
  EXPECT_EQ(p.cancelling(), 0);
}

TEST_F(TaskGroupTest, TaskGroupWithOneChildCostsThreeIterations) {
  // Python (t7.py): "iterations tg1 3 tg0 0" (item 36).
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    loop_->call_soon(tick);
  };
  run([&]() -> Coro<void> {
    loop_->call_soon(tick);
    co_await task_group([&](TaskGroup& tg) -> Coro<void> {
      tg.create_task([]() -> Coro<int> { co_return 1; }());
      co_return;
    });
    EXPECT_EQ(ticks, 3);
    co_await task_group([]() -> Coro<void> { co_return; });
    EXPECT_EQ(ticks, 3);
  });
}

}  // namespace
}  // namespace seedloop
