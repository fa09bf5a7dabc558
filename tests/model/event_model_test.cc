// Model-based test of asyncio.Event with cancelled waiters (rapidcheck state
// machine). Tasks wait() on one Event; the test sets and clears it from
// outside the loop, cancels tasks (blocked, or woken and not run yet) and
// runs the loop one iteration at a time or until nothing moves. After every
// command the production Event must agree with a plain model of CPython
// 3.11's locks.Event, written from its source:
//
//   wait():  `if self._value: return True` (no iteration); else a future at
//            the back of _waiters; the task leaves _waiters when it resumes
//            (`finally`), and returns True unless CancelledError was thrown;
//   set():   `if not self._value: self._value = True` and every waiter's
//            future that is not done gets a result, in FIFO order; a clear()
//            before they run does not stop them;
//   clear(): `self._value = False`, nothing else.
//
// Compared after each command: is_set(), repr() (which shows the number of
// futures still in _waiters), the order in which tasks returned from wait()
// and every task's end (running, done, cancelled).

#include <algorithm>
#include <deque>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/sync/event.h"
#include "loop/task.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/virtual_backend.h"
#include "tests/model/waiters_model.h"

namespace seedloop {
namespace {

using model::TaskEnd;

struct Model {
  bool value = false;
  std::deque<int> waiters;  // futures, FIFO (locks.Event._waiters)
  std::vector<int> woke;    // tasks, in the order wait() returned
  model::TaskLoop loop;

  // The worker, `await ev.wait(); woke.append(id)`.
  void step(int t, int fut, bool cancelled) {
    if (fut < 0) {
      if (value) {
        woke.push_back(t);
        loop.finish(t, TaskEnd::kReturned);
        return;
      }
      waiters.push_back(loop.new_future(t));
      return;
    }
    waiters.erase(std::find(waiters.begin(), waiters.end(), fut));
    if (cancelled) {
      loop.finish(t, TaskEnd::kCancelled);
      return;
    }
    woke.push_back(t);
    loop.finish(t, TaskEnd::kReturned);
  }
  void run_once() {
    loop.run_once([this](int t, int fut, bool cancelled) { step(t, fut, cancelled); });
  }
  void set() {
    if (value) return;
    value = true;
    for (int f : waiters) {
      if (!loop.done(f)) loop.set_result(f);
    }
  }
  std::string repr() const {
    std::string extra = value ? "set" : "unset";
    if (!waiters.empty()) absl::StrAppend(&extra, ", waiters:", waiters.size());
    return absl::StrCat("<Event [", extra, "]>");
  }
};

struct Sut {
  std::shared_ptr<EventLoop> loop = EventLoop::create(sim::new_virtual_backend());
  Event event;
  std::vector<Task<void>> tasks;
  std::vector<int> woke;

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
};

Coro<void> waiter(Sut* s, int id) {
  const bool returned = co_await s->event.wait();  // True
  if (returned) s->woke.push_back(id);
}

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.event.is_set() == m.value);
  RC_ASSERT(s.event.repr() == m.repr());
  RC_ASSERT(s.woke == m.woke);
  model::check_tasks(m.loop, s.tasks);
}

using Command = rc::state::Command<Model, Sut>;

// A task that waits on the event (it starts in the next iteration).
struct SpawnWaiter : Command {
  void apply(Model& m) const override { m.loop.spawn(); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] { s.tasks.push_back(s.loop->create_task(waiter(&s, m.loop.size()))); });
  }
  void show(std::ostream& os) const override { os << "spawn waiter"; }
};

struct Set : Command {
  void apply(Model& m) const override { m.set(); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] { s.event.set(); });
  }
  void show(std::ostream& os) const override { os << "set"; }
};

struct Clear : Command {
  void apply(Model& m) const override { m.value = false; }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] { s.event.clear(); });
  }
  void show(std::ostream& os) const override { os << "clear"; }
};

RC_GTEST_PROP(EventModel, SetWakesEveryWaiterEvenIfClearedBeforeTheyRun, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<SpawnWaiter, Set, Clear, model::CancelTask<Model, Sut>,
                                                     model::RunOnce<Model, Sut>, model::Settle<Model, Sut>>());
}

}  // namespace
}  // namespace seedloop
