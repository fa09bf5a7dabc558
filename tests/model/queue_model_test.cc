// Model-based test of asyncio.Queue with cancelled getters (rapidcheck state
// machine): tasks wait in get(), items are put, getters are cancelled —
// also right after a put woke one and before it ran, where CPython's
// Queue.get must leave the item and wake the next getter (queues.Queue.get:
// `if not self.empty() and not getter.cancelled(): self._wakeup_next(...)`;
// bpo-23812). After every command the loop runs until nothing moves, and
// the production Queue must agree with the model: items go to getters in
// FIFO order, none is lost or handed to a cancelled getter, and every
// cancelled getter's task ended cancelled.

#include <deque>
#include <map>
#include <memory>
#include <ostream>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/sync/queue.h"
#include "loop/task.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

struct Model {
  int spawned = 0;
  int next_item = 100;
  std::deque<int> items;
  std::deque<int> getters;  // waiting, FIFO
  std::map<int, int> got;   // getter -> item
  std::vector<int> cancelled;

  // At rest: waiting getters take the queued items, first come first served.
  void settle() {
    while (!items.empty() && !getters.empty()) {
      got[getters.front()] = items.front();
      getters.pop_front();
      items.pop_front();
    }
  }
};

struct Sut {
  std::shared_ptr<EventLoop> loop = EventLoop::create(sim::new_virtual_backend());
  Queue<int> queue;
  std::vector<Task<void>> tasks;
  std::map<int, int> got;

  ~Sut() {
    for (Task<void>& t : tasks) t.cancel();
    settle();
    loop->close();
  }
  void settle() {
    for (int i = 0; i < 16; ++i) {
      loop->stop();
      loop->run_forever();
    }
  }
};

Coro<void> getter(Sut* s, int id) {
  const int item = co_await s->queue.get();
  s->got[id] = item;
}

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.got == m.got);
  RC_ASSERT(s.queue.qsize() == m.items.size());
  for (int id : m.cancelled) RC_ASSERT(s.tasks[id].cancelled());
}

// Runs `act` on the system, then the model's `apply`, and compares at rest.
template <typename Cmd, typename Act>
void run_and_check(const Cmd& cmd, const Model& m, Sut& s, Act act) {
  act();
  s.settle();
  Model next = m;
  cmd.apply(next);
  check_agree(next, s);
}

using Command = rc::state::Command<Model, Sut>;

struct SpawnGetter : Command {
  void apply(Model& m) const override {
    m.getters.push_back(m.spawned++);
    m.settle();
  }
  void run(const Model& m, Sut& s) const override {
    run_and_check(*this, m, s, [&] { s.tasks.push_back(s.loop->create_task(getter(&s, m.spawned))); });
  }
  void show(std::ostream& os) const override { os << "spawn getter"; }
};

struct Put : Command {
  void apply(Model& m) const override {
    m.items.push_back(m.next_item++);
    m.settle();
  }
  void run(const Model& m, Sut& s) const override {
    run_and_check(*this, m, s, [&] { s.queue.put_nowait(m.next_item); });
  }
  void show(std::ostream& os) const override { os << "put"; }
};

struct CancelGetter : Command {
  size_t index;
  explicit CancelGetter(const Model& m) {
    RC_PRE(!m.getters.empty());
    index = *rc::gen::inRange<size_t>(0, m.getters.size());
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(index < m.getters.size()); }
  void apply(Model& m) const override {
    m.cancelled.push_back(m.getters[index]);
    m.getters.erase(m.getters.begin() + static_cast<long>(index));
  }
  void run(const Model& m, Sut& s) const override {
    run_and_check(*this, m, s, [&] { s.tasks[m.getters[index]].cancel(); });
  }
  void show(std::ostream& os) const override { os << "cancel getter #" << index; }
};

// A put wakes the first getter, which is cancelled before it runs: the item
// must stay and go to the next getter.
struct PutThenCancelWoken : Command {
  void checkPreconditions(const Model& m) const override { RC_PRE(m.items.empty() && !m.getters.empty()); }
  void apply(Model& m) const override {
    m.cancelled.push_back(m.getters.front());
    m.getters.pop_front();
    m.items.push_back(m.next_item++);
    m.settle();
  }
  void run(const Model& m, Sut& s) const override {
    run_and_check(*this, m, s, [&] {
      s.queue.put_nowait(m.next_item);
      s.tasks[m.getters.front()].cancel();
    });
  }
  void show(std::ostream& os) const override { os << "put, then cancel the woken getter"; }
};

RC_GTEST_PROP(QueueModel, ItemsGoToGettersInOrderAndNoneIsLostToACancelledGetter, ()) {
  Model model;
  Sut sut;
  rc::state::check(model, sut, rc::state::gen::execOneOfWithArgs<SpawnGetter, Put, CancelGetter, PutThenCancelWoken>());
}

}  // namespace
}  // namespace seedloop
