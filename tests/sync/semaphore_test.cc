// asyncio.Semaphore and BoundedSemaphore's contract (asyncio-semantics
// item 50). The Python program in each comment is the same scenario; the
// trace quoted is what python3 (CPython 3.11.7) printed for it.

#include "loop/sync/semaphore.h"

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

class SemaphoreTest : public LoopTest {
 protected:
  // Python: async def worker(name): trace(f'{name} waits')
  //   try: await sem.acquire()
  //   except CancelledError: trace(f'{name} cancelled value={sem._value}'); raise
  //   trace(f'{name} acquired value={sem._value}')
  //   if release_after: sem.release()
  Coro<void> worker(Semaphore& sem, std::string name, bool release_after = false) {
    trace_.push_back(name + " waits");
    try {
      co_await sem.acquire();
    } catch (const CancelledError&) {
      trace_.push_back(name + " cancelled value=" + std::to_string(sem.value()));
      throw;
    }
    trace_.push_back(name + " acquired value=" + std::to_string(sem.value()));
    if (release_after) sem.release();
  }

  Trace trace_;
};

TEST_F(SemaphoreTest, SemaphoreInitialValueMustBeNonNegative) {
  // Python: asyncio.Semaphore(-1)
  // -> ValueError('Semaphore initial value must be >= 0')
  try {
    Semaphore sem(-1);
    FAIL() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Semaphore initial value must be >= 0");
  }
  EXPECT_THROW(BoundedSemaphore(-1), ValueError);
}

TEST_F(SemaphoreTest, SemaphoreReleaseHandsTheUnitToTheFirstWaiterWithoutBarging) {
  // Python: sem = Semaphore(1); await sem.acquire(); B waits (and releases
  //   once it has the unit); sem.release(); trace(value, locked());
  //   await sem.acquire(); trace('main acquired ...')
  // -> ['B1 waits', 'released value=0 locked=True', 'B1 acquired value=0',
  //     'main acquired value=0']
  Semaphore sem(1);
  auto main = [&]() -> Coro<void> {
    co_await sem.acquire();
    Task<void> b = loop_->create_task(worker(sem, "B1", /*release_after=*/true));
    co_await sleep(0);
    sem.release();
    trace_.push_back("released value=" + std::to_string(sem.value()) + " locked=" + py_bool(sem.locked()));
    co_await sem.acquire();
    trace_.push_back("main acquired value=" + std::to_string(sem.value()));
    sem.release();
    co_await b;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_,
            (Trace{"B1 waits", "released value=0 locked=True", "B1 acquired value=0", "main acquired value=0"}));
}

TEST_F(SemaphoreTest, SemaphoreReleaseWithCancelledWaitersWakesNextLiveWaiter) {
  // Python: sem = Semaphore(0); A, B, C wait; a.cancel(); sem.release()
  // -> ['A waits', 'B waits', 'C waits', 'cancel A, release: value=0',
  //     'A cancelled value=0', 'B acquired value=0',
  //     'end value=0 c.done=False', 'C cancelled value=0']
  Semaphore sem(0);
  auto main = [&]() -> Coro<void> {
    Task<void> a = loop_->create_task(worker(sem, "A"));
    Task<void> b = loop_->create_task(worker(sem, "B"));
    Task<void> c = loop_->create_task(worker(sem, "C"));
    co_await sleep(0);
    a.cancel();
    sem.release();
    trace_.push_back("cancel A, release: value=" + std::to_string(sem.value()));
    co_await sleep(0);
    co_await sleep(0);
    trace_.push_back("end value=" + std::to_string(sem.value()) + " c.done=" + py_bool(c.done()));
    c.cancel();
    co_await sleep(0);
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "C waits", "cancel A, release: value=0", "A cancelled value=0",
                           "B acquired value=0", "end value=0 c.done=False", "C cancelled value=0"}));
}

TEST_F(SemaphoreTest, SemaphoreWaiterCancelledAfterWakeupPassesTheUnitOn) {
  // Python: sem = Semaphore(0); A, B wait; sem.release(); a.cancel()
  // -> ['A waits', 'B waits', 'release, cancel A: value=0',
  //     'A cancelled value=0', 'B acquired value=0', 'end value=0']
  Semaphore sem(0);
  auto main = [&]() -> Coro<void> {
    Task<void> a = loop_->create_task(worker(sem, "A"));
    Task<void> b = loop_->create_task(worker(sem, "B"));
    co_await sleep(0);
    sem.release();
    a.cancel();
    trace_.push_back("release, cancel A: value=" + std::to_string(sem.value()));
    co_await sleep(0);
    co_await sleep(0);
    trace_.push_back("end value=" + std::to_string(sem.value()));
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "release, cancel A: value=0", "A cancelled value=0",
                           "B acquired value=0", "end value=0"}));
}

TEST_F(SemaphoreTest, SemaphoreReleasesWakeWaitersOneEachInFifoOrder) {
  // Python: sem = Semaphore(0); A, B, C wait; sem.release() twice
  // -> ['A waits', 'B waits', 'C waits', '2 releases: value=0 locked=True',
  //     'A acquired value=0', 'B acquired value=0',
  //     'end value=0 locked=True', 'C acquired value=0']
  Semaphore sem(0);
  auto main = [&]() -> Coro<void> {
    std::vector<Task<void>> tasks;
    for (const char* name : {"A", "B", "C"}) tasks.push_back(loop_->create_task(worker(sem, name)));
    co_await sleep(0);
    sem.release();
    sem.release();
    trace_.push_back("2 releases: value=" + std::to_string(sem.value()) + " locked=" + py_bool(sem.locked()));
    co_await sleep(0);
    trace_.push_back("end value=" + std::to_string(sem.value()) + " locked=" + py_bool(sem.locked()));
    sem.release();
    for (Task<void>& t : tasks) co_await t;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "C waits", "2 releases: value=0 locked=True",
                           "A acquired value=0", "B acquired value=0", "end value=0 locked=True",
                           "C acquired value=0"}));
}

TEST_F(SemaphoreTest, SemaphoreWokenWaiterPassesASpareUnitToTheNextWaiter) {
  // Python: sem = Semaphore(0); A waits; sem.release() twice (the second
  //   finds no waiter that is not done); await sem.acquire() queues, since
  //   A's future is done but A is still in line.
  // -> ['A waits', '2 releases: value=1 locked=True', 'A acquired value=0',
  //     'main acquired value=0']
  Semaphore sem(0);
  auto main = [&]() -> Coro<void> {
    Task<void> a = loop_->create_task(worker(sem, "A"));
    co_await sleep(0);
    sem.release();
    sem.release();
    trace_.push_back("2 releases: value=" + std::to_string(sem.value()) + " locked=" + py_bool(sem.locked()));
    co_await sem.acquire();
    trace_.push_back("main acquired value=" + std::to_string(sem.value()));
    EXPECT_TRUE(a.done());
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_,
            (Trace{"A waits", "2 releases: value=1 locked=True", "A acquired value=0", "main acquired value=0"}));
}

TEST_F(SemaphoreTest, BoundedSemaphoreReleasedTooManyTimesRaises) {
  // Python: bs = BoundedSemaphore(2); await bs.acquire(); bs.release();
  //   bs.release() -> ValueError('BoundedSemaphore released too many
  //   times'); bs._value == 2
  BoundedSemaphore bs(2);
  auto main = [&]() -> Coro<void> {
    co_await bs.acquire();
    bs.release();
    try {
      bs.release();
      ADD_FAILURE() << "no exception";
    } catch (const ValueError& e) {
      EXPECT_STREQ(e.what(), "BoundedSemaphore released too many times");
    }
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(bs.value(), 2);
}

TEST_F(SemaphoreTest, SemaphoreReprShowsValueOrWaiters) {
  // Python: repr(Semaphore(2)) -> '<... [unlocked, value:2]>'; after two
  //   acquires and one waiter -> '<... [locked, waiters:1]>'
  Semaphore sem(2);
  BoundedSemaphore bs(1);
  EXPECT_EQ(sem.repr(), "<Semaphore [unlocked, value:2]>");
  EXPECT_EQ(bs.repr(), "<BoundedSemaphore [unlocked, value:1]>");
  auto main = [&]() -> Coro<void> {
    co_await sem.acquire();
    co_await sem.acquire();
    Task<bool> t = loop_->create_task(sem.acquire());
    co_await sleep(0);
    EXPECT_EQ(sem.repr(), "<Semaphore [locked, waiters:1]>");
    sem.release();
    co_await t;
  };
  loop_->run_until_complete(main());
}

TEST_F(SemaphoreTest, SemaphoreHoldReleasesAtScopeExit) {
  // Python: s at value 2: async with s: print(s._value) -> 1; after -> 2
  Semaphore sem(2);
  auto main = [&]() -> Coro<void> {
    {
      Held<Semaphore> held = co_await sem.hold();
      EXPECT_EQ(sem.value(), 1);
    }
    EXPECT_EQ(sem.value(), 2);
  };
  loop_->run_until_complete(main());
}

TEST_F(SemaphoreTest, HeldOverReleasedBoundedSemaphoreAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  BoundedSemaphore bs(1);
  auto main = [&]() -> Coro<void> {
    Held<Semaphore> held = co_await bs.hold();
    bs.release();
  };
  EXPECT_DEATH(loop_->run_until_complete(main()),
               "releasing <BoundedSemaphore \\[unlocked, value:1\\]> at the end of its Held scope raised "
               "ValueError: BoundedSemaphore released too many times");
}

}  // namespace
}  // namespace seedloop
