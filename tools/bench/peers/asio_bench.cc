// asio_bench: loop_bench's workloads on Boost.Asio (Debian's Boost 1.74), a
// peer for BENCHMARKS.md. Same counts and pseudo-random sequence as
// tools/bench/loop_bench.cc; one io_context with concurrency hint 1, run on
// the benchmark thread.
//
//   BM_CallSoonChain  post(): 1,000 seeds, each posts a successor until
//                     1,000,000 handlers have run.
//   BM_Timers         200,000 steady_timers, async_wait, every second one
//                     cancelled (Asio then runs its handler with
//                     operation_aborted: it still costs a dispatch).
//   BM_TasksGather    co_spawn of 200 batches of 1,000 trivial awaitables;
//                     each batch is awaited as a whole (a counter and a
//                     completion slot) by a driver coroutine: Asio 1.18 has
//                     no gather (parallel_group came later), and this is
//                     what gather does.
//   BM_PingPong       two coroutines hand an int back and forth through a
//                     fresh one-shot slot per handoff (Asio 1.74 has no
//                     future/channel for coroutines; the slot stores the
//                     waiter's completion handler and posts it).
//
// No counterpart (a "–" in BENCHMARKS.md), in the Asio 1.18.0 that Boost 1.74
// ships: BM_TasksAwaitInTurn (a co_spawned awaitable gives no handle to
// await later; a per-task slot would measure the slot, not Asio),
// BM_QueuePutGet (no channel or queue for coroutines: no asio/experimental/
// at all) and BM_LockContention (no async mutex; a strand serializes
// handlers but cannot be held across a co_await).
//
// Threads: everything runs on the benchmark's main thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "benchmark/benchmark.h"

namespace {

namespace asio = boost::asio;

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

// ---- BM_CallSoonChain ----

constexpr int64_t kChainSeeds = 1'000;
constexpr int64_t kChainCallbacks = 1'000'000;

struct ChainState {
  asio::io_context* ioc;
  int64_t scheduled = 0;
  int64_t ran = 0;
};

struct ChainStep {
  ChainState* s;
  void operator()() const {
    ++s->ran;
    if (s->scheduled < kChainCallbacks) {
      ++s->scheduled;
      asio::post(*s->ioc, ChainStep{s});
    }
  }
};

void BM_CallSoonChain(benchmark::State& state) {
  asio::io_context ioc(1);
  for (auto _ : state) {
    ChainState s{&ioc};
    for (int64_t i = 0; i < kChainSeeds; ++i) {
      ++s.scheduled;
      asio::post(ioc, ChainStep{&s});
    }
    ioc.restart();
    ioc.run();
    if (s.ran != kChainCallbacks) state.SkipWithError("wrong callback count");
  }
  state.SetItemsProcessed(state.iterations() * kChainCallbacks);
}
BENCHMARK(BM_CallSoonChain)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- BM_Timers ----

constexpr int64_t kTimers = 200'000;
constexpr uint64_t kTimerSpreadNs = 10'000'000;

void BM_Timers(benchmark::State& state) {
  asio::io_context ioc(1);
  for (auto _ : state) {
    XorShift64 rng(0x9E3779B97F4A7C15ull);
    int64_t fired = 0;
    int64_t aborted = 0;
    std::vector<std::unique_ptr<asio::steady_timer>> timers;
    timers.reserve(kTimers);
    for (int64_t i = 0; i < kTimers; ++i) {
      auto t = std::make_unique<asio::steady_timer>(ioc);
      t->expires_after(std::chrono::nanoseconds(rng.next() % kTimerSpreadNs));
      t->async_wait([&fired, &aborted](const boost::system::error_code& ec) {
        if (ec) {
          ++aborted;
        } else {
          ++fired;
        }
      });
      timers.push_back(std::move(t));
    }
    for (int64_t i = 1; i < kTimers; i += 2) timers[i]->cancel();
    ioc.restart();
    ioc.run();
    if (fired != kTimers / 2 || aborted != kTimers / 2) state.SkipWithError("wrong timer count");
  }
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_Timers)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- A one-shot slot: the waiter's handler, completed by set() ----

template <typename T>
class Slot {
 public:
  explicit Slot(asio::io_context& ioc) : ioc_(ioc) {}
  void set(T v) {
    if (handler_) {
      asio::post(ioc_, [h = std::move(*handler_), v]() mutable { std::move(h)(v); });
      handler_.reset();
    } else {
      value_ = v;
    }
  }
  asio::awaitable<T> wait() {
    if (value_) co_return *value_;
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
        [this](auto handler) { handler_.emplace(std::move(handler)); }, asio::use_awaitable);
  }

 private:
  using Handler = asio::detail::awaitable_handler<asio::any_io_executor, T>;
  asio::io_context& ioc_;
  std::optional<T> value_;
  std::optional<Handler> handler_;
};

// ---- BM_TasksGather ----

constexpr int64_t kGatherBatches = 200;
constexpr int64_t kGatherBatchSize = 1'000;

asio::awaitable<void> trivial_coro() { co_return; }

asio::awaitable<void> gather_driver(asio::io_context& ioc, int64_t* awaited) {
  for (int64_t b = 0; b < kGatherBatches; ++b) {
    auto done = std::make_shared<Slot<int>>(ioc);
    auto left = std::make_shared<int64_t>(kGatherBatchSize);
    for (int64_t i = 0; i < kGatherBatchSize; ++i) {
      asio::co_spawn(ioc, trivial_coro(), [done, left, awaited](std::exception_ptr) {
        ++*awaited;
        if (--*left == 0) done->set(0);
      });
    }
    co_await done->wait();
  }
}

void BM_TasksGather(benchmark::State& state) {
  asio::io_context ioc(1);
  for (auto _ : state) {
    int64_t awaited = 0;
    asio::co_spawn(ioc, gather_driver(ioc, &awaited), asio::detached);
    ioc.restart();
    ioc.run();
    if (awaited != kGatherBatches * kGatherBatchSize) state.SkipWithError("wrong task count");
  }
  state.SetItemsProcessed(state.iterations() * kGatherBatches * kGatherBatchSize);
}
BENCHMARK(BM_TasksGather)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- BM_PingPong ----

constexpr int kHandoffs = 500'000;

struct PingPongState {
  asio::io_context& ioc;
  std::shared_ptr<Slot<int>> inbox[2];
};

asio::awaitable<void> player(PingPongState* s, int me, int* last) {
  const int other = 1 - me;
  while (true) {
    const int v = co_await s->inbox[me]->wait();
    if (v < 0) co_return;
    *last = v;
    if (v >= kHandoffs) {
      s->inbox[other]->set(-1);
      co_return;
    }
    s->inbox[me] = std::make_shared<Slot<int>>(s->ioc);
    s->inbox[other]->set(v + 1);
  }
}

void BM_PingPong(benchmark::State& state) {
  asio::io_context ioc(1);
  for (auto _ : state) {
    PingPongState s{ioc, {std::make_shared<Slot<int>>(ioc), std::make_shared<Slot<int>>(ioc)}};
    int last_a = 0;
    int last_b = 0;
    asio::co_spawn(ioc, player(&s, 0, &last_a), asio::detached);
    asio::co_spawn(ioc, player(&s, 1, &last_b), asio::detached);
    s.inbox[0]->set(0);
    ioc.restart();
    ioc.run();
    if (std::max(last_a, last_b) != kHandoffs) state.SkipWithError("wrong handoff count");
  }
  state.SetItemsProcessed(state.iterations() * kHandoffs);
}
BENCHMARK(BM_PingPong)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
