// sim_bench: throughput of the deterministic simulator (Google Benchmark).
//
//   bazel run --config=opt //tools/bench:sim_bench
//   bazel run --config=opt //tools/bench:sim_bench -- --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true        (one line)
//
// Workloads (BENCHMARKS.md, section "Simulator", has the numbers):
//
//   BM_SeedsPerSecond_Reference100/{faithful,chaos}
//       One full sim::Simulation::run of sim::reference_workload(100) per
//       iteration (asyncio.run on the simulated loop: main task, shutdown,
//       close), a fresh seed each iteration, TraceLevel::kHashOnly, and
//       detect_real_threads off, as sim::sweep runs each seed (it counts
//       threads once around the sweep). items = seeds (runs). The issue's
//       target: >= 10,000 seeds/s per core in an opt build.
//   BM_Reference100_Sim/{faithful,chaos}_record
//   BM_Reference100_Sim/{faithful,chaos}_hash_threadcheck
//       The same run with the trace kept (kRecord); or hashed only with
//       SimulationOptions::detect_real_threads on (a single run's default:
//       it lists /proc/self/task before and after the run). items = seeds.
//   BM_Simulation_EmptyProgram/{threadcheck,nothreadcheck}
//       Simulation::run of a coroutine that returns at once: the fixed cost
//       of a run (World, loop, shutdown, close, and the /proc/self/task
//       listings when detect_real_threads is on). items = runs.
//   BM_Reference100_VirtualLoop/{no_observer,null_observer,trace_observer}
//       The same program, run as Simulation::run runs it (a fresh loop, main
//       as a task in a copy of the context, runner_shutdown, close), on
//       sim::new_virtual_backend() instead of the simulated World: the pure
//       loop cost; then with an observer that does nothing (the virtual
//       dispatch of every event) and with one that feeds every event to a
//       sim::Trace at kHashOnly (the word hash). items = runs.
//   BM_VirtualHour_100kTimers/{faithful,chaos}
//       Simulation::run_setup: 100,000 call_at_ns timers with deadlines spread
//       over one virtual hour (xorshift, ns resolution); run until quiescent.
//       Time per run (wall); items = timers.
//   BM_VirtualHour_100kSleeps/{faithful,chaos}
//       Simulation::run: 1,000 tasks, each sleeps 100 times 36 s (task i
//       first sleeps i ms, so deadlines are distinct): 100,000 sleeps over one
//       virtual hour. items = sleeps.
//   BM_CallSoonChain/{real,virtual}
//       loop_bench's BM_CallSoonChain, copied verbatim (1,000 seeds, 1,000,000
//       callbacks, one reused loop), so one run of this binary gives the ratio.
//   BM_CallSoonChain_Sim/{faithful,chaos,faithful_record}
//       The same chain through Simulation::run_setup (a fresh simulated loop per
//       iteration; the last callback stops it). items = callbacks.
//
// Rates are per wall-clock second (UseRealTime). Every run's Outcome is
// checked (ok, expected counts); a failure aborts the benchmark with its
// description.
//
// Threads: everything runs on the benchmark's main thread.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "loop/aio/run.h"
#include "loop/backend.h"
#include "loop/aio/sleep.h"
#include "loop/context.h"
#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/observer.h"
#include "loop/policy.h"
#include "loop/task.h"
#include "sim/simulation.h"
#include "sim/testing/reference_workload.h"
#include "tools/bench/call_soon_chain.h"
#include "sim/trace.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

// Marsaglia's xorshift64 (as loop_bench).
class XorShift64 {
 public:
  explicit XorShift64(uint64_t seed) : x_(seed) {}
  uint64_t next() {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_;
  }

 private:
  uint64_t x_;
};

void fail(benchmark::State& state, const std::string& what) {
  state.SkipWithError(what.c_str());
  std::fprintf(stderr, "sim_bench: %s\n", what.c_str());
}

sim::SimulationOptions options_for(sim::Mode mode, sim::TraceLevel trace, bool detect_threads = true) {
  sim::SimulationOptions options;
  options.mode = mode;
  options.trace = trace;
  options.detect_real_threads = detect_threads;
  return options;
}

// Averages of what the runs did, as counters (per run).
struct RunTotals {
  uint64_t steps = 0, polls = 0, events = 0, choices = 0;
  void add(const sim::Outcome& out) {
    steps += out.steps;
    polls += out.polls;
    events += out.trace.size();
    choices += out.choices.size();
  }
  void report(benchmark::State& state) const {
    const double n = static_cast<double>(state.iterations());
    if (n == 0) return;
    state.counters["steps"] = static_cast<double>(steps) / n;
    state.counters["polls"] = static_cast<double>(polls) / n;
    state.counters["events"] = static_cast<double>(events) / n;
    state.counters["choices"] = static_cast<double>(choices) / n;
  }
};

// ---- The reference workload under Simulation::run ----

constexpr int kReferenceTasks = 100;

void run_reference_seeds(benchmark::State& state, sim::SimulationOptions options) {
  const sim::Program program = sim::reference_workload(kReferenceTasks);
  uint64_t seed = 1;
  RunTotals totals;
  for (auto _ : state) {
    options.seed = seed++;
    sim::Outcome out = sim::Simulation(options).run(program);
    if (!out.ok()) {
      fail(state, "seed " + std::to_string(options.seed) + ": " + out.describe());
      break;
    }
    totals.add(out);
  }
  totals.report(state);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Each seed as sim::sweep runs it: hash-only trace, and the real-thread
// count checked once around the whole sweep rather than per seed.
void BM_SeedsPerSecond_Reference100(benchmark::State& state, sim::Mode mode) {
  run_reference_seeds(state, options_for(mode, sim::TraceLevel::kHashOnly, /*detect_threads=*/false));
}
BENCHMARK_CAPTURE(BM_SeedsPerSecond_Reference100, faithful, sim::Mode::kFaithful)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SeedsPerSecond_Reference100, chaos, sim::Mode::kChaos)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_Reference100_Sim(benchmark::State& state, sim::Mode mode, sim::TraceLevel trace, bool detect_threads) {
  run_reference_seeds(state, options_for(mode, trace, detect_threads));
}
BENCHMARK_CAPTURE(BM_Reference100_Sim, faithful_record, sim::Mode::kFaithful, sim::TraceLevel::kRecord, true)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Reference100_Sim, chaos_record, sim::Mode::kChaos, sim::TraceLevel::kRecord, true)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Reference100_Sim, faithful_hash_threadcheck, sim::Mode::kFaithful, sim::TraceLevel::kHashOnly,
                  true)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Reference100_Sim, chaos_hash_threadcheck, sim::Mode::kChaos, sim::TraceLevel::kHashOnly, true)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// ---- The fixed cost of a run: an empty program ----

Coro<void> empty_main() { co_return; }

void BM_Simulation_EmptyProgram(benchmark::State& state, bool detect_threads) {
  sim::SimulationOptions options = options_for(sim::Mode::kFaithful, sim::TraceLevel::kHashOnly, detect_threads);
  const sim::Program program = [] { return empty_main(); };
  uint64_t seed = 1;
  for (auto _ : state) {
    options.seed = seed++;
    sim::Outcome out = sim::Simulation(options).run(program);
    if (!out.ok()) {
      fail(state, "BM_Simulation_EmptyProgram: " + out.describe());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_Simulation_EmptyProgram, threadcheck, true)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Simulation_EmptyProgram, nothreadcheck, false)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---- The reference workload on the plain virtual backend ----

// Sees every event and does nothing: the cost of the virtual calls alone.
class NullObserver : public LoopObserver {
 public:
  void on_event(const LoopEvent& event) override { benchmark::DoNotOptimize(&event); }
};

// Feeds every event to a hash-only Trace, as World::on_event does (without
// budgets, choices or time).
class TraceObserver : public LoopObserver {
 public:
  void on_event(const LoopEvent& event) override {
    trace_.add(0, static_cast<sim::TraceKind>(event.kind), event.id, event.value, event.text);
  }
  uint64_t hash() const { return trace_.hash(); }
  size_t size() const { return trace_.size(); }

 private:
  sim::Trace trace_{sim::TraceLevel::kHashOnly};
};

enum class ObserverKind { kNone, kNull, kTrace };

void BM_Reference100_VirtualLoop(benchmark::State& state, ObserverKind kind) {
  const sim::Program program = sim::reference_workload(kReferenceTasks);
  uint64_t events = 0;
  for (auto _ : state) {
    NullObserver null_observer;
    TraceObserver trace_observer;
    std::shared_ptr<EventLoop> loop = EventLoop::create(sim::new_virtual_backend());
    if (kind == ObserverKind::kNull) loop->set_observer(&null_observer);
    if (kind == ObserverKind::kTrace) loop->set_observer(&trace_observer);
    // As Simulation::run: asyncio.run's steps on this loop.
    Task<void> task = loop->create_task(program(), "", copy_context());
    loop->run_until_complete(static_cast<const Future<void>&>(task));
    internal::runner_shutdown(*loop);
    loop->close();
    loop->set_observer(nullptr);
    events += trace_observer.size();
    benchmark::DoNotOptimize(trace_observer.hash());
  }
  if (kind == ObserverKind::kTrace && state.iterations() > 0) {
    state.counters["events"] = static_cast<double>(events) / static_cast<double>(state.iterations());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_Reference100_VirtualLoop, no_observer, ObserverKind::kNone)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Reference100_VirtualLoop, null_observer, ObserverKind::kNull)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Reference100_VirtualLoop, trace_observer, ObserverKind::kTrace)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// ---- One virtual hour ----

constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;
constexpr int64_t kHourTimers = 100'000;

struct HourState {
  int64_t fired = 0;
};

// One word: fits AnyInvocable's inline storage.
struct HourTimerFired {
  HourState* s;
  void operator()() const { ++s->fired; }
};

void BM_VirtualHour_100kTimers(benchmark::State& state, sim::Mode mode) {
  sim::SimulationOptions options = options_for(mode, sim::TraceLevel::kHashOnly);
  uint64_t seed = 1;
  RunTotals totals;
  for (auto _ : state) {
    options.seed = seed++;
    HourState s;
    sim::Outcome out = sim::Simulation(options).run_setup([&s](EventLoop& loop) {
      XorShift64 rng(0x9E3779B97F4A7C15ull);
      for (int64_t i = 0; i < kHourTimers; ++i) {
        loop.call_at_ns(static_cast<int64_t>(rng.next() % static_cast<uint64_t>(kHourNs)), HourTimerFired{&s});
      }
    });
    if (!out.ok() || s.fired != kHourTimers || out.end_ns < kHourNs * 99 / 100) {
      fail(state, "BM_VirtualHour_100kTimers: " + out.describe() + ", fired " + std::to_string(s.fired) +
                      ", end_ns " + std::to_string(out.end_ns));
      break;
    }
    totals.add(out);
  }
  totals.report(state);
  state.SetItemsProcessed(state.iterations() * kHourTimers);
}
BENCHMARK_CAPTURE(BM_VirtualHour_100kTimers, faithful, sim::Mode::kFaithful)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_VirtualHour_100kTimers, chaos, sim::Mode::kChaos)->Unit(benchmark::kMillisecond)->UseRealTime();

constexpr int kHourTasks = 1'000;
constexpr int kSleepsPerTask = 100;  // 100 x 36 s = one hour per task

Coro<void> hour_sleeper(int index, int64_t* slept) {
  co_await sleep_ns(static_cast<int64_t>(index) * 1'000'000);
  for (int i = 0; i < kSleepsPerTask; ++i) {
    co_await sleep_ns(kHourNs / kSleepsPerTask);
    ++*slept;
  }
}

Coro<void> hour_main(int64_t* slept) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  std::vector<Task<void>> tasks;
  tasks.reserve(kHourTasks);
  for (int i = 0; i < kHourTasks; ++i) tasks.push_back(loop->create_task(hour_sleeper(i, slept)));
  for (Task<void>& t : tasks) co_await t;
}

void BM_VirtualHour_100kSleeps(benchmark::State& state, sim::Mode mode) {
  sim::SimulationOptions options = options_for(mode, sim::TraceLevel::kHashOnly);
  uint64_t seed = 1;
  RunTotals totals;
  for (auto _ : state) {
    options.seed = seed++;
    int64_t slept = 0;
    sim::Outcome out = sim::Simulation(options).run([&slept]() { return hour_main(&slept); });
    if (!out.ok() || slept != int64_t{kHourTasks} * kSleepsPerTask || out.end_ns < kHourNs) {
      fail(state, "BM_VirtualHour_100kSleeps: " + out.describe() + ", slept " + std::to_string(slept));
      break;
    }
    totals.add(out);
  }
  totals.report(state);
  state.SetItemsProcessed(state.iterations() * kHourTasks * kSleepsPerTask);
}
BENCHMARK_CAPTURE(BM_VirtualHour_100kSleeps, faithful, sim::Mode::kFaithful)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_VirtualHour_100kSleeps, chaos, sim::Mode::kChaos)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- CallSoonChain: real and virtual backends (loop_bench's), simulated ----

using bench::ChainState;
using bench::kChainCallbacks;
using bench::seed_chain;

enum class BackendKind { kReal, kVirtual };

// loop_bench's BM_CallSoonChain, unchanged.
void BM_CallSoonChain(benchmark::State& state, BackendKind kind) {
  auto loop = kind == BackendKind::kVirtual ? EventLoop::create(sim::new_virtual_backend())
                                            : EventLoop::create(new_default_backend());
  for (auto _ : state) {
    ChainState s{loop.get()};
    seed_chain(&s);
    loop->run_forever();
    if (s.ran != kChainCallbacks) fail(state, "BM_CallSoonChain: wrong callback count");
  }
  loop->close();
  state.SetItemsProcessed(state.iterations() * kChainCallbacks);
}
BENCHMARK_CAPTURE(BM_CallSoonChain, real, BackendKind::kReal)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_CallSoonChain, virtual, BackendKind::kVirtual)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CallSoonChain_Sim(benchmark::State& state, sim::Mode mode, sim::TraceLevel trace) {
  sim::SimulationOptions options = options_for(mode, trace);
  uint64_t seed = 1;
  RunTotals totals;
  for (auto _ : state) {
    options.seed = seed++;
    ChainState s{nullptr};
    sim::Outcome out = sim::Simulation(options).run_setup([&s](EventLoop& loop) {
      s.loop = &loop;
      seed_chain(&s);
    });
    if (!out.ok() || s.ran != kChainCallbacks) {
      fail(state, "BM_CallSoonChain_Sim: " + out.describe() + ", ran " + std::to_string(s.ran));
      break;
    }
    totals.add(out);
  }
  totals.report(state);
  state.SetItemsProcessed(state.iterations() * kChainCallbacks);
}
BENCHMARK_CAPTURE(BM_CallSoonChain_Sim, faithful, sim::Mode::kFaithful, sim::TraceLevel::kHashOnly)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_CallSoonChain_Sim, chaos, sim::Mode::kChaos, sim::TraceLevel::kHashOnly)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_CallSoonChain_Sim, faithful_record, sim::Mode::kFaithful, sim::TraceLevel::kRecord)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace seedloop

BENCHMARK_MAIN();
