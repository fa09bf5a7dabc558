// libuv_bench: loop_bench's timer workload on libuv (Debian's libuv 1.44), a
// peer for BENCHMARKS.md. libuv has no call_soon, futures or tasks, so only
// BM_Timers has a counterpart:
//
//   BM_Timers  200,000 uv_timer_t, delays 0-10 ms from the same xorshift
//              sequence as loop_bench (libuv timers have millisecond
//              resolution: the delay is truncated to whole ms), every second
//              one stopped (uv_timer_stop), uv_run until the rest fire.
//              items = timers scheduled.
//
// Threads: everything runs on the benchmark's main thread.

#include <uv.h>

#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"

namespace {

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

constexpr int64_t kTimers = 200'000;
constexpr uint64_t kTimerSpreadNs = 10'000'000;

int64_t g_fired = 0;

void on_timer(uv_timer_t*) { ++g_fired; }

void BM_Timers(benchmark::State& state) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<uv_timer_t> timers(kTimers);
  for (auto _ : state) {
    XorShift64 rng(0x9E3779B97F4A7C15ull);
    g_fired = 0;
    uv_update_time(&loop);
    for (int64_t i = 0; i < kTimers; ++i) {
      uv_timer_init(&loop, &timers[i]);
      uv_timer_start(&timers[i], on_timer, (rng.next() % kTimerSpreadNs) / 1'000'000, 0);
    }
    for (int64_t i = 1; i < kTimers; i += 2) uv_timer_stop(&timers[i]);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (g_fired != kTimers / 2) state.SkipWithError("wrong timer count");
    // Timers are handles: close them all before their memory is reused
    // (not timed: seedloop's counterpart is freeing the handle, done above).
    state.PauseTiming();
    for (int64_t i = 0; i < kTimers; ++i) uv_close(reinterpret_cast<uv_handle_t*>(&timers[i]), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    state.ResumeTiming();
  }
  uv_loop_close(&loop);
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_Timers)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
