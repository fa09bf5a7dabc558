// Model-based test of asyncio.Condition with cancelled waiters (rapidcheck
// state machine). Waiter tasks take the lock and wait(); holder tasks take
// the lock and keep it until the test lets them go; the test notifies from
// outside the loop (with or without the lock held), cancels tasks at any
// point (waiting for the lock, for a notification, woken and not run yet,
// re-acquiring the lock after a notification) and runs the loop one
// iteration at a time or until nothing moves. After every command the
// production Condition (over a Lock the test can see) must agree with a
// plain model of CPython 3.11.7's locks.Condition and locks.Lock, written
// from their source:
//
//   Lock.acquire(): takes the lock at once when `not _locked` and every
//     waiter is cancelled; else a future at the back of _waiters; when the
//     task resumes it leaves _waiters; on CancelledError, `if not _locked:
//     _wake_up_first()`; else `_locked = True`;
//   Lock.release(): `_locked = False; _wake_up_first()` (the first waiter's
//     future, if not done, gets a result);
//   Condition.wait(): RuntimeError('cannot wait on un-acquired lock') unless
//     locked(); release(); a future at the back of _waiters; when the task
//     resumes it leaves _waiters; then (`finally`) `while True: try: await
//     acquire(); break; except CancelledError: cancelled = True`, and raises
//     CancelledError if a re-acquire was cancelled, else what ended the wait
//     (bpo-22970: never without the lock);
//   Condition.notify(n): RuntimeError('cannot notify on un-acquired lock')
//     unless locked(); the first n waiters whose future is not done get a
//     result, in FIFO order; notify_all() is notify(len(_waiters)).
// Note that 3.11 does not pass on a notification whose waiter is cancelled
// before it runs (the woken waiter raises CancelledError, nobody else
// wakes); the model follows 3.11.7.
//
// Each task records when it holds the lock and when it releases it: a task
// must never think it holds the lock while the lock is free or held by
// another (`violations`). Compared after each command: the Condition's and
// the Lock's repr() (locked, number of waiters), which task holds the lock,
// the order in which wait() returned, the RuntimeErrors raised, every
// task's end (running, done, cancelled), and no violations.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/sync/condition.h"
#include "loop/sync/event.h"
#include "loop/sync/lock.h"
#include "loop/task.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/virtual_backend.h"
#include "tests/model/condition_model.h"
#include "tests/model/waiters_model.h"

namespace seedloop::condition_model {
namespace {

struct Sut {
  std::shared_ptr<EventLoop> loop = EventLoop::create(sim::new_virtual_backend());
  Lock lock;
  Condition cond{lock};
  std::vector<std::unique_ptr<Event>> gates;  // by task
  std::vector<Task<void>> tasks;
  int holder = -1;
  std::vector<int> woke;
  std::vector<std::string> errors;
  int violations = 0;

  ~Sut() {
    for (Task<void>& t : tasks) t.cancel();
    settle();
    loop->close();
  }
  void iterate() {
    loop->stop();
    loop->run_forever();
  }
  void settle() {
    for (int i = 0; i < model::kSettleIterations; ++i) iterate();
  }
  // Task `id` now holds the lock (acquire() or wait() returned or raised).
  void take(int id) {
    if (holder != -1 || !cond.locked()) ++violations;
    holder = id;
  }
  // Task `id` gives the lock up: release(), or wait() releases it.
  void give(int id, bool release) {
    if (holder != id || !cond.locked()) {
      ++violations;
      return;
    }
    holder = -1;
    if (release) cond.release();
  }
};

Coro<void> gate(Sut* s, int id) {
  try {
    co_await s->gates[id]->wait();
  } catch (const CancelledError&) {
    s->give(id, true);
    throw;
  }
  s->give(id, true);
}

Coro<void> waiter(Sut* s, int id) {
  co_await s->cond.acquire();
  s->take(id);
  s->give(id, false);  // wait() releases it
  try {
    co_await s->cond.wait();
  } catch (const CancelledError&) {
    s->take(id);  // wait() re-acquired the lock before raising
    s->give(id, true);
    throw;
  }
  s->take(id);
  s->woke.push_back(id);
  co_await gate(s, id);
}

Coro<void> holder(Sut* s, int id) {
  co_await s->cond.acquire();
  s->take(id);
  co_await gate(s, id);
}

Coro<void> stray(Sut* s) {
  try {
    co_await s->cond.wait();
  } catch (const RuntimeError& e) {
    s->errors.push_back(e.what());
  }
}

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.violations == 0);
  RC_ASSERT(s.cond.locked() == m.locked);
  RC_ASSERT(s.cond.repr() == m.cond_repr());
  RC_ASSERT(s.lock.repr() == m.lock_repr());
  RC_ASSERT(s.holder == m.holder);
  RC_ASSERT(s.woke == m.woke);
  RC_ASSERT(s.errors == m.errors);
  model::check_tasks(m.loop, s.tasks);
}

using Command = rc::state::Command<Model, Sut>;

// A task that takes the lock and waits on the condition.
struct SpawnWaiter : Command {
  void apply(Model& m) const override { m.spawn(Kind::kWaiter); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      s.gates.push_back(std::make_unique<Event>());
      s.tasks.push_back(s.loop->create_task(waiter(&s, m.loop.size())));
    });
  }
  void show(std::ostream& os) const override { os << "spawn waiter"; }
};

// A task that takes the lock and holds it until its gate opens.
struct SpawnHolder : Command {
  void apply(Model& m) const override { m.spawn(Kind::kHolder); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      s.gates.push_back(std::make_unique<Event>());
      s.tasks.push_back(s.loop->create_task(holder(&s, m.loop.size())));
    });
  }
  void show(std::ostream& os) const override { os << "spawn holder"; }
};

// A task that calls wait() without the lock, while the lock is free and
// nothing is queued to run before it: it must raise RuntimeError.
struct SpawnStray : Command {
  void checkPreconditions(const Model& m) const override { RC_PRE(!m.locked && m.loop.idle()); }
  void apply(Model& m) const override { m.spawn(Kind::kStray); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      s.gates.push_back(std::make_unique<Event>());
      s.tasks.push_back(s.loop->create_task(stray(&s)));
    });
  }
  void show(std::ostream& os) const override { os << "spawn a task that waits without the lock"; }
};

// The task holding the lock releases it (it runs in the next iteration).
struct ReleaseHolder : Command {
  void checkPreconditions(const Model& m) const override {
    RC_PRE((m.holder != -1 && !m.workers[m.holder].gate_open));  // (( )): RC_PRE(a && b) evaluates both
  }
  void apply(Model& m) const override { m.open_gate(m.holder); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] { s.gates[m.holder]->set(); });
  }
  void show(std::ostream& os) const override { os << "let the holder release"; }
};

// notify(n) from outside the loop (whoever holds the lock, or nobody).
struct Notify : Command {
  int64_t n = *rc::gen::resize(100, rc::gen::inRange<int64_t>(0, 4));  // resize: uniform
  void apply(Model& m) const override { m.notify(n); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      try {
        s.cond.notify(n);
      } catch (const RuntimeError& e) {
        s.errors.push_back(e.what());
      }
    });
  }
  void show(std::ostream& os) const override { os << "notify(" << n << ")"; }
};

struct NotifyAll : Command {
  void apply(Model& m) const override { m.notify(static_cast<int64_t>(m.cond_waiters.size())); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      try {
        s.cond.notify_all();
      } catch (const RuntimeError& e) {
        s.errors.push_back(e.what());
      }
    });
  }
  void show(std::ostream& os) const override { os << "notify_all()"; }
};

// notify(1) with the lock held wakes the first waiter, which is cancelled
// before it runs: it re-acquires the lock, then raises CancelledError; in
// 3.11 the notification is not passed on to the next waiter.
struct NotifyThenCancelWoken : Command {
  // The task notify(1) would wake, or -1.
  static int woken(const Model& m) {
    if (!m.locked) return -1;
    for (int f : m.cond_waiters) {
      if (!m.loop.done(f)) return m.loop.task_of(f);
    }
    return -1;
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(woken(m) != -1); }
  void apply(Model& m) const override {
    const int t = woken(m);
    m.notify(1);
    m.loop.cancel(t);
  }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      const int t = woken(m);
      s.cond.notify(1);
      RC_ASSERT(s.tasks[t].cancel());
    });
  }
  void show(std::ostream& os) const override { os << "notify(1), then cancel the woken waiter"; }
};

// Cancels the first task that was notified and waits to re-acquire the
// lock in wait(): it must keep trying, and raise only once it holds the
// lock (bpo-22970).
struct CancelReacquiring : Command {
  static int reacquiring(const Model& m) {
    for (int t = 0; t < m.loop.size(); ++t) {
      if (m.loop.live(t) && m.workers[t].phase == Phase::kReacquire) return t;
    }
    return -1;
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(reacquiring(m) != -1); }
  void apply(Model& m) const override { m.loop.cancel(reacquiring(m)); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] { RC_ASSERT(s.tasks[reacquiring(m)].cancel()); });
  }
  void show(std::ostream& os) const override { os << "cancel a waiter re-acquiring the lock"; }
};

RC_GTEST_PROP(ConditionModel, NotifiesInOrderAndWaitAlwaysReturnsOrRaisesHoldingTheLock, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<SpawnWaiter, SpawnHolder, SpawnStray, ReleaseHolder, Notify,
                                                     NotifyAll, NotifyThenCancelWoken, CancelReacquiring,
                                                     model::CancelTask<Model, Sut>,
                                                     model::RunOnce<Model, Sut>, model::Settle<Model, Sut>>());
}

}  // namespace
}  // namespace seedloop::condition_model
