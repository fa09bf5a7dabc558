// asyncio.Barrier's contract (new in 3.11). The Python program in each
// comment is the same scenario; the trace quoted is what python3 (CPython
// 3.11.7) printed for it.

#include "loop/sync/barrier.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

class BarrierTest : public LoopTest {
 protected:
  // Python: async def party(name):
  //   trace(f'{name} arrives n_waiting={b.n_waiting}')
  //   try: i = await b.wait()
  //   except BrokenBarrierError as e: trace(f'{name} {type(e).__name__}({e})'); return
  //   trace(f'{name} index {i}')
  Coro<void> party(std::string name) {
    trace_.push_back(name + " arrives n_waiting=" + std::to_string(barrier_.n_waiting()));
    int i = 0;
    try {
      i = co_await barrier_.wait();
    } catch (const BrokenBarrierError& e) {
      trace_.push_back(name + " " + e.type_name() + "(" + e.message() + ")");
      co_return;
    }
    trace_.push_back(name + " index " + std::to_string(i));
  }
  // Creates one party task per name.
  std::vector<Task<void>> parties(const std::string& names) {
    std::vector<Task<void>> tasks;
    for (char c : names) tasks.push_back(loop_->create_task(party(std::string(1, c))));
    return tasks;
  }
  static Coro<void> await_all(std::vector<Task<void>> tasks) {
    for (Task<void>& t : tasks) co_await t;
  }

  Barrier barrier_{3};
  Trace trace_;
};

TEST_F(BarrierTest, BarrierPartiesMustBePositive) {
  // Python: asyncio.Barrier(0) -> ValueError('parties must be > 0')
  try {
    Barrier b(0);
    FAIL() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "parties must be > 0");
  }
  EXPECT_EQ(barrier_.parties(), 3);
}

TEST_F(BarrierTest, BarrierReleasesAllPartiesWithArrivalIndices) {
  // Python: b = Barrier(3); parties A, B, C
  // -> ['A arrives n_waiting=0', 'B arrives n_waiting=1',
  //     'C arrives n_waiting=2', 'C index 2', 'A index 0', 'B index 1'];
  //    repr: 'filling, waiters:0/3'
  loop_->run_until_complete(await_all(parties("ABC")));
  EXPECT_EQ(trace_, (Trace{"A arrives n_waiting=0", "B arrives n_waiting=1", "C arrives n_waiting=2", "C index 2",
                           "A index 0", "B index 1"}));
  EXPECT_EQ(barrier_.repr(), "<Barrier [filling, waiters:0/3]>");
}

TEST_F(BarrierTest, BarrierArrivalsWhileDrainingWaitForTheNextRound) {
  // Python: b = Barrier(3); parties A..F created together
  // -> ['A arrives n_waiting=0', 'B arrives n_waiting=1',
  //     'C arrives n_waiting=2', 'C index 2', 'D arrives n_waiting=0',
  //     'E arrives n_waiting=0', 'F arrives n_waiting=0', 'A index 0',
  //     'B index 1', 'F index 2', 'D index 0', 'E index 1']
  loop_->run_until_complete(await_all(parties("ABCDEF")));
  EXPECT_EQ(trace_, (Trace{"A arrives n_waiting=0", "B arrives n_waiting=1", "C arrives n_waiting=2", "C index 2",
                           "D arrives n_waiting=0", "E arrives n_waiting=0", "F arrives n_waiting=0", "A index 0",
                           "B index 1", "F index 2", "D index 0", "E index 1"}));
}

TEST_F(BarrierTest, BarrierAbortBreaksWaitersAndLaterArrivals) {
  // Python: A, B wait; await b.abort(); then party C
  // -> ['A arrives n_waiting=0', 'B arrives n_waiting=1', (broken=True,
  //     repr 'broken'), 'A BrokenBarrierError(Abort or reset of barrier)',
  //     'B BrokenBarrierError(Abort or reset of barrier)',
  //     'C arrives n_waiting=0', 'C BrokenBarrierError(Barrier aborted)']
  auto main = [&]() -> Coro<void> {
    std::vector<Task<void>> tasks = parties("AB");
    co_await sleep(0);
    co_await barrier_.abort();
    EXPECT_TRUE(barrier_.broken());
    trace_.push_back("aborted " + barrier_.repr());
    co_await await_all(std::move(tasks));
    co_await party("C");
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A arrives n_waiting=0", "B arrives n_waiting=1", "aborted <Barrier [broken]>",
                           "A BrokenBarrierError(Abort or reset of barrier)",
                           "B BrokenBarrierError(Abort or reset of barrier)", "C arrives n_waiting=0",
                           "C BrokenBarrierError(Barrier aborted)"}));
  EXPECT_EQ(barrier_.n_waiting(), 0);
}

TEST_F(BarrierTest, BarrierResetBreaksWaitersAndRefills) {
  // Python: abort, then await b.reset() (repr 'filling, waiters:0/3');
  //   A, B wait; await b.reset() (repr 'resetting, waiters:0/3'); then
  //   D, E, F make a full round
  // -> ['A arrives n_waiting=0', 'B arrives n_waiting=1',
  //     'A BrokenBarrierError(Abort or reset of barrier)',
  //     'B BrokenBarrierError(Abort or reset of barrier)',
  //     (repr 'filling, waiters:0/3'), 'D arrives n_waiting=0',
  //     'E arrives n_waiting=1', 'F arrives n_waiting=2', 'F index 2',
  //     'D index 0', 'E index 1']
  auto main = [&]() -> Coro<void> {
    co_await barrier_.abort();
    co_await barrier_.reset();
    EXPECT_FALSE(barrier_.broken());
    EXPECT_EQ(barrier_.repr(), "<Barrier [filling, waiters:0/3]>");
    std::vector<Task<void>> tasks = parties("AB");
    co_await sleep(0);
    co_await barrier_.reset();
    EXPECT_EQ(barrier_.repr(), "<Barrier [resetting, waiters:0/3]>");
    co_await await_all(std::move(tasks));
    EXPECT_EQ(barrier_.repr(), "<Barrier [filling, waiters:0/3]>");
    co_await await_all(parties("DEF"));
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A arrives n_waiting=0", "B arrives n_waiting=1",
                           "A BrokenBarrierError(Abort or reset of barrier)",
                           "B BrokenBarrierError(Abort or reset of barrier)", "D arrives n_waiting=0",
                           "E arrives n_waiting=1", "F arrives n_waiting=2", "F index 2", "D index 0",
                           "E index 1"}));
}

TEST_F(BarrierTest, BarrierCancelledWaiterLeavesTheCount) {
  // Python: A, B wait (n_waiting=2); A cancelled; then C, D arrive. The
  //   index of a departed party is reused, as in CPython.
  // -> ['A arrives n_waiting=0', 'B arrives n_waiting=1', 'n_waiting=2',
  //     'after cancel n_waiting=1 A cancelled=True', 'C arrives n_waiting=1',
  //     'D arrives n_waiting=2', 'D index 2', 'B index 1', 'C index 1']
  auto main = [&]() -> Coro<void> {
    std::vector<Task<void>> tasks = parties("AB");
    co_await sleep(0);
    trace_.push_back("n_waiting=" + std::to_string(barrier_.n_waiting()));
    tasks[0].cancel();
    co_await sleep(0);
    trace_.push_back("after cancel n_waiting=" + std::to_string(barrier_.n_waiting()) +
                     " A cancelled=" + (tasks[0].cancelled() ? "True" : "False"));
    std::vector<Task<void>> more = parties("CD");
    co_await tasks[1];
    co_await await_all(std::move(more));
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A arrives n_waiting=0", "B arrives n_waiting=1", "n_waiting=2",
                           "after cancel n_waiting=1 A cancelled=True", "C arrives n_waiting=1",
                           "D arrives n_waiting=2", "D index 2", "B index 1", "C index 1"}));
}

}  // namespace
}  // namespace seedloop
