// loop_bench: throughput of seedloop's hot paths (Google Benchmark).
//
//   bazel run --config=opt //tools/bench:loop_bench
//   tools/bench/run_all.sh          # with the asyncio/uvloop peers, a table
//
// Seven fixed workloads, the same ones tools/bench/peers/asyncio_bench.py runs
// in CPython (see BENCHMARKS.md for the numbers and the analysis):
//
//   BM_CallSoonChain  1,000 seed callbacks; each schedules one successor with
//                     call_soon until 1,000,000 have run. items = callbacks.
//   BM_Timers         200,000 call_later timers, delays 0-10 ms from a fixed
//                     xorshift sequence; every second one is cancelled; the
//                     loop runs until the other 100,000 fire.
//                     items = timers scheduled (200,000).
//   BM_TasksGather    200 batches of 1,000 trivial tasks; a driver task creates
//                     each batch and awaits gather() of its 1,000 tasks.
//                     items = tasks.
//   BM_TasksAwaitInTurn  the same batches, awaited one task after the other
//                     (this was BM_TasksGather before gather() existed; kept
//                     for continuity). items = tasks.
//   BM_PingPong       two tasks hand an int back and forth through a fresh
//                     future per handoff, 500,000 handoffs. items = handoffs.
//   BM_QueuePutGet    one producer task puts 0..999,999 into a Queue<int> of
//                     maxsize 100, one consumer task gets them.
//                     items = items through the queue (1,000,000).
//   BM_LockContention 100 tasks share one Lock; each takes it 1,000 times
//                     (`auto h = co_await lock.hold(); co_await sleep(0);`,
//                     released at scope exit), so the lock is held across a
//                     loop iteration and the other 99 wait in its FIFO line.
//                     items = acquisitions (100,000).
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
#include <variant>
#include <vector>

#include "benchmark/benchmark.h"
#include "loop/aio/gather.h"
#include "loop/aio/sleep.h"
#include "loop/backend.h"
#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/handle.h"
#include "loop/sync/lock.h"
#include "loop/sync/queue.h"
#include "loop/task.h"
#include "sim/virtual_backend.h"
#include "tools/bench/call_soon_chain.h"

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

using bench::ChainState;
using bench::kChainCallbacks;

void BM_CallSoonChain(benchmark::State& state) {
  auto loop = new_bench_loop();
  for (auto _ : state) {
    ChainState s{loop.get()};
    bench::seed_chain(&s);
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

// ---- BM_TasksGather, BM_TasksAwaitInTurn ----

constexpr int64_t kGatherBatches = 200;
constexpr int64_t kGatherBatchSize = 1'000;

Coro<void> trivial_coro() { co_return; }

// Creates each batch of tasks, then awaits gather() of them (asyncio:
// `await asyncio.gather(*batch)`): gather adds a done callback to each of
// the 1,000 tasks and completes after the last one.
Coro<int64_t> gather_driver(EventLoop* loop) {
  int64_t awaited = 0;
  for (int64_t b = 0; b < kGatherBatches; ++b) {
    std::vector<Task<void>> batch;
    batch.reserve(kGatherBatchSize);
    for (int64_t i = 0; i < kGatherBatchSize; ++i) batch.push_back(loop->create_task(trivial_coro()));
    const std::vector<std::monostate> results = co_await gather(std::move(batch));
    awaited += static_cast<int64_t>(results.size());
  }
  co_return awaited;
}

// Creates each batch, then awaits its tasks one after the other. Only the
// first await of a batch suspends; the other 999 tasks are done by then.
Coro<int64_t> await_in_turn_driver(EventLoop* loop) {
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

template <Coro<int64_t> (*Driver)(EventLoop*)>
void run_task_batches(benchmark::State& state, const char* name) {
  auto loop = new_bench_loop();
  for (auto _ : state) {
    int64_t awaited = loop->run_until_complete(Driver(loop.get()));
    if (awaited != kGatherBatches * kGatherBatchSize) fail(state, name);
  }
  loop->close();
  state.SetItemsProcessed(state.iterations() * kGatherBatches * kGatherBatchSize);
}

void BM_TasksGather(benchmark::State& state) {
  run_task_batches<gather_driver>(state, "BM_TasksGather: wrong task count");
}
BENCHMARK(BM_TasksGather)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TasksAwaitInTurn(benchmark::State& state) {
  run_task_batches<await_in_turn_driver>(state, "BM_TasksAwaitInTurn: wrong task count");
}
BENCHMARK(BM_TasksAwaitInTurn)->Unit(benchmark::kMillisecond)->UseRealTime();

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

// ---- BM_QueuePutGet ----

constexpr int64_t kQueueItems = 1'000'000;
constexpr int64_t kQueueMaxsize = 100;

Coro<void> queue_producer(Queue<int>* q) {
  for (int i = 0; i < kQueueItems; ++i) co_await q->put(i);
}

// Returns how many items arrived in order (all of them, in a FIFO queue).
Coro<int64_t> queue_consumer(Queue<int>* q) {
  int64_t in_order = 0;
  for (int i = 0; i < kQueueItems; ++i) {
    const int v = co_await q->get();
    if (v == i) ++in_order;
  }
  co_return in_order;
}

Coro<int64_t> queue_driver(EventLoop* loop) {
  Queue<int> q(kQueueMaxsize);
  Task<void> producer = loop->create_task(queue_producer(&q));
  Task<int64_t> consumer = loop->create_task(queue_consumer(&q));
  const int64_t in_order = co_await consumer;
  co_await producer;
  co_return in_order;
}

void BM_QueuePutGet(benchmark::State& state) {
  auto loop = new_bench_loop();
  for (auto _ : state) {
    const int64_t got = loop->run_until_complete(queue_driver(loop.get()));
    if (got != kQueueItems) fail(state, "BM_QueuePutGet: wrong item count or order");
  }
  loop->close();
  state.SetItemsProcessed(state.iterations() * kQueueItems);
}
BENCHMARK(BM_QueuePutGet)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- BM_LockContention ----

constexpr int kLockTasks = 100;
constexpr int64_t kLockAcquisitions = 100'000;  // in total, 1,000 per task

struct LockState {
  Lock lock;
  int64_t acquired = 0;
  bool overlap = false;  // two holders at once: the lock is broken
  bool held = false;
};

// `async with lock: await asyncio.sleep(0)`, n times.
Coro<void> lock_worker(LockState* s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    auto h = co_await s->lock.hold();
    if (s->held) s->overlap = true;
    s->held = true;
    ++s->acquired;
    co_await sleep(0);
    s->held = false;
  }
}

Coro<int64_t> lock_driver(EventLoop* loop) {
  LockState s;
  std::vector<Task<void>> workers;
  workers.reserve(kLockTasks);
  for (int i = 0; i < kLockTasks; ++i) {
    workers.push_back(loop->create_task(lock_worker(&s, kLockAcquisitions / kLockTasks)));
  }
  for (Task<void>& w : workers) co_await w;
  co_return s.overlap ? -1 : s.acquired;
}

void BM_LockContention(benchmark::State& state) {
  auto loop = new_bench_loop();
  for (auto _ : state) {
    const int64_t acquired = loop->run_until_complete(lock_driver(loop.get()));
    if (acquired != kLockAcquisitions) fail(state, "BM_LockContention: wrong count, or two holders at once");
  }
  loop->close();
  state.SetItemsProcessed(state.iterations() * kLockAcquisitions);
}
BENCHMARK(BM_LockContention)->Unit(benchmark::kMillisecond)->UseRealTime();

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
