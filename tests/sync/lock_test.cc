// asyncio.Lock's contract (asyncio-semantics item 49). The Python program
// in each comment is the same scenario; the trace quoted is what python3
// (CPython 3.11.7) printed for it.

#include "loop/sync/lock.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

class LockTest : public LoopTest {
 protected:
  // Python: async def worker(name): trace.append(f'{name} waits');
  //   await lock.acquire(); trace.append(f'{name} acquired');
  //   await asyncio.sleep(0); lock.release()
  Coro<void> worker(std::string name) {
    trace_.push_back(name + " waits");
    co_await lock_.acquire();
    trace_.push_back(name + " acquired");
    co_await sleep(0);
    lock_.release();
  }
  // Python: like worker, but records a cancellation and releases at once.
  Coro<void> cancellable_worker(std::string name) {
    trace_.push_back(name + " waits");
    try {
      co_await lock_.acquire();
    } catch (const CancelledError&) {
      trace_.push_back(name + " cancelled, locked=" + (lock_.locked() ? "True" : "False"));
      throw;
    }
    trace_.push_back(name + " acquired");
    lock_.release();
  }

  Lock lock_;
  Trace trace_;
};

TEST_F(LockTest, LockAcquireWhenFreeTakesNoIteration) {
  // Python: call_soon(trace 'callback'); await lock.acquire();
  //   trace 'acquired' -> ['acquired', 'callback']
  auto main = [&]() -> Coro<void> {
    loop_->call_soon([&] { trace_.push_back("callback"); });
    EXPECT_TRUE(co_await lock_.acquire());
    trace_.push_back("acquired");
    co_await sleep(0);
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"acquired", "callback"}));
  EXPECT_TRUE(lock_.locked());
}

TEST_F(LockTest, LockReleaseWakesFirstWaiterWithoutBarging) {
  // Python: await lock.acquire(); b = create_task(worker('B'));
  //   await sleep(0); lock.release(); trace(f'main released,
  //   locked={lock.locked()}'); await lock.acquire(); trace('main acquired')
  // -> ['B waits', 'main released, locked=False', 'B acquired',
  //     'main acquired']: main re-acquires at once but queues behind B.
  auto main = [&]() -> Coro<void> {
    co_await lock_.acquire();
    Task<void> b = loop_->create_task(worker("B"));
    co_await sleep(0);
    lock_.release();
    trace_.push_back(std::string("main released, locked=") + (lock_.locked() ? "True" : "False"));
    co_await lock_.acquire();
    trace_.push_back("main acquired");
    lock_.release();
    co_await b;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"B waits", "main released, locked=False", "B acquired", "main acquired"}));
}

TEST_F(LockTest, LockWaitersAcquireInFifoOrder) {
  // Python: three workers A, B, C queue on a held lock; release.
  // -> ['A waits', 'B waits', 'C waits', 'A acquired', 'B acquired',
  //     'C acquired']
  auto main = [&]() -> Coro<void> {
    co_await lock_.acquire();
    std::vector<Task<void>> tasks;
    for (const char* name : {"A", "B", "C"}) tasks.push_back(loop_->create_task(worker(name)));
    co_await sleep(0);
    lock_.release();
    for (Task<void>& t : tasks) co_await t;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "C waits", "A acquired", "B acquired", "C acquired"}));
}

TEST_F(LockTest, CancelledLockWaiterDoesNotSwallowWakeup) {
  // Python: lock held; B and C wait; lock.release() wakes B; b.cancel()
  //   before B runs; then three sleep(0).
  // -> ['B waits', 'C waits', 'released, B cancelled',
  //     'B cancelled, locked=False', 'C acquired']; b.cancelled() True,
  //     c.done() True, lock.locked() False.
  Task<void> b, c;
  auto main = [&]() -> Coro<void> {
    co_await lock_.acquire();
    b = loop_->create_task(cancellable_worker("B"));
    c = loop_->create_task(cancellable_worker("C"));
    co_await sleep(0);
    lock_.release();
    b.cancel();
    trace_.push_back("released, B cancelled");
    for (int i = 0; i < 3; ++i) co_await sleep(0);
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_,
            (Trace{"B waits", "C waits", "released, B cancelled", "B cancelled, locked=False", "C acquired"}));
  EXPECT_TRUE(b.cancelled());
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(lock_.locked());
}

TEST_F(LockTest, LockWaiterCancelledBeforeWakeupLeavesTheLine) {
  // Python: lock held; B and C wait; b.cancel(); await sleep(0);
  //   trace(f'B removed, waiters={len(lock._waiters)}'); lock.release()
  // -> ['B waits', 'C waits', 'B cancelled, locked=True',
  //     'B removed, waiters=1', 'C acquired']
  auto main = [&]() -> Coro<void> {
    co_await lock_.acquire();
    Task<void> b = loop_->create_task(cancellable_worker("B"));
    Task<void> c = loop_->create_task(cancellable_worker("C"));
    co_await sleep(0);
    b.cancel();
    co_await sleep(0);
    EXPECT_EQ(lock_.repr(), "<Lock [locked, waiters:1]>");
    trace_.push_back("B removed, waiters=1");
    lock_.release();
    co_await c;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_,
            (Trace{"B waits", "C waits", "B cancelled, locked=True", "B removed, waiters=1", "C acquired"}));
}

TEST_F(LockTest, LockAcquireIgnoresWaitersThatAreAllCancelled) {
  // Python: lock held; B waits; b.cancel(); lock.release();
  //   trace(f'waiters cancelled={[w.cancelled() for w in lock._waiters]}');
  //   await lock.acquire(); trace('main acquired without waiting')
  // -> ['B waits', 'waiters cancelled=[True]',
  //     'main acquired without waiting', 'B cancelled, locked=False']
  auto main = [&]() -> Coro<void> {
    co_await lock_.acquire();
    Task<void> b = loop_->create_task(cancellable_worker("B"));
    co_await sleep(0);
    b.cancel();
    lock_.release();
    trace_.push_back("waiters cancelled=[True]");
    EXPECT_EQ(lock_.repr(), "<Lock [unlocked, waiters:1]>");
    co_await lock_.acquire();
    trace_.push_back("main acquired without waiting");
    lock_.release();
    co_await sleep(0);
    EXPECT_TRUE(b.cancelled());
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"B waits", "waiters cancelled=[True]", "main acquired without waiting",
                           "B cancelled, locked=False"}));
}

TEST_F(LockTest, LockReleaseWhenUnlockedRaises) {
  // Python: asyncio.Lock().release() -> RuntimeError('Lock is not acquired.')
  try {
    lock_.release();
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Lock is not acquired.");
  }
}

TEST_F(LockTest, LockHoldReleasesWhenTheScopeEndsByException) {
  // Python: async with lock: trace(f'in body locked={lock.locked()}');
  //   raise ValueError('boom')
  // -> ['in body locked=True', 'ValueError boom locked=False']
  auto body = [&]() -> Coro<void> {
    Held<Lock> held = co_await lock_.hold();
    trace_.push_back(std::string("in body locked=") + (lock_.locked() ? "True" : "False"));
    throw ValueError("boom");
  };
  auto main = [&]() -> Coro<void> {
    try {
      co_await body();
    } catch (const ValueError& e) {
      trace_.push_back(std::string("ValueError ") + e.what() + " locked=" + (lock_.locked() ? "True" : "False"));
    }
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"in body locked=True", "ValueError boom locked=False"}));
}

TEST_F(LockTest, LockHeldReleasedEarlyIsNotReleasedAgain) {
  auto main = [&]() -> Coro<void> {
    Held<Lock> held = co_await lock_.hold();
    EXPECT_TRUE(held.owns());
    Held<Lock> moved = std::move(held);
    EXPECT_FALSE(held.owns());  // NOLINT(bugprone-use-after-move): moved-from is empty
    moved.release();
    EXPECT_FALSE(lock_.locked());
    EXPECT_FALSE(moved.owns());
  };
  loop_->run_until_complete(main());
  EXPECT_FALSE(lock_.locked());
}

TEST_F(LockTest, LockReprShowsStateAndWaiters) {
  // Python: repr with one waiter -> '<asyncio.locks.Lock object at 0x...
  //   [locked, waiters:1]>', after -> '<... [unlocked]>' (seedloop drops
  //   the module and address).
  EXPECT_EQ(lock_.repr(), "<Lock [unlocked]>");
  auto main = [&]() -> Coro<void> {
    co_await lock_.acquire();
    Task<bool> t = loop_->create_task(lock_.acquire());
    co_await sleep(0);
    EXPECT_EQ(lock_.repr(), "<Lock [locked, waiters:1]>");
    lock_.release();
    co_await t;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(lock_.repr(), "<Lock [locked]>");
}

TEST_F(LockTest, LockWaitingFromAnotherLoopRaises) {
  // Python: a lock that waited on loop1 (and is still held there):
  //   loop2.run_until_complete(lock.acquire()) -> RuntimeError('<asyncio.
  //   locks.Lock object at ADDR [locked]> is bound to a different event loop')
  auto hold_and_wait = [&]() -> Coro<void> {
    co_await lock_.acquire();
    Task<bool> t = loop_->create_task(lock_.acquire());
    co_await sleep(0);
    lock_.release();
    co_await t;
  };
  loop_->run_until_complete(hold_and_wait());
  auto other = EventLoop::create(sim::new_virtual_backend());
  try {
    other->run_until_complete(lock_.acquire());
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "<Lock [locked]> is bound to a different event loop");
  }
  other->close();
}

TEST_F(LockTest, HeldReleaseFromATaskAbandonedByClosingLoopIsIgnored) {
  // A holds the lock via Held and never finishes; B waits for the lock.
  // close() abandons A first: Held's release wakes B's future, which can no
  // longer schedule anything ("Event loop is closed"); that is ignored, as
  // CPython ignores errors raised while a coroutine is closed.
  Future<void> never = loop_->create_future<void>();
  auto a = [&]() -> Coro<void> {
    Held<Lock> held = co_await lock_.hold();
    co_await never;
  };
  Task<void> ta = loop_->create_task(a());
  Task<bool> tb = loop_->create_task(lock_.acquire());
  run_one_iteration();
  run_one_iteration();
  EXPECT_EQ(lock_.repr(), "<Lock [locked, waiters:1]>");
  loop_->close();
  EXPECT_EQ(lock_.repr(), "<Lock [unlocked]>");
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_EQ(reports_[0].message, "Task was destroyed but it is pending!");
}

TEST_F(LockTest, HeldWhoseLockWasReleasedBehindItsBackAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto main = [&]() -> Coro<void> {
    Held<Lock> held = co_await lock_.hold();
    lock_.release();
  };
  EXPECT_DEATH(loop_->run_until_complete(main()),
               "releasing <Lock \\[unlocked\\]> at the end of its Held scope raised RuntimeError: Lock is not "
               "acquired\\.");
}

}  // namespace
}  // namespace seedloop
