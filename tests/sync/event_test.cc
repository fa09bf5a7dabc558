// asyncio.Event's contract (asyncio-semantics item 50). The Python program
// in each comment is the same scenario; the trace quoted is what python3
// (CPython 3.11.7) printed for it.

#include "loop/sync/event.h"

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

class EventTest : public LoopTest {
 protected:
  // Python: async def waiter(name): trace(f'{name} waits');
  //   r = await ev.wait(); trace(f'{name} woke {r} is_set={ev.is_set()}')
  Coro<void> waiter(std::string name) {
    trace_.push_back(name + " waits");
    bool r = co_await event_.wait();
    trace_.push_back(name + " woke " + py_bool(r) + " is_set=" + py_bool(event_.is_set()));
  }
  // Python: like waiter, but records a cancellation.
  Coro<void> cancellable_waiter(std::string name) {
    trace_.push_back(name + " waits");
    try {
      co_await event_.wait();
    } catch (const CancelledError&) {
      trace_.push_back(name + " cancelled");
      throw;
    }
    trace_.push_back(name + " woke");
  }

  Event event_;
  Trace trace_;
};

TEST_F(EventTest, EventSetWakesEveryWaiterInFifoOrder) {
  // Python: A, B, C wait; ev.set(); trace('set')
  // -> ['A waits', 'B waits', 'C waits', 'set', 'A woke True is_set=True',
  //     'B woke True is_set=True', 'C woke True is_set=True']
  auto main = [&]() -> Coro<void> {
    std::vector<Task<void>> tasks;
    for (const char* name : {"A", "B", "C"}) tasks.push_back(loop_->create_task(waiter(name)));
    co_await sleep(0);
    event_.set();
    trace_.push_back("set");
    for (Task<void>& t : tasks) co_await t;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "C waits", "set", "A woke True is_set=True",
                           "B woke True is_set=True", "C woke True is_set=True"}));
}

TEST_F(EventTest, EventSetThenClearStillWakesWaiters) {
  // Python: A, B wait; ev.set(); ev.clear()
  // -> ['A waits', 'B waits', 'set+clear is_set=False',
  //     'A woke True is_set=False', 'B woke True is_set=False']
  auto main = [&]() -> Coro<void> {
    Task<void> a = loop_->create_task(waiter("A"));
    Task<void> b = loop_->create_task(waiter("B"));
    co_await sleep(0);
    event_.set();
    event_.clear();
    trace_.push_back(std::string("set+clear is_set=") + py_bool(event_.is_set()));
    co_await a;
    co_await b;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "set+clear is_set=False", "A woke True is_set=False",
                           "B woke True is_set=False"}));
}

TEST_F(EventTest, EventWaitWhenSetTakesNoIteration) {
  // Python: ev.set(); call_soon(trace 'callback'); r = await ev.wait()
  // -> ['wait -> True', 'callback']
  auto main = [&]() -> Coro<void> {
    event_.set();
    loop_->call_soon([&] { trace_.push_back("callback"); });
    bool r = co_await event_.wait();
    trace_.push_back(std::string("wait -> ") + py_bool(r));
    co_await sleep(0);
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"wait -> True", "callback"}));
}

TEST_F(EventTest, CancelledEventWaiterLeavesAndOthersStillWake) {
  // Python: A, B wait; a.cancel(); await sleep(0); repr(ev); ev.set()
  // -> ['A waits', 'B waits', 'A cancelled', 'unset, waiters:1]>', 'B woke'];
  //    a.cancelled() True
  Task<void> a;
  auto main = [&]() -> Coro<void> {
    a = loop_->create_task(cancellable_waiter("A"));
    Task<void> b = loop_->create_task(cancellable_waiter("B"));
    co_await sleep(0);
    a.cancel();
    co_await sleep(0);
    trace_.push_back(event_.repr());
    event_.set();
    co_await b;
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "B waits", "A cancelled", "<Event [unset, waiters:1]>", "B woke"}));
  EXPECT_TRUE(a.cancelled());
  EXPECT_EQ(event_.repr(), "<Event [set]>");
}

TEST_F(EventTest, EventWaiterCancelledAfterSetRaisesCancelledError) {
  // Python: A waits; ev.set(); a.cancel(); await sleep(0)
  // -> ['A waits', 'A cancelled']; a.cancelled() True
  Task<void> a;
  auto main = [&]() -> Coro<void> {
    a = loop_->create_task(cancellable_waiter("A"));
    co_await sleep(0);
    event_.set();
    a.cancel();
    co_await sleep(0);
  };
  loop_->run_until_complete(main());
  EXPECT_EQ(trace_, (Trace{"A waits", "A cancelled"}));
  EXPECT_TRUE(a.cancelled());
}

}  // namespace
}  // namespace seedloop
