// asyncio.Task's contract (asyncio-semantics items 29-36). Orders and texts
// in comments are what python3 (CPython 3.11.7) printed for the same program.

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

class TaskTest : public LoopTest {};

Coro<int> answer() { co_return 42; }

TEST_F(TaskTest, TaskStartsInNextIterationAfterQueuedCallbacks) {
  // Python: ['cb1', 'task start', 'cb2', 'set', 'task resumed 1']
  Trace trace;
  auto body = [&]() -> Coro<void> {
    trace.push_back("task start");
    Future<int> f = loop_->create_future<int>();
    loop_->call_soon([&trace, f] {
      trace.push_back("set");
      f.set_result(1);
    });
    int v = co_await f;
    trace.push_back("task resumed " + std::to_string(v));
  };
  loop_->call_soon([&] { trace.push_back("cb1"); });
  Task<void> t = loop_->create_task(body());
  loop_->call_soon([&] { trace.push_back("cb2"); });
  loop_->run_until_complete(t);
  EXPECT_EQ(trace, (Trace{"cb1", "task start", "cb2", "set", "task resumed 1"}));
}

TEST_F(TaskTest, RunUntilCompleteReturnsTheCoroutinesValue) { EXPECT_EQ(loop_->run_until_complete(answer()), 42); }

TEST_F(TaskTest, RunUntilCompleteRaisesTheCoroutinesException) {
  auto failing = []() -> Coro<int> {
    throw ValueError("nope");
    co_return 0;
  };
  EXPECT_THROW(loop_->run_until_complete(failing()), ValueError);
}

TEST_F(TaskTest, RunUntilCompleteOnFutureTheLoopStoppedBeforeRaises) {
  Future<int> f = loop_->create_future<int>();
  loop_->call_soon([this] { loop_->stop(); });
  try {
    loop_->run_until_complete(f);
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Event loop stopped before Future completed.");
  }
}

TEST_F(TaskTest, RunUntilCompleteOnForeignFutureRaisesValueError) {
  auto other = EventLoop::create(sim::new_virtual_backend());
  Future<int> f = other->create_future<int>();
  try {
    loop_->run_until_complete(f);
    FAIL() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "The future belongs to a different loop than the one specified as the loop argument");
  }
  other->close();
}

TEST_F(TaskTest, TaskKeepsRunningAfterRunUntilCompleteStoppedEarly) {
  Future<int> gate = loop_->create_future<int>();
  auto waiter = [&]() -> Coro<int> { co_return co_await gate + 1; };
  Task<int> t = loop_->create_task(waiter());
  loop_->call_soon([this] { loop_->stop(); });
  EXPECT_THROW(loop_->run_until_complete(t), RuntimeError);
  gate.set_result(1);
  EXPECT_EQ(loop_->run_until_complete(t), 2);
}

TEST_F(TaskTest, AwaitingACoroutineRunsItInlineWithoutAnIteration) {
  int iterations = 0;
  auto inner = []() -> Coro<int> { co_return 5; };
  auto outer = [&]() -> Coro<int> {
    loop_->call_soon([&] { ++iterations; });
    int v = co_await inner();
    v += co_await inner();
    co_return v;
  };
  EXPECT_EQ(loop_->run_until_complete(outer()), 10);
  EXPECT_EQ(iterations, 1);  // the stop callback's iteration ran the call_soon
}

TEST_F(TaskTest, NestedAwaitChainsPropagateValues) {
  std::function<Coro<int>(int)> depth = [&](int n) -> Coro<int> {
    if (n == 0) co_return 0;
    co_return 1 + co_await depth(n - 1);
  };
  EXPECT_EQ(loop_->run_until_complete(depth(1000)), 1000);
}

TEST_F(TaskTest, DefaultNamesCountPerLoopAndNamesCanBeSet) {
  Task<int> a = loop_->create_task(answer());
  Task<int> b = loop_->create_task(answer(), "my_special_task");
  EXPECT_EQ(a.get_name(), "Task-1");
  EXPECT_EQ(b.get_name(), "my_special_task");
  a.set_name("renamed");
  EXPECT_EQ(a.get_name(), "renamed");
  loop_->run_until_complete(b);
}

TEST_F(TaskTest, SetResultOnTaskRaises) {
  Task<int> t = loop_->create_task(answer());
  try {
    t.set_result(1);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Task does not support set_result operation");
  }
  try {
    t.set_exception(ValueError("x"));
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Task does not support set_exception operation");
  }
  loop_->run_until_complete(t);
}

TEST_F(TaskTest, TaskCannotAwaitItself) {
  Task<void> t;
  auto body = [&]() -> Coro<void> { co_await t; };
  t = loop_->create_task(body());
  try {
    loop_->run_until_complete(t);
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), "Task cannot await on itself: <Task pending name='Task-1'>");
  }
}

TEST_F(TaskTest, AwaitingAFutureOfAnotherLoopRaises) {
  auto other = EventLoop::create(sim::new_virtual_backend());
  Future<int> foreign = other->create_future<int>();
  auto body = [&]() -> Coro<void> { co_await foreign; };
  try {
    loop_->run_until_complete(body());
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), "Task <Task pending name='Task-1'> got Future <Future pending> attached to a different loop");
  }
  other->close();
}

TEST_F(TaskTest, CurrentTaskIsTheRunningTaskAndNullInCallbacks) {
  TaskBase* inside = nullptr;
  TaskBase* in_callback = reinterpret_cast<TaskBase*>(1);
  auto body = [&]() -> Coro<void> {
    inside = current_task();
    co_return;
  };
  Task<void> t = loop_->create_task(body());
  loop_->call_soon([&] { in_callback = current_task(); });
  loop_->run_until_complete(t);
  EXPECT_EQ(inside, t.task());
  EXPECT_EQ(in_callback, nullptr);
  EXPECT_THROW(current_task(), RuntimeError);  // no running loop
}

TEST_F(TaskTest, AllTasksListsPendingTasksInCreationOrder) {
  Task<void> a = loop_->create_task(sleep(1));
  Task<void> b = loop_->create_task(sleep(2));
  Task<int> c = loop_->create_task(answer());
  std::vector<TaskBase*> seen;
  auto probe = [&]() -> Coro<void> {
    co_await sleep(0.5);
    seen = all_tasks();
  };
  loop_->run_until_complete(probe());
  ASSERT_EQ(seen.size(), 3u);  // a, b and the probe itself; c is done
  EXPECT_EQ(seen[0], a.task());
  EXPECT_EQ(seen[1], b.task());
  loop_->run_until_complete(b);
}

TEST_F(TaskTest, UnretrievedTaskExceptionIsReported) {
  auto failing = []() -> Coro<void> {
    throw ValueError("oops");
    co_return;
  };
  {
    Task<void> t = loop_->create_task(failing());
    run_one_iteration();
    EXPECT_TRUE(t.done());
  }
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message, "Task exception was never retrieved");
  EXPECT_EQ(reports_[0].exception, "ValueError: oops");
  EXPECT_TRUE(reports_[0].has_future);
}

TEST_F(TaskTest, PendingTaskIsReportedAndDestroyedWhenTheLoopCloses) {
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  // Parameters live in the coroutine frame (lambda captures would not).
  auto forever = [](std::shared_ptr<int> held) -> Coro<void> {
    Future<int> never = get_running_loop()->create_future<int>();
    co_await never;
    (void)held;
  };
  loop_->create_task(forever(token));
  token.reset();
  run_one_iteration();
  EXPECT_FALSE(watch.expired());
  loop_->close();
  EXPECT_TRUE(watch.expired());  // the coroutine frame was destroyed
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message, "Task was destroyed but it is pending!");
  EXPECT_TRUE(reports_[0].has_task);
}

TEST_F(TaskTest, KeyboardInterruptInTaskEscapesRunUntilComplete) {
  auto body = []() -> Coro<void> {
    throw KeyboardInterrupt();
    co_return;
  };
  EXPECT_THROW(loop_->run_until_complete(body()), KeyboardInterrupt);
  EXPECT_FALSE(loop_->is_running());
}

TEST_F(TaskTest, KeyboardInterruptAfterAWakeupEscapesAndReleasesTheFuture) {
  auto body = []() -> Coro<void> {
    co_await sleep(1);
    throw KeyboardInterrupt();
  };
  Task<void> t = loop_->create_task(body());
  EXPECT_THROW(loop_->run_until_complete(t), KeyboardInterrupt);
  EXPECT_TRUE(t.done());
}

TEST_F(TaskTest, TaskRunsInACopyOfItsCreatorsContext) {
  ContextVar<std::string> var("var", "unset");
  var.set("creator");
  std::string seen;
  auto body = [&]() -> Coro<void> {
    seen = var.get();
    var.set("task");
    co_await sleep(0);
    seen += "/" + var.get();
  };
  loop_->run_until_complete(body());
  EXPECT_EQ(seen, "creator/task");
  EXPECT_EQ(var.get(), "creator");
}

TEST_F(TaskTest, TaskWithExplicitContextChangesThatContext) {
  ContextVar<int> var("var", 0);
  Context ctx;
  auto body = [&]() -> Coro<void> {
    var.set(7);
    co_return;
  };
  loop_->run_until_complete(loop_->create_task(body(), "", ctx));
  EXPECT_EQ(ctx.run([&] { return var.get(); }), 7);
  EXPECT_EQ(var.get(), 0);
}

class TaggedTask : public TaskBase {
 public:
  TaggedTask(EventLoop* loop, CoroFrame coro, std::optional<Context> context)
      : TaskBase(loop, std::move(coro), std::move(context)) {}
  std::string tag = "custom";
};

TEST_F(TaskTest, TaskFactoryBuildsTheTasksOfCreateTask) {
  EXPECT_FALSE(loop_->get_task_factory());
  int made = 0;
  loop_->set_task_factory([&](EventLoop& loop, CoroFrame coro, std::optional<Context> context) {
    ++made;
    return internal::Ref<TaskBase>(new TaggedTask(&loop, std::move(coro), std::move(context)));
  });
  EXPECT_TRUE(loop_->get_task_factory());
  Task<int> t = loop_->create_task(answer(), "named");
  ASSERT_NE(dynamic_cast<TaggedTask*>(t.task()), nullptr);
  EXPECT_EQ(dynamic_cast<TaggedTask*>(t.task())->tag, "custom");
  EXPECT_EQ(t.get_name(), "named");
  EXPECT_EQ(loop_->run_until_complete(t), 42);
  EXPECT_EQ(loop_->run_until_complete(answer()), 42);  // run_until_complete goes through it too
  EXPECT_EQ(made, 2);
}

TEST_F(TaskTest, SleepZeroYieldsExactlyOneIteration) {
  Trace trace;
  auto body = [&]() -> Coro<void> {
    trace.push_back("before");
    loop_->call_soon([&] { trace.push_back("callback"); });
    co_await sleep(0);
    trace.push_back("after");
  };
  loop_->run_until_complete(body());
  EXPECT_EQ(trace, (Trace{"before", "callback", "after"}));
}

TEST_F(TaskTest, SleepResumesOneIterationAfterItsTimer) {
  Trace trace;
  auto body = [&]() -> Coro<void> {
    loop_->call_later(1.0, [&] {
      trace.push_back("timer");
      loop_->call_soon([&] { trace.push_back("next"); });
    });
    co_await sleep(1.0);
    trace.push_back("woke");
  };
  loop_->run_until_complete(body());
  // The sleep's timer was pushed after the other: both run in one batch,
  // the task wakes in the next iteration, after "next" (queued first).
  EXPECT_EQ(trace, (Trace{"timer", "next", "woke"}));
}

TEST_F(TaskTest, SleepWithResultReturnsIt) {
  auto body = []() -> Coro<int> { co_return co_await sleep(0.5, 9); };
  EXPECT_EQ(loop_->run_until_complete(body()), 9);
  EXPECT_DOUBLE_EQ(loop_->time(), 0.5);
}

TEST_F(TaskTest, AwaitOutsideATaskRaises) {
  Future<int> f = loop_->create_future<int>();
  std::string error;
  auto body = [&]() -> Coro<void> {
    try {
      co_await f;
    } catch (const RuntimeError& e) {
      error = e.what();
    }
  };
  // Driving the coroutine by hand, not as a task.
  Coro<void> c = body();
  auto h = c.release();
  loop_->call_soon([h] { h.resume(); });
  run_one_iteration();
  EXPECT_EQ(error, "a seedloop future can only be awaited inside a task");
  h.destroy();
}

}  // namespace
}  // namespace seedloop
