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
//
// Threadsafe arrivals (second property): the same model and commands on the
// simulated World in faithful mode (sim/world.h), plus call_soon_threadsafe
// from a simulated thread. CPython appends such a callback to _ready at call
// time (and _write_to_self wakes the selector); when a foreign thread calls
// is the world's business, and the World decides it with one tape choice per
// post, d in [0, threadsafe_max_delay]: the post is due at loop iteration
// (iterations so far + d), and the loop drains what is due twice per
// iteration, before and after its poll (EventLoop::run_once, World::drain).
// So a post made between iterations with d = 0 joins the ready queue at the
// next call_soon or at the start of the next iteration, whichever is first
// (as in CPython: before any later call_soon), with d >= 1 right after the
// poll of the d-th next iteration: either way behind the callbacks queued
// before, ahead of that iteration's due timers, and run in that iteration;
// posts that land together keep their post order. All posts come from the
// test's one thread, so none is due before the one posted before it
// (CPython lets two threads' calls land in either order, but not two calls
// of one thread; the LoopThreadsafeOrder tests at the end pin that). The
// test chooses d per post and feeds the World a strict replay tape of
// exactly those choices: faithful mode must ask for nothing else.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/simulation.h"
#include "sim/tape.h"
#include "sim/virtual_backend.h"
#include "sim/world.h"

namespace seedloop {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr uint32_t kThreadsafeMaxDelay = 2;  // SimulationOptions' default

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
  // Threadsafe posts not yet landed, in post order, with the iteration they
  // are due at; iterations run so far (the World's poll count).
  struct Arrival {
    int id;
    int64_t due;
  };
  std::vector<Arrival> arrivals;
  int64_t iterations = 0;
  int64_t last_due = 0;  // of the latest post (all come from the test's thread)

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

  // The posts due by now join the ready queue, in post order.
  void land_arrivals() {
    std::vector<Arrival> later;
    for (const Arrival& a : arrivals) {
      if (a.due <= iterations) {
        ready.push_back(a.id);
      } else {
        later.push_back(a);
      }
    }
    arrivals = std::move(later);
  }

  // base_events._run_once with _stopping set (timeout 0, nothing to poll).
  void run_once() {
    land_arrivals();  // before the poll
    ++iterations;     // the poll
    land_arrivals();  // after it
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

  std::shared_ptr<sim::World> world;

  Sut() { loop = EventLoop::create(sim::new_virtual_backend({}, &clock)); }
  // On the simulated World in faithful mode, replaying `tape`.
  explicit Sut(std::vector<sim::Choice> tape) {
    sim::SimulationOptions options;
    options.mode = sim::Mode::kFaithful;
    options.threadsafe_max_delay = kThreadsafeMaxDelay;
    world = std::make_shared<sim::World>(options, sim::Tape::replay(std::move(tape)));
    loop = EventLoop::create(world->make_backend());
    loop->set_observer(world.get());
  }
  ~Sut() {
    loop->close();
    if (world) {
      loop->set_observer(nullptr);
      world->discard_in_flight();
    }
  }

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
  RC_ASSERT(s.loop->time_ns() == m.now_ns);
  if (s.world) {
    RC_ASSERT(s.world->error().ok());
    RC_ASSERT(static_cast<int64_t>(s.world->polls()) == m.iterations);
  }
}

using Command = rc::state::Command<Model, Sut>;

struct CallSoon : Command {
  bool chained = *rc::gen::arbitrary<bool>();
  void apply(Model& m) const override {
    m.land_arrivals();  // CPython appended the posts due by now already
    m.ready.push_back(m.add(-1, chained));
  }
  void run(const Model&, Sut& s) const override {
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
  void run(const Model&, Sut& s) const override {
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
  void run(const Model&, Sut& s) const override { s.handles[target].cancel(); }
  void show(std::ostream& os) const override { os << "cancel(" << target << ")"; }
};

struct Advance : Command {
  int ms = *rc::gen::inRange(0, 4);
  void apply(Model& m) const override { m.now_ns += ms * kMs; }
  void run(const Model&, Sut& s) const override { s.clock->advance(ms * kMs); }
  void show(std::ostream& os) const override { os << "advance(" << ms << " ms)"; }
};

// call_soon_threadsafe from the test's thread, while the loop is between
// iterations; the World will land it `delay` iterations on (the tape
// choice this test feeds it).
struct CallSoonThreadsafe : Command {
  int delay = *rc::gen::inRange<int>(0, kThreadsafeMaxDelay + 1);
  void apply(Model& m) const override {
    // One thread's calls keep their order: never due before its last post.
    m.last_due = std::max(m.last_due, m.iterations + delay);
    m.arrivals.push_back(Model::Arrival{m.add(-1, false), m.last_due});
  }
  void run(const Model& m, Sut& s) const override {
    RC_ASSERT(!s.loop->is_running());  // so the call goes through the thread boundary
    s.handles.push_back(
        s.loop->call_soon_threadsafe(s.callback(static_cast<int>(s.handles.size()), false)));
    Model next = m;
    apply(next);
    check_agree(next, s);
  }
  void show(std::ostream& os) const override { os << "call_soon_threadsafe (lands after " << delay << ")"; }
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

RC_GTEST_PROP(LoopModel, ThreadsafeArrivalsLandWhereTheFaithfulWorldPromises, ()) {
  Model initial;
  const auto commands = *rc::state::gen::commands(
      initial, rc::state::gen::execOneOfWithArgs<CallSoon, CallLater, Cancel, CallSoonThreadsafe, RunOnce>());
  // The tape: one arrival choice per post, in command order.
  std::vector<sim::Choice> tape;
  for (const auto& command : commands) {
    if (const auto* post = dynamic_cast<const CallSoonThreadsafe*>(command.get())) {
      tape.push_back(sim::Choice{sim::ChoiceKind::kThreadsafeArrival, kThreadsafeMaxDelay + 1,
                                 static_cast<uint64_t>(post->delay)});
    }
  }
  Sut sut(tape);
  rc::state::runAll(commands, initial, sut);
  RC_ASSERT(sut.world->tape().unused() == 0u);  // every post asked, nothing else did
}

// ---- call_soon_threadsafe in CPython's call order ----
// Found by this model, fixed in EventLoop::schedule and World::post; both
// pass on CPython 3.11 (the python printed next to each).

// CPython appends to _ready at call time, so calls made while the loop is
// not running interleave with call_soon in call order (asyncio-semantics
// item 12):
//   loop = asyncio.new_event_loop(); out = []
//   loop.call_soon_threadsafe(out.append, "A"); loop.call_soon(out.append, "B")
//   loop.stop(); loop.run_forever(); print(out)        # ['A', 'B']
// seedloop posts through the thread boundary when the loop is not running;
// call_soon takes the arrivals first, so B stays behind A.
TEST(LoopThreadsafeOrder, CallSoonThreadsafeBeforeTheLoopRunsKeepsCallOrderWithCallSoon) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  std::vector<std::string> out;
  loop->call_soon_threadsafe([&] { out.push_back("A"); });
  loop->call_soon([&] { out.push_back("B"); });
  loop->stop();
  loop->run_forever();
  EXPECT_EQ(out, (std::vector<std::string>{"A", "B"}));
  loop->close();
}

// Two call_soon_threadsafe calls of one thread are two deque appends in
// CPython: they run in call order, whenever they land. The World chooses a
// landing iteration per post but never lands a thread's post before its
// earlier one: here an executor job posts A then B, the tape asks A to land
// one iteration later than B (faithful mode), and B waits for A.
TEST(LoopThreadsafeOrder, ThreadsafePostsOfOneSimulatedThreadKeepTheirOrder) {
  sim::SimulationOptions options;
  options.mode = sim::Mode::kFaithful;
  options.replay = std::vector<sim::Choice>{
      {sim::ChoiceKind::kExecutorDuration, options.executor_steps, 0},
      {sim::ChoiceKind::kThreadsafeArrival, options.threadsafe_max_delay + 1, 1},  // A
      {sim::ChoiceKind::kThreadsafeArrival, options.threadsafe_max_delay + 1, 0},  // B
  };
  // The rest (the job's result, asyncio.run's executor shutdown) read as 0.
  options.replay_mode = sim::Tape::Replay::kLenient;
  auto out = std::make_shared<std::vector<std::string>>();
  sim::Outcome outcome = sim::Simulation(options).run([out]() -> Coro<void> {
    std::shared_ptr<EventLoop> loop = get_running_loop();
    EventLoop* raw = loop.get();
    Future<void> job = loop->run_in_executor(nullptr, [raw, out] {
      raw->call_soon_threadsafe([out] { out->push_back("A"); });
      raw->call_soon_threadsafe([out] { out->push_back("B"); });
    });
    co_await job;
    for (int i = 0; i < 4; ++i) co_await yield_now();
  });
  ASSERT_TRUE(outcome.ok()) << outcome.describe();
  EXPECT_EQ(*out, (std::vector<std::string>{"A", "B"}));
}

}  // namespace
}  // namespace seedloop
