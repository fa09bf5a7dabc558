// Model-based test of asyncio.Semaphore and asyncio.BoundedSemaphore with
// cancelled waiters (rapidcheck state machine). Tasks acquire one unit
// each; the test releases units from outside the loop (several at once,
// before the loop runs), cancels tasks (blocked, or woken and not run yet)
// and runs the loop one iteration at a time or until nothing moves. After
// every command the production semaphore must agree with a plain model of
// CPython 3.11.7's locks.Semaphore, written from its source:
//
//   locked():  `_value == 0 or any(not w.cancelled() for w in _waiters)`
//              (a waiter woken but not run yet still counts);
//   acquire(): `if not locked(): _value -= 1; return True`; else a future at
//              the back of _waiters; when the task resumes it leaves
//              _waiters; on CancelledError, `if not fut.cancelled():
//              _value += 1; _wake_up_next()` (a unit handed to it goes to
//              the next live waiter); else `if _value > 0: _wake_up_next()`;
//   release(): `_value += 1; _wake_up_next()`; BoundedSemaphore first raises
//              ValueError('BoundedSemaphore released too many times') when
//              `_value >= bound`;
//   _wake_up_next(): the first waiter whose future is not done gets it set,
//              `_value -= 1` on its behalf (no barging).
// (3.11.0-3.11.x patch releases differ here: this is the code of the
// python3 this was checked with, 3.11.7.)
//
// Compared after each command: value(), locked() and repr() (which shows
// the number of waiters still in _waiters), the order in which tasks
// acquired, every task's end (running, done, cancelled), and the
// ValueErrors release() raised.

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
#include "loop/sync/semaphore.h"
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
  bool bounded = false;
  int64_t bound = 1;  // the initial value
  int64_t value = 1;
  std::deque<int> waiters;  // futures, FIFO (locks.Semaphore._waiters)
  std::vector<int> order;   // tasks, in the order they acquired
  int value_errors = 0;     // ValueErrors raised by release()
  model::TaskLoop loop;

  bool locked() const {
    return value == 0 || std::any_of(waiters.begin(), waiters.end(), [&](int f) { return !loop.cancelled(f); });
  }
  void wake_up_next() {
    for (int f : waiters) {
      if (!loop.done(f)) {
        --value;
        loop.set_result(f);
        return;
      }
    }
  }
  void release() {
    if (bounded && value >= bound) {
      ++value_errors;
      return;
    }
    ++value;
    wake_up_next();
  }
  // The worker, `await sem.acquire(); order.append(id)`, from `fut` (-1:
  // its first step) to its next await or its end.
  void step(int t, int fut, bool cancelled) {
    if (fut < 0) {
      if (!locked()) {
        --value;
        order.push_back(t);
        loop.finish(t, TaskEnd::kReturned);
        return;
      }
      waiters.push_back(loop.new_future(t));
      return;
    }
    waiters.erase(std::find(waiters.begin(), waiters.end(), fut));
    if (cancelled) {
      if (!loop.cancelled(fut)) {
        ++value;
        wake_up_next();
      }
      loop.finish(t, TaskEnd::kCancelled);
      return;
    }
    if (value > 0) wake_up_next();
    order.push_back(t);
    loop.finish(t, TaskEnd::kReturned);
  }
  void run_once() {
    loop.run_once([this](int t, int fut, bool cancelled) { step(t, fut, cancelled); });
  }
  std::string repr() const {
    std::string extra = locked() ? "locked" : absl::StrCat("unlocked, value:", value);
    if (!waiters.empty()) absl::StrAppend(&extra, ", waiters:", waiters.size());
    return absl::StrCat("<", bounded ? "BoundedSemaphore" : "Semaphore", " [", extra, "]>");
  }
};

struct Sut {
  std::shared_ptr<EventLoop> loop = EventLoop::create(sim::new_virtual_backend());
  std::unique_ptr<Semaphore> sem;
  std::vector<Task<void>> tasks;
  std::vector<int> order;
  int value_errors = 0;

  explicit Sut(const Model& m)
      : sem(m.bounded ? std::make_unique<BoundedSemaphore>(m.value) : std::make_unique<Semaphore>(m.value)) {}
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

Coro<void> worker(Sut* s, int id) {
  co_await s->sem->acquire();
  s->order.push_back(id);
}

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.sem->value() == m.value);
  RC_ASSERT(s.sem->locked() == m.locked());
  RC_ASSERT(s.sem->repr() == m.repr());
  RC_ASSERT(s.order == m.order);
  RC_ASSERT(s.value_errors == m.value_errors);
  model::check_tasks(m.loop, s.tasks);
}

using Command = rc::state::Command<Model, Sut>;

// A task that acquires one unit (it starts in the next iteration).
struct Spawn : Command {
  void apply(Model& m) const override { m.loop.spawn(); }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] { s.tasks.push_back(s.loop->create_task(worker(&s, m.loop.size()))); });
  }
  void show(std::ostream& os) const override { os << "spawn"; }
};

// release() `times` times in a row, from outside the loop.
struct Release : Command {
  int times = *rc::gen::resize(100, rc::gen::inRange(1, 4));  // resize: uniform
  void apply(Model& m) const override {
    for (int i = 0; i < times; ++i) m.release();
  }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      for (int i = 0; i < times; ++i) {
        try {
          s.sem->release();
        } catch (const ValueError& e) {
          RC_ASSERT(std::string(e.what()) == "BoundedSemaphore released too many times");
          ++s.value_errors;
        }
      }
    });
  }
  void show(std::ostream& os) const override { os << "release x" << times; }
};

// release() hands a unit to the first waiter, which is cancelled before it
// runs: the unit must go on to the next live waiter (3.11.7's acquire:
// `except CancelledError: if not fut.cancelled(): self._value += 1;
// self._wake_up_next()`; python/asyncio#270, gh-90155).
struct ReleaseThenCancelWoken : Command {
  // The task release() would wake, or -1.
  static int woken(const Model& m) {
    if (m.bounded && m.value >= m.bound) return -1;
    for (int f : m.waiters) {
      if (!m.loop.done(f)) return m.loop.task_of(f);
    }
    return -1;
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(woken(m) != -1); }
  void apply(Model& m) const override {
    const int t = woken(m);
    m.release();
    m.loop.cancel(t);
  }
  void run(const Model& m, Sut& s) const override {
    model::act_and_check(*this, m, s, [&] {
      s.sem->release();
      RC_ASSERT(s.tasks[woken(m)].cancel());
    });
  }
  void show(std::ostream& os) const override { os << "release, then cancel the woken waiter"; }
};

void check(bool bounded) {
  Model initial;
  initial.bounded = bounded;
  initial.bound = initial.value = *rc::gen::resize(100, rc::gen::inRange<int64_t>(0, 3));
  RC_TAG(bounded ? "BoundedSemaphore" : "Semaphore", initial.value);
  Sut sut(initial);
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<Spawn, Release, ReleaseThenCancelWoken, model::CancelTask<Model, Sut>,
                                                     model::RunOnce<Model, Sut>, model::Settle<Model, Sut>>());
}

RC_GTEST_PROP(SemaphoreModel, HandsUnitsOverInOrderAndLosesNoneToCancelledWaiters, ()) { check(false); }

RC_GTEST_PROP(BoundedSemaphoreModel, HandsUnitsOverInOrderAndRaisesWhenReleasedTooManyTimes, ()) { check(true); }

}  // namespace
}  // namespace seedloop
