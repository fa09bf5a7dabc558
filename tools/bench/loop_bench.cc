// loop_bench: throughput of seedloop's hot paths (Google Benchmark).
//
//   bazel run --config=opt //tools/bench:loop_bench
//   tools/bench/run_all.sh          # with the asyncio/uvloop peers, a table
//
// Four fixed workloads, the same ones tools/bench/peers/asyncio_bench.py runs
// in CPython (see BENCHMARKS.md for the numbers and the analysis):
//
//   BM_CallSoonChain  1,000 seed callbacks; each schedules one successor with
//                     call_soon until 1,000,000 have run. items = callbacks.
//   BM_Timers         200,000 call_later timers, delays 0-10 ms from a fixed
//                     xorshift sequence; every second one is cancelled; the
//                     loop runs until the other 100,000 fire.
//                     items = timers scheduled (200,000).
//   BM_TasksGather    200 batches of 1,000 trivial tasks, created and awaited
//                     in turn by a driver task. items = tasks.
//   BM_PingPong       two tasks hand an int back and forth through a fresh
//                     future per handoff, 500,000 handoffs. items = handoffs.
//
// Rates are per wall-clock second (UseRealTime): the timer workload waits for
// real deadlines, and the loop is single-threaded. One loop per benchmark is
// reused across iterations (as a server reuses its loop).
//
// --seedloop_backend=real (default) | virtual: `virtual` runs the same
// workloads on sim::new_virtual_backend(), which isolates the loop core from
// epoll/clock syscalls (virtual time: timers never wait).
//
// Threads: everything runs on the benchmark's main thread.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "loop/backend.h"
#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/handle.h"
#include "loop/task.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

enum class BackendKind { kReal, kVirtual };
BackendKind g_backend_kind = BackendKind::kReal;  // set once in main

std::shared_ptr<EventLoop> new_bench_loop() {
  if (g_backend_kind == BackendKind::kVirtual) return EventLoop::create(sim::new_virtual_backend());
  return EventLoop::create(new_default_backend());
}

// Marsaglia's xorshift64: a fixed, seedable pseudo-random sequence.
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

void fail(benchmark::State& state, const char* what) {
  state.SkipWithError(what);
  std::fprintf(stderr, "loop_bench: %s\n", what);
}

// ---- BM_CallSoonChain ----

constexpr int64_t kChainSeeds = 1'000;
constexpr int64_t kChainCallbacks = 1'000'000;

struct ChainState {
  EventLoop* loop;
  int64_t scheduled = 0;
  int64_t ran = 0;
};

// A callback that schedules its own successor until the budget is spent.
// Two words: fits AnyInvocable's inline storage, so it allocates nothing.
struct ChainStep {
  ChainState* s;
  void operator()() const {
    ++s->ran;
    if (s->scheduled < kChainCallbacks) {
      ++s->scheduled;
      s->loop->call_soon(ChainStep{s});
    } else if (s->ran == kChainCallbacks) {
      s->loop->stop();
    }
  }
};

void BM_CallSoonChain(benchmark::State& state) {
  auto loop = new_bench_loop();
  for (auto _ : state) {
    ChainState s{loop.get()};
    for (int64_t i = 0; i < kChainSeeds; ++i) {
      ++s.scheduled;
      loop->call_soon(ChainStep{&s});
    }
    loop->run_forever();
    if (s.ran != kChainCallbacks) fail(state, "BM_CallSoonChain: wrong callback count");
  }
  loop->close();
  state.SetItemsProcessed(state.iterations() * kChainCallbacks);
}
BENCHMARK(BM_CallSoonChain)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- BM_Timers ----

constexpr int64_t kTimers = 200'000;
constexpr uint64_t kTimerSpreadNs = 10'000'000;  // 0-10 ms

struct TimerState {
  EventLoop* loop;
  int64_t fired = 0;
};

// One word: fits AnyInvocable's inline storage.
struct TimerFired {
  TimerState* s;
  void operator()() const {
    if (++s->fired == kTimers / 2) s->loop->stop();
  }
};

void BM_Timers(benchmark::State& state) {
  auto loop = new_bench_loop();
  std::vector<TimerHandle> handles;
  handles.reserve(kTimers);
  for (auto _ : state) {
    XorShift64 rng(0x9E3779B97F4A7C15ull);
    TimerState s{loop.get()};
    handles.clear();
    for (int64_t i = 0; i < kTimers; ++i) {
      const double delay_s = static_cast<double>(rng.next() % kTimerSpreadNs) / 1e9;
      handles.push_back(loop->call_later(delay_s, TimerFired{&s}));
    }
    // Every second timer is cancelled once all are scheduled (as timeouts
    // that are cancelled later are).
    for (int64_t i = 1; i < kTimers; i += 2) handles[i].cancel();
    loop->run_forever();
    if (s.fired != kTimers / 2) fail(state, "BM_Timers: wrong timer count");
  }
  handles.clear();
  loop->close();
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_Timers)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- BM_TasksGather ----

constexpr int64_t kGatherBatches = 200;
constexpr int64_t kGatherBatchSize = 1'000;

Coro<void> trivial_coro() { co_return; }

// Creates each batch, then awaits its tasks in order (gather() does not exist
// yet; awaiting in turn is what gather would do for trivial tasks).
Coro<int64_t> gather_driver(EventLoop* loop) {
  std::vector<Task<void>> batch;
  batch.reserve(kGatherBatchSize);
  int64_t awaited = 0;
  for (int64_t b = 0; b < kGatherBatches; ++b) {
    batch.clear();
    for (int64_t i = 0; i < kGatherBatchSize; ++i) batch.push_back(loop->create_task(trivial_coro()));
    for (Task<void>& t : batch) {
      co_await t;
      ++awaited;
    }
  }
  co_return awaited;
}

void BM_TasksGather(benchmark::State& state) {
  auto loop = new_bench_loop();
  for (auto _ : state) {
    int64_t awaited = loop->run_until_complete(gather_driver(loop.get()));
    if (awaited != kGatherBatches * kGatherBatchSize) fail(state, "BM_TasksGather: wrong task count");
  }
  loop->close();
  state.SetItemsProcessed(state.iterations() * kGatherBatches * kGatherBatchSize);
}
BENCHMARK(BM_TasksGather)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- BM_PingPong ----

constexpr int kHandoffs = 500'000;

struct PingPongState {
  EventLoop* loop;
  Future<int> inbox[2];
};

// Player `me` waits on its inbox; on receiving v it makes itself a fresh
// inbox, then hands v + 1 to the other player. v counts handoffs; the player
// that receives kHandoffs (or the -1 sentinel) stops, and tells the other.
Coro<int> player(PingPongState* s, int me) {
  const int other = 1 - me;
  int last = 0;
  while (true) {
    const int v = co_await s->inbox[me];
    if (v < 0) co_return last;
    last = v;
    if (v >= kHandoffs) {
      s->inbox[other].set_result(-1);  // the sentinel: not counted
      co_return last;
    }
    s->inbox[me] = s->loop->create_future<int>();
    s->inbox[other].set_result(v + 1);
  }
}

Coro<int> pingpong_driver(PingPongState* s) {
  s->inbox[0] = s->loop->create_future<int>();
  s->inbox[1] = s->loop->create_future<int>();
  Task<int> a = s->loop->create_task(player(s, 0));
  Task<int> b = s->loop->create_task(player(s, 1));
  s->inbox[0].set_result(0);
  const int ra = co_await a;
  const int rb = co_await b;
  co_return ra > rb ? ra : rb;
}

void BM_PingPong(benchmark::State& state) {
  auto loop = new_bench_loop();
  for (auto _ : state) {
    PingPongState s{loop.get(), {}};
    const int handoffs = loop->run_until_complete(pingpong_driver(&s));
    if (handoffs != kHandoffs) fail(state, "BM_PingPong: wrong handoff count");
  }
  loop->close();
  state.SetItemsProcessed(state.iterations() * kHandoffs);
}
BENCHMARK(BM_PingPong)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace seedloop

int main(int argc, char** argv) {
  // Our own flag first; Google Benchmark rejects flags it does not know.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    constexpr const char* kFlag = "--seedloop_backend=";
    if (std::strncmp(argv[i], kFlag, std::strlen(kFlag)) == 0) {
      const std::string value = argv[i] + std::strlen(kFlag);
      if (value == "real") {
        seedloop::g_backend_kind = seedloop::BackendKind::kReal;
      } else if (value == "virtual") {
        seedloop::g_backend_kind = seedloop::BackendKind::kVirtual;
      } else {
        std::fprintf(stderr, "loop_bench: --seedloop_backend must be real or virtual, got '%s'\n", value.c_str());
        return 2;
      }
      continue;
    }
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::AddCustomContext("seedloop_backend",
                              seedloop::g_backend_kind == seedloop::BackendKind::kReal ? "real" : "virtual");
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
