// asyncio.Condition's contract (asyncio-semantics item 51). The Python
// program in each comment is the same scenario; the trace quoted is what
// python3 (CPython 3.11.7) printed for it.

#include "loop/sync/condition.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

const char* py_bool(bool b) { return b ? "True" : "False"; }

class ConditionTest : public LoopTest {
 protected:
  // Python: async def waiter(name): async with cond:
  //   trace(f'{name} waits'); r = await cond.wait()
  //   trace(f'{name} woke {r} locked={cond.locked()}')
  Coro<void> waiter(std::string name) {
    Held<Condition> held = co_await cond_.hold();
    trace_.push_back(name + " waits");
    bool r = co_await cond_.wait();
    trace_.push_back(name + " woke " + py_bool(r) + " locked=" + py_bool(cond_.locked()));
  }
  // Python: async def cw(name): async with cond: trace(f'{name} waits')
  //   try: await cond.wait()
  //   except CancelledError as e:
  //     trace(f'{name} cancelled {e.args} locked={cond.locked()}'); raise
  //   trace(f'{name} woke')
  Coro<void> cancellable_waiter(std::string name) {
    Held<Condition> held = co_await cond_.hold();
    trace_.push_back(name + " waits");
    try {
      co_await cond_.wait();
    } catch (const CancelledError& e) {
      std::string args = e.message().empty() ? "()" : "('" + e.message() + "',)";
      trace_.push_back(name + " cancelled " + args + " locked=" + py_bool(cond_.locked()));
      throw;
    }
    trace_.push_back(name + " woke");
  }

  Condition cond_;
  Trace trace_;
};

TEST_F(ConditionTest, ConditionWaitOrNotifyWithoutTheLockRaises) {
  // Python: await cond.wait() -> RuntimeError('cannot wait on un-acquired
  //   lock'); cond.notify() -> RuntimeError('cannot notify on un-acquired lock')
  auto main = [&]() -> Coro<void> {
    try {
      co_await cond_.wait();
      ADD_FAILURE() << "no exception";
    } catch (const RuntimeError& e) {
      EXPECT_STREQ(e.what(), "cannot wait on un-acquired lock");
    }
  };
  loop_->run_until_complete(main());
  try {
    cond_.notify();
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "cannot notify on un-acquired lock");
  }
  EXPECT_THROW(cond_.notify_all(), RuntimeError);
}

TEST_F(ConditionTest, ConditionNotifyWakesTheFirstNWaitersInOrder) {
  // Python: A, B, C wait; async with cond: cond.notify(2); three sleep(0);
  //   then notify_all()
  // -> ['A waits', 'B waits', 'C waits', 'notify(2)', 'A woke True locked=True',
  //     'B woke True locked=True', 'C still waiting: unlocked, waiters:1]>',
  //     'C woke True locked=True']
  auto main = [&]() -> Coro<void> {
    std::vector<Task<void>> tasks;
    for (const char* name : {"A", "B", "C"}) tasks.push_back(loop_->create_task(waiter(name)));
    co_await sleep(0);
    {
      Held<Condition> held = co_await cond_.hold();
      cond_.notify(2);
      trace_.push_back("notify(2)");
    }
    for (int i = 0; i < 3; ++i) co_await sleep(0);
    trace_.push_back("C still waiting: " + cond_.repr());
    {
      Held<Condition> held = co_await cond_.hold();
      cond_.notify_all();
    }
    for (Task<void>& t : tasks) co_await t;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "C waits", "notify(2)", "A woke True locked=True",
                           "B woke True locked=True", "C still waiting: <Condition [unlocked, waiters:1]>",
                           "C woke True locked=True"}));
}

TEST_F(ConditionTest, ConditionNotifiedWaiterReturnsOnlyOnceItHoldsTheLock) {
  // Python: A waits; await cond.acquire(); cond.notify(); two sleep(0);
  //   trace('notifier still holds lock'); cond.release()
  // -> ['A waits', 'notifier still holds lock', 'A woke True locked=True']
  auto main = [&]() -> Coro<void> {
    Task<void> t = loop_->create_task(waiter("A"));
    co_await sleep(0);
    co_await cond_.acquire();
    cond_.notify();
    co_await sleep(0);
    co_await sleep(0);
    trace_.push_back("notifier still holds lock");
    cond_.release();
    co_await t;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "notifier still holds lock", "A woke True locked=True"}));
}

TEST_F(ConditionTest, ConditionWaitReacquiresLockEvenWhenCancelled) {
  // Python: A waits; await cond.acquire(); t.cancel('stop'); two sleep(0);
  //   trace(f'main releases; A done={t.done()}'); cond.release(); await t
  // -> ['A waits', 'main releases; A done=False',
  //     "A cancelled ('stop',) locked=True", 'A cancelled=True locked=False']
  Task<void> t;
  auto main = [&]() -> Coro<void> {
    t = loop_->create_task(cancellable_waiter("A"));
    co_await sleep(0);
    co_await cond_.acquire();
    t.cancel("stop");
    co_await sleep(0);
    co_await sleep(0);
    trace_.push_back(std::string("main releases; A done=") + py_bool(t.done()));
    cond_.release();
    try {
      co_await t;
    } catch (const CancelledError&) {
    }
    trace_.push_back(std::string("A cancelled=") + py_bool(t.cancelled()) + " locked=" + py_bool(cond_.locked()));
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "main releases; A done=False", "A cancelled ('stop',) locked=True",
                           "A cancelled=True locked=False"}));
}

TEST_F(ConditionTest, ConditionWaitCancelledWhileReacquiringRetriesThenRaisesPlainCancelledError) {
  // Python: A waits; main acquires and notifies; sleep(0) (A queues on the
  //   lock); t.cancel('first'); sleep(0); t.cancel('second'); sleep(0);
  //   main releases
  // -> ['A waits', 'main releases; A done=False', 'A cancelled () locked=True'];
  //    t.cancelled() True
  Task<void> t;
  auto main = [&]() -> Coro<void> {
    t = loop_->create_task(cancellable_waiter("A"));
    co_await sleep(0);
    co_await cond_.acquire();
    cond_.notify();
    co_await sleep(0);
    t.cancel("first");
    co_await sleep(0);
    t.cancel("second");
    co_await sleep(0);
    trace_.push_back(std::string("main releases; A done=") + py_bool(t.done()));
    cond_.release();
    try {
      co_await t;
    } catch (const CancelledError&) {
    }
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "main releases; A done=False", "A cancelled () locked=True"}));
  EXPECT_TRUE(t.cancelled());
}

TEST_F(ConditionTest, ConditionNotifySkipsCancelledWaiters) {
  // Python: A, B wait; a.cancel(); async with cond: cond.notify(1)
  // -> ['A waits', 'B waits', 'A cancelled () locked=True', 'B woke']
  auto main = [&]() -> Coro<void> {
    Task<void> a = loop_->create_task(cancellable_waiter("A"));
    Task<void> b = loop_->create_task(cancellable_waiter("B"));
    co_await sleep(0);
    a.cancel();
    {
      Held<Condition> held = co_await cond_.hold();
      cond_.notify(1);
    }
    try {
      co_await a;
    } catch (const CancelledError&) {
    }
    co_await b;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "A cancelled () locked=True", "B woke"}));
}

TEST_F(ConditionTest, ConditionWaitForLoopsUntilThePredicateHolds) {
  // Python: pred returns n >= 2 and n; a waiter runs
  //   `await cond.wait_for(pred)`; main twice does n += 1; notify()
  // -> ['pred n=0', 'pred n=1', 'pred n=2', 'wait_for -> 2']
  int n = 0;
  auto pred = [&] {
    trace_.push_back("pred n=" + std::to_string(n));
    return n >= 2 ? n : 0;
  };
  auto w = [&]() -> Coro<void> {
    Held<Condition> held = co_await cond_.hold();
    int r = co_await cond_.wait_for(pred);
    trace_.push_back("wait_for -> " + std::to_string(r));
  };
  auto main = [&]() -> Coro<void> {
    Task<void> t = loop_->create_task(w());
    co_await sleep(0);
    for (int i = 0; i < 2; ++i) {
      {
        Held<Condition> held = co_await cond_.hold();
        ++n;
        cond_.notify();
      }
      co_await sleep(0);
      co_await sleep(0);
    }
    co_await t;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"pred n=0", "pred n=1", "pred n=2", "wait_for -> 2"}));
}

TEST_F(ConditionTest, ConditionUsesTheLockGivenToIt) {
  // Python: lock = Lock(); c2 = Condition(lock); await lock.acquire();
  //   c2.locked() -> True; c2.release(); lock.locked() -> False
  Lock lock;
  Condition c2(lock);
  auto main = [&]() -> Coro<void> {
    co_await lock.acquire();
    EXPECT_TRUE(c2.locked());
    c2.release();
    EXPECT_FALSE(lock.locked());
  };
  loop_->run_until_complete(main());
}

}  // namespace
}  // namespace seedloop
