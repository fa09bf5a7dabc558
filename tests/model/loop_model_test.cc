// Model-based test of the loop's scheduling contract (rapidcheck state
// machine): after every command the production EventLoop, on virtual time,
// must have run exactly what a plain model of CPython's
// base_events._run_once runs, in the same order.
//
// The model, written from CPython 3.11's base_events.py and heapq.py and
// sharing no code with loop/: a ready deque; a timer heap ordered by `when`
// alone with heapq's own sift algorithm (so equal deadlines come out in
// CPython's order, not insertion order); cancelled timers counted while in
// the heap, popped from its top, and the heap rebuilt when more than half of
// more than 100 are cancelled; one iteration runs the due timers after the
// ready callbacks already queued, and only the callbacks queued when the
// iteration began (a callback's call_soon waits for the next iteration).
//
// Commands: call_soon, call_soon of a callback that itself calls call_soon,
// call_later (0..4 ms: equal deadlines are common), cancel any handle made so
// far, advance the virtual clock, and run one iteration (stop() then
// run_forever(), which is one iteration in asyncio).

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <ostream>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

constexpr int64_t kMs = 1'000'000;

// ---- The model ----

struct ModelHandle {
  int id;
  int64_t when_ns;   // -1: a call_soon handle
  bool chained;      // runs a call_soon of a new handle
  bool cancelled = false;
  bool scheduled = false;  // in the timer heap (CPython's _scheduled)
};

struct Model {
  int64_t now_ns = 0;
  std::vector<ModelHandle> handles;  // by id
  std::deque<int> ready;
  std::vector<int> heap;  // ids; heapq on handles[id].when_ns
  int cancelled_in_heap = 0;
  std::vector<int> ran;

  bool less(int a, int b) const { return handles[a].when_ns < handles[b].when_ns; }

  // heapq._siftdown / _siftup, verbatim in structure.
  void siftdown(size_t start, size_t pos) {
    int item = heap[pos];
    while (pos > start) {
      size_t parent = (pos - 1) >> 1;
      if (less(item, heap[parent])) {
        heap[pos] = heap[parent];
        pos = parent;
        continue;
      }
      break;
    }
    heap[pos] = item;
  }
  void siftup(size_t pos) {
    const size_t end = heap.size(), start = pos;
    int item = heap[pos];
    size_t child = 2 * pos + 1;
    while (child < end) {
      size_t right = child + 1;
      if (right < end && !less(heap[child], heap[right])) child = right;
      heap[pos] = heap[child];
      pos = child;
      child = 2 * pos + 1;
    }
    heap[pos] = item;
    siftdown(start, pos);
  }
  void heappush(int id) {
    heap.push_back(id);
    siftdown(0, heap.size() - 1);
  }
  int heappop() {
    int last = heap.back();
    heap.pop_back();
    if (heap.empty()) return last;
    int top = heap[0];
    heap[0] = last;
    siftup(0);
    return top;
  }
  void heapify() {
    for (size_t i = heap.size() / 2; i-- > 0;) siftup(i);
  }

  int add(int64_t when_ns, bool chained) {
    handles.push_back(ModelHandle{static_cast<int>(handles.size()), when_ns, chained});
    return static_cast<int>(handles.size()) - 1;
  }

  // base_events._run_once with _stopping set (timeout 0, nothing to poll).
  void run_once() {
    if (heap.size() > 100 && 2 * cancelled_in_heap > static_cast<int>(heap.size())) {
      std::vector<int> kept;
      for (int id : heap) {
        if (handles[id].cancelled) {
          handles[id].scheduled = false;
        } else {
          kept.push_back(id);
        }
      }
      heap = std::move(kept);
      heapify();
      cancelled_in_heap = 0;
    } else {
      while (!heap.empty() && handles[heap[0]].cancelled) {
        --cancelled_in_heap;
        handles[heappop()].scheduled = false;
      }
    }
    const int64_t end_ns = now_ns + 1;  // the clock's resolution
    while (!heap.empty() && handles[heap[0]].when_ns < end_ns) {
      const int id = heappop();
      handles[id].scheduled = false;
      ready.push_back(id);
    }
    const size_t ntodo = ready.size();
    for (size_t i = 0; i < ntodo; ++i) {
      const int id = ready.front();
      ready.pop_front();
      if (handles[id].cancelled) continue;
      ran.push_back(id);
      if (handles[id].chained) ready.push_back(add(-1, false));
    }
  }
};

// ---- The system under test ----

struct Sut {
  sim::VirtualClock* clock = nullptr;
  std::shared_ptr<EventLoop> loop;
  std::vector<Handle> handles;  // by id, as the model's
  std::vector<int> ran;

  Sut() { loop = EventLoop::create(sim::new_virtual_backend({}, &clock)); }
  ~Sut() { loop->close(); }

  Callback callback(int id, bool chained) {
    return [this, id, chained] {
      ran.push_back(id);
      if (chained) {
        const int next = static_cast<int>(handles.size());
        handles.push_back(loop->call_soon(callback(next, false)));
      }
    };
  }
};

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.ran == m.ran);
  RC_ASSERT(s.clock->now_ns() == m.now_ns);
}

using Command = rc::state::Command<Model, Sut>;

struct CallSoon : Command {
  bool chained = *rc::gen::arbitrary<bool>();
  void apply(Model& m) const override { m.ready.push_back(m.add(-1, chained)); }
  void run(const Model& m, Sut& s) const override {
    s.handles.push_back(s.loop->call_soon(s.callback(static_cast<int>(s.handles.size()), chained)));
  }
  void show(std::ostream& os) const override { os << "call_soon" << (chained ? " (chained)" : ""); }
};

struct CallLater : Command {
  int delay_ms = *rc::gen::inRange(0, 5);
  void apply(Model& m) const override {
    const int id = m.add(m.now_ns + delay_ms * kMs, false);
    m.handles[id].scheduled = true;
    m.heappush(id);
  }
  void run(const Model& m, Sut& s) const override {
    s.handles.push_back(s.loop->call_later(delay_ms / 1000.0, s.callback(static_cast<int>(s.handles.size()), false)));
  }
  void show(std::ostream& os) const override { os << "call_later(" << delay_ms << " ms)"; }
};

struct Cancel : Command {
  int target;
  explicit Cancel(const Model& m) {
    RC_PRE(!m.handles.empty());
    target = *rc::gen::inRange<int>(0, static_cast<int>(m.handles.size()));
  }
  // Shrinking removes commands before this one: the handle must still exist.
  void checkPreconditions(const Model& m) const override { RC_PRE(target < static_cast<int>(m.handles.size())); }
  void apply(Model& m) const override {
    ModelHandle& h = m.handles[target];
    if (h.cancelled) return;
    h.cancelled = true;
    if (h.scheduled) ++m.cancelled_in_heap;  // loop._timer_handle_cancelled
  }
  void run(const Model& m, Sut& s) const override { s.handles[target].cancel(); }
  void show(std::ostream& os) const override { os << "cancel(" << target << ")"; }
};

struct Advance : Command {
  int ms = *rc::gen::inRange(0, 4);
  void apply(Model& m) const override { m.now_ns += ms * kMs; }
  void run(const Model& m, Sut& s) const override { s.clock->advance(ms * kMs); }
  void show(std::ostream& os) const override { os << "advance(" << ms << " ms)"; }
};

struct RunOnce : Command {
  void apply(Model& m) const override { m.run_once(); }
  void run(const Model& m, Sut& s) const override {
    s.loop->stop();
    s.loop->run_forever();
    Model next = m;
    next.run_once();
    check_agree(next, s);
  }
  void show(std::ostream& os) const override { os << "run_once"; }
};

RC_GTEST_PROP(LoopModel, EveryIterationRunsWhatCPythonsRunOnceRuns, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut, rc::state::gen::execOneOfWithArgs<CallSoon, CallLater, Cancel, Advance, RunOnce>());
}

}  // namespace
}  // namespace seedloop
