// Model-based test of asyncio.Lock with cancelled waiters (rapidcheck state
// machine): tasks queue for one Lock, holders release, waiters are
// cancelled — also in the window between a release waking a waiter and that
// waiter running, where CPython's Lock.acquire must pass the wake-up on
// (locks.Lock.acquire: `except CancelledError: if not self._locked:
// self._wake_up_first()`; bpo-27585). After every command the loop runs
// until nothing moves, and the production Lock must agree with the model:
//
//   - the lock is held by the earliest waiter still waiting (FIFO), or by
//     nobody when nobody waits: no wake-up is lost, nobody barges ahead;
//   - every cancelled waiter's task ended cancelled.

#include <algorithm>
#include <deque>
#include <memory>
#include <ostream>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/sync/event.h"
#include "loop/sync/lock.h"
#include "loop/task.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/virtual_backend.h"
#include "tests/model/waiters_model.h"

namespace seedloop {
namespace {

struct Model {
  int spawned = 0;
  int holder = -1;
  std::deque<int> waiting;
  std::vector<int> cancelled;
};

// The next holder: the first waiter, who leaves the queue.
void give_to_first(Model& m) {
  if (m.waiting.empty()) {
    m.holder = -1;
    return;
  }
  m.holder = m.waiting.front();
  m.waiting.pop_front();
}

struct Sut;
Coro<void> worker(Sut* s, int id);

struct Sut {
  std::shared_ptr<EventLoop> loop = EventLoop::create(sim::new_virtual_backend());
  Lock lock;
  std::vector<std::unique_ptr<Event>> release;  // per task: set to make its holder release
  std::vector<Task<void>> tasks;
  int holding = -1;

  ~Sut() {
    for (Task<void>& t : tasks) t.cancel();
    settle();
    loop->close();
  }
  // One iteration (stop() then run_forever()).
  void iterate() {
    loop->stop();
    loop->run_forever();
  }
  // Until nothing moves: a hand-over takes a few iterations.
  void settle() {
    for (int i = 0; i < 16; ++i) iterate();
  }
};

Coro<void> worker(Sut* s, int id) {
  co_await s->lock.acquire();
  s->holding = id;
  co_await s->release[id]->wait();
  s->holding = -1;
  s->lock.release();
}

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.holding == m.holder);
  RC_ASSERT(s.lock.locked() == (m.holder != -1));
  for (int id : m.waiting) RC_ASSERT(!s.tasks[id].done());
  for (int id : m.cancelled) RC_ASSERT(s.tasks[id].cancelled());
}

using Command = rc::state::Command<Model, Sut>;

struct Spawn : Command {
  void apply(Model& m) const override {
    const int id = m.spawned++;
    if (m.holder == -1 && m.waiting.empty()) {
      m.holder = id;
    } else {
      m.waiting.push_back(id);
    }
  }
  void run(const Model& m, Sut& s) const override {
    model::run_and_check(*this, m, s, [&] {
      s.release.push_back(std::make_unique<Event>());
      s.tasks.push_back(s.loop->create_task(worker(&s, m.spawned)));
    });
  }
  void show(std::ostream& os) const override { os << "spawn"; }
};

struct Release : Command {
  void checkPreconditions(const Model& m) const override { RC_PRE(m.holder != -1); }
  void apply(Model& m) const override { give_to_first(m); }
  void run(const Model& m, Sut& s) const override {
    model::run_and_check(*this, m, s, [&] { s.release[m.holder]->set(); });
  }
  void show(std::ostream& os) const override { os << "release"; }
};

// The holder releases, which wakes the first waiter; that waiter is
// cancelled before it runs. The wake-up must pass to the next one.
struct ReleaseThenCancelWoken : Command {
  void checkPreconditions(const Model& m) const override { RC_PRE(m.holder != -1 && !m.waiting.empty()); }
  void apply(Model& m) const override {
    m.cancelled.push_back(m.waiting.front());
    m.waiting.pop_front();
    give_to_first(m);
  }
  void run(const Model& m, Sut& s) const override {
    model::run_and_check(*this, m, s, [&] {
      s.release[m.holder]->set();
      for (int i = 0; i < 16 && s.lock.locked(); ++i) s.iterate();  // the holder releases
      RC_ASSERT(!s.lock.locked());
      s.tasks[m.waiting.front()].cancel();
    });
  }
  void show(std::ostream& os) const override { os << "release, then cancel the woken waiter"; }
};

RC_GTEST_PROP(LockModel, HandsOverInOrderAndLosesNoWakeUpWhenWaitersAreCancelled, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut, rc::state::gen::execOneOfWithArgs<Spawn, Release, model::CancelWaiter<Model, Sut>, ReleaseThenCancelWoken>());
}

}  // namespace
}  // namespace seedloop
