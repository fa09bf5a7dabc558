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
#include "tests/model/waiters_model.h"

namespace seedloop {
namespace {

struct Model {
  int spawned = 0;
  int next_item = 100;
  std::deque<int> items;
  std::deque<int> waiting;  // getters waiting, FIFO
  std::map<int, int> got;   // getter -> item
  std::vector<int> cancelled;

  // At rest: waiting getters take the queued items, first come first served.
  void settle() {
    while (!items.empty() && !waiting.empty()) {
      got[waiting.front()] = items.front();
      waiting.pop_front();
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

using Command = rc::state::Command<Model, Sut>;

struct SpawnGetter : Command {
  void apply(Model& m) const override {
    m.waiting.push_back(m.spawned++);
    m.settle();
  }
  void run(const Model& m, Sut& s) const override {
    model::run_and_check(*this, m, s, [&] { s.tasks.push_back(s.loop->create_task(getter(&s, m.spawned))); });
  }
  void show(std::ostream& os) const override { os << "spawn getter"; }
};

struct Put : Command {
  void apply(Model& m) const override {
    m.items.push_back(m.next_item++);
    m.settle();
  }
  void run(const Model& m, Sut& s) const override {
    model::run_and_check(*this, m, s, [&] { s.queue.put_nowait(m.next_item); });
  }
  void show(std::ostream& os) const override { os << "put"; }
};

// A put wakes the first getter, which is cancelled before it runs: the item
// must stay and go to the next getter.
struct PutThenCancelWoken : Command {
  void checkPreconditions(const Model& m) const override { RC_PRE(m.items.empty() && !m.waiting.empty()); }
  void apply(Model& m) const override {
    m.cancelled.push_back(m.waiting.front());
    m.waiting.pop_front();
    m.items.push_back(m.next_item++);
    m.settle();
  }
  void run(const Model& m, Sut& s) const override {
    model::run_and_check(*this, m, s, [&] {
      s.queue.put_nowait(m.next_item);
      s.tasks[m.waiting.front()].cancel();
    });
  }
  void show(std::ostream& os) const override { os << "put, then cancel the woken getter"; }
};

RC_GTEST_PROP(QueueModel, ItemsGoToGettersInOrderAndNoneIsLostToACancelledGetter, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut, rc::state::gen::execOneOfWithArgs<SpawnGetter, Put, model::CancelWaiter<Model, Sut>, PutThenCancelWoken>());
}

}  // namespace
}  // namespace seedloop
