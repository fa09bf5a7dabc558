// gather(): CPython 3.11's tasks.gather. The comments quote what python3
// printed for the same program (/tmp-free copy: the test's own steps).

#include "loop/aio/gather.h"

#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;

class GatherTest : public LoopTest {};

Coro<int> val(int x, double delay) {
  co_await sleep(delay);
  co_return x;
}
Coro<int> bad(double delay) {
  co_await sleep(delay);
  throw ValueError("bad");
}

TEST_F(GatherTest, ResultsComeInArgumentOrder) {
  // Python: [1, 2, 3] after 3 s
  auto body = []() -> Coro<std::tuple<int, int, int>> { co_return co_await gather(val(1, 2), val(2, 1), val(3, 3)); };
  EXPECT_EQ(loop_->run_until_complete(body()), std::make_tuple(1, 2, 3));
  EXPECT_DOUBLE_EQ(loop_->time(), 3.0);
}

Coro<int> record(std::vector<std::string>* order, std::string name) {
  order->push_back(std::move(name));
  co_return 0;
}

TEST_F(GatherTest, CoroutineChildrenStartInArgumentOrder) {
  // Python: a, b, c
  std::vector<std::string> order;
  auto body = [&]() -> Coro<void> { co_await gather(record(&order, "a"), record(&order, "b"), record(&order, "c")); };
  loop_->run_until_complete(body());
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(GatherTest, VectorOfTasksGivesAVector) {
  auto body = [this]() -> Coro<std::vector<int>> {
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 5; ++i) tasks.push_back(loop_->create_task(val(i, 5 - i)));
    co_return co_await gather(tasks);
  };
  EXPECT_EQ(loop_->run_until_complete(body()), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_F(GatherTest, MixedTypesAndVoidChildren) {
  auto text = []() -> Coro<std::string> { co_return "text"; };
  auto body = [&]() -> Coro<std::tuple<std::string, std::monostate, int>> {
    co_return co_await gather(text(), sleep(1), val(4, 0));
  };
  auto [s, unit, i] = loop_->run_until_complete(body());
  EXPECT_EQ(s, "text");
  EXPECT_EQ(i, 4);
  (void)unit;
}

TEST_F(GatherTest, FirstExceptionSurfacesWhileOthersKeepRunning) {
  // Python: gather raised bad False (at t=1... the sleep(1) child) then
  // the other child still finishes: c at t=5.
  Task<int> c;
  bool c_done_when_raised = true;
  double raised_at = 0;
  auto body = [&]() -> Coro<int> {
    c = loop_->create_task(val(9, 5));
    try {
      co_await gather(bad(1), c);
    } catch (const ValueError& e) {
      raised_at = loop_->time();
      c_done_when_raised = c.done();
    }
    co_return co_await c;
  };
  EXPECT_EQ(loop_->run_until_complete(body()), 9);
  EXPECT_DOUBLE_EQ(raised_at, 1.0);
  EXPECT_FALSE(c_done_when_raised);
  EXPECT_DOUBLE_EQ(loop_->time(), 5.0);
}

TEST_F(GatherTest, ReturnExceptionsCollectsExceptionsInPlace) {
  // Python: ['ValueError', 7]
  auto body = []() -> Coro<std::tuple<Outcome<int>, Outcome<int>>> {
    co_return co_await gather(return_exceptions, bad(0.5), val(7, 0.1));
  };
  auto [first, second] = loop_->run_until_complete(body());
  EXPECT_FALSE(first.has_value());
  EXPECT_EQ(describe_exception(first.exception()), "ValueError: bad");
  EXPECT_EQ(second.value(), 7);
}

// Found by tests/programs (random programs). CPython 3.11's
// _GatheringFuture, cancelled while a child fails, builds the results list
// first (fut.exception() of every child not cancelled) and only then raises
// the cancellation, so the child's exception counts as retrieved:
//   async def child(outer): outer.cancel(); raise ValueError("boom")
//   async def outer_body():
//       try: await asyncio.gather(child(current_task()), return_exceptions=True)
//       except asyncio.CancelledError: print("cancelled")
// prints "cancelled" and nothing reaches the exception handler.
Coro<int> cancel_then_fail(Task<void>* outer) {
  outer->cancel();
  throw ValueError("boom");
  co_return 0;
}

TEST_F(GatherTest, CancelledGatherRetrievesItsChildrensExceptions) {
  Task<void> outer;
  bool cancelled = false;
  auto outer_body = [&]() -> Coro<void> {
    try {
      co_await gather(return_exceptions, cancel_then_fail(&outer));
    } catch (const CancelledError&) {
      cancelled = true;
    }
  };
  outer = loop_->create_task(outer_body());
  loop_->run_until_complete(outer);
  outer = Task<void>();  // the gather and its child go with the task
  run_one_iteration();
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(reports_.empty()) << reports_.front().message;
}

TEST_F(GatherTest, CancellingTheGatherCancelsEveryChild) {
  // Python: gather cancelled ('stop it',) False True True
  Task<int> a, b;
  Future<std::tuple<int, int>> g;
  std::string message;
  auto body = [&]() -> Coro<void> {
    a = loop_->create_task(val(1, 10));
    b = loop_->create_task(val(2, 10));
    g = gather(a, b);
    loop_->call_later(1, [&] { g.cancel("stop it"); });
    try {
      co_await g;
    } catch (const CancelledError& e) {
      message = e.what();
    }
  };
  loop_->run_until_complete(body());
  EXPECT_EQ(message, "stop it");
  EXPECT_FALSE(g.cancelled());  // FINISHED with a CancelledError
  EXPECT_TRUE(a.cancelled());
  EXPECT_TRUE(b.cancelled());
}

TEST_F(GatherTest, ChildCancellationSurfacesAsCancelledError) {
  // Python: child cancel surfaces ('child',) False False
  Task<int> a, b;
  std::string message;
  bool b_done = true;
  Future<std::tuple<int, int>> g;
  auto body = [&]() -> Coro<void> {
    a = loop_->create_task(val(1, 10));
    b = loop_->create_task(val(2, 1));
    g = gather(a, b);
    loop_->call_later(0.5, [&] { a.cancel("child"); });
    try {
      co_await g;
    } catch (const CancelledError& e) {
      message = e.what();
      b_done = b.done();
    }
    co_await b;
  };
  loop_->run_until_complete(body());
  EXPECT_EQ(message, "child");
  EXPECT_FALSE(g.cancelled());
  EXPECT_FALSE(b_done);
}

TEST_F(GatherTest, ReturnExceptionsReportsCancelledChildWithoutMessage) {
  // Python: ["CancelledError('')", "'b'"] — the task ends cancelled without
  // the message (asyncio-semantics item 34).
  auto body = [&]() -> Coro<std::vector<Outcome<int>>> {
    std::vector<Task<int>> children{loop_->create_task(val(1, 10)), loop_->create_task(val(2, 1))};
    Task<int> a = children[0];
    loop_->call_later(0.5, [a] { a.cancel("msg"); });
    co_return co_await gather(return_exceptions, children);
  };
  std::vector<Outcome<int>> r = loop_->run_until_complete(body());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(describe_exception(r[0].exception()), "CancelledError");
  EXPECT_EQ(r[1].value(), 2);
}

TEST_F(GatherTest, CancellingAGatherWithReturnExceptionsStillRaises) {
  // Python: rex gather cancelled ()
  bool raised = false;
  auto body = [&]() -> Coro<void> {
    auto g = gather(return_exceptions, val(1, 10));
    loop_->call_later(0.5, [g] { g.cancel(); });
    try {
      co_await g;
    } catch (const CancelledError&) {
      raised = true;
    }
  };
  loop_->run_until_complete(body());
  EXPECT_TRUE(raised);
}

TEST_F(GatherTest, GatherOfNothingIsDoneWithAnEmptyResult) {
  // Python: []
  set_event_loop(loop_);
  auto g = gather(std::vector<Future<int>>{});
  EXPECT_TRUE(g.done());
  EXPECT_TRUE(g.result().empty());
  set_event_loop(nullptr);
}

TEST_F(GatherTest, DuplicateFutureIsOneChild) {
  // Python: [5, 5]
  auto body = [&]() -> Coro<std::vector<int>> {
    Task<int> f = loop_->create_task(val(5, 0.1));
    // (g++ 12 rejects a braced list inside a co_await expression.)
    std::vector<Future<int>> twice{f, f};
    co_return co_await gather(twice);
  };
  EXPECT_EQ(loop_->run_until_complete(body()), (std::vector<int>{5, 5}));
}

TEST_F(GatherTest, CancelAfterDoneReturnsFalse) {
  auto body = [&]() -> Coro<void> {
    auto g = gather(val(1, 0));
    co_await g;
    EXPECT_FALSE(g.cancel());
  };
  loop_->run_until_complete(body());
}

}  // namespace
}  // namespace seedloop
