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

#include <algorithm>
#include <cstdint>
#include <deque>
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
#include "tests/model/waiters_model.h"

namespace seedloop {
namespace {

using model::TaskEnd;

constexpr char kNotifyError[] = "cannot notify on un-acquired lock";
constexpr char kWaitError[] = "cannot wait on un-acquired lock";

// waiter: acquire; wait(); hold until its gate opens; release.
// holder: acquire; hold until its gate opens; release.
// stray:  wait() without the lock (raises RuntimeError).
enum class Kind { kWaiter, kHolder, kStray };
// Where a task is blocked: on the Lock (first acquire, or re-acquiring in
// wait()), on the Condition, or on its gate (an Event).
enum class Phase { kStart, kAcquire, kCondWait, kReacquire, kGate };

struct Worker {
  Kind kind = Kind::kWaiter;
  Phase phase = Phase::kStart;
  bool wait_cancelled = false;       // CancelledError ended the wait for a notification
  bool reacquire_cancelled = false;  // a re-acquire in wait() was cancelled
  bool gate_open = false;
};

struct Model {
  bool locked = false;
  std::deque<int> lock_waiters;  // futures, FIFO (locks.Lock._waiters)
  std::deque<int> cond_waiters;  // futures, FIFO (locks.Condition._waiters)
  std::vector<Worker> workers;   // by task
  int holder = -1;
  std::vector<int> woke;  // tasks, in the order wait() returned
  std::vector<std::string> errors;
  model::TaskLoop loop;

  // locks.Lock
  bool lock_try() {
    if (locked || !std::all_of(lock_waiters.begin(), lock_waiters.end(), [&](int f) { return loop.cancelled(f); })) {
      return false;
    }
    locked = true;
    return true;
  }
  void lock_wake_up_first() {
    if (!lock_waiters.empty() && !loop.done(lock_waiters.front())) loop.set_result(lock_waiters.front());
  }
  // The `await fut` in acquire() ended: true if the lock was taken.
  bool lock_resumed(int fut, bool cancelled) {
    lock_waiters.erase(std::find(lock_waiters.begin(), lock_waiters.end(), fut));
    if (cancelled) {
      if (!locked) lock_wake_up_first();
      return false;
    }
    locked = true;
    return true;
  }
  void lock_release() {
    locked = false;
    lock_wake_up_first();
  }

  void notify(int64_t n) {
    if (!locked) {
      errors.push_back(kNotifyError);
      return;
    }
    int64_t idx = 0;
    for (int f : cond_waiters) {
      if (idx >= n) break;
      if (!loop.done(f)) {
        ++idx;
        loop.set_result(f);
      }
    }
  }
  void open_gate(int t) {
    Worker& w = workers[t];
    w.gate_open = true;
    if (w.phase == Phase::kGate) {
      // Event.set(): the waiter's future, unless it is done (cancelled).
      const int f = gate_fut[t];
      if (!loop.done(f)) loop.set_result(f);
    }
  }

  // The workers, from where they were blocked (`fut`, -1: the first step)
  // to their next await or their end.
  void step(int t, int fut, bool cancelled) {
    Worker& w = workers[t];
    switch (w.phase) {
      case Phase::kStart:
        if (w.kind == Kind::kStray) {  // the command made sure the lock is free
          errors.push_back(kWaitError);
          loop.finish(t, TaskEnd::kReturned);
          return;
        }
        if (lock_try()) return took_lock(t);
        lock_waiters.push_back(loop.new_future(t));
        w.phase = Phase::kAcquire;
        return;
      case Phase::kAcquire:
        if (lock_resumed(fut, cancelled)) return took_lock(t);
        loop.finish(t, TaskEnd::kCancelled);
        return;
      case Phase::kCondWait:
        cond_waiters.erase(std::find(cond_waiters.begin(), cond_waiters.end(), fut));
        w.wait_cancelled = cancelled;
        return reacquire(t);
      case Phase::kReacquire:
        if (lock_resumed(fut, cancelled)) return wait_ended(t);
        w.reacquire_cancelled = true;
        return reacquire(t);
      case Phase::kGate:
        holder = -1;
        lock_release();
        loop.finish(t, cancelled ? TaskEnd::kCancelled : TaskEnd::kReturned);
        return;
    }
  }
  void took_lock(int t) {
    holder = t;
    if (workers[t].kind == Kind::kHolder) return gate(t);
    // wait()
    holder = -1;
    lock_release();
    cond_waiters.push_back(loop.new_future(t));
    workers[t].phase = Phase::kCondWait;
  }
  void reacquire(int t) {
    if (lock_try()) return wait_ended(t);
    lock_waiters.push_back(loop.new_future(t));
    workers[t].phase = Phase::kReacquire;
  }
  void wait_ended(int t) {
    holder = t;
    if (workers[t].wait_cancelled || workers[t].reacquire_cancelled) {
      holder = -1;
      lock_release();
      loop.finish(t, TaskEnd::kCancelled);
      return;
    }
    woke.push_back(t);
    gate(t);
  }
  // Event.wait() on the task's gate, then release.
  void gate(int t) {
    if (workers[t].gate_open) {
      holder = -1;
      lock_release();
      loop.finish(t, TaskEnd::kReturned);
      return;
    }
    gate_fut[t] = loop.new_future(t);
    workers[t].phase = Phase::kGate;
  }
  std::vector<int> gate_fut;  // by task

  void spawn(Kind kind) {
    loop.spawn();
    workers.push_back(Worker{kind});
    gate_fut.push_back(-1);
  }
  void run_once() {
    loop.run_once([this](int t, int fut, bool cancelled) { step(t, fut, cancelled); });
  }
  std::string cond_repr() const {
    std::string extra = locked ? "locked" : "unlocked";
    if (!cond_waiters.empty()) absl::StrAppend(&extra, ", waiters:", cond_waiters.size());
    return absl::StrCat("<Condition [", extra, "]>");
  }
  std::string lock_repr() const {
    std::string extra = locked ? "locked" : "unlocked";
    if (!lock_waiters.empty()) absl::StrAppend(&extra, ", waiters:", lock_waiters.size());
    return absl::StrCat("<Lock [", extra, "]>");
  }
};

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
}  // namespace seedloop
