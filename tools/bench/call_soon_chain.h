// The BM_CallSoonChain workload, shared by loop_bench (real and virtual
// backends) and sim_bench (the simulator): 1,000 chains of call_soon
// callbacks, 1,000,000 callbacks in all, then stop().

#ifndef SEEDLOOP_TOOLS_BENCH_CALL_SOON_CHAIN_H_
#define SEEDLOOP_TOOLS_BENCH_CALL_SOON_CHAIN_H_

#include <cstdint>

#include "loop/event_loop.h"

namespace seedloop::bench {

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

// Schedules the chains' first callbacks on s->loop.
inline void seed_chain(ChainState* s) {
  for (int64_t i = 0; i < kChainSeeds; ++i) {
    ++s->scheduled;
    s->loop->call_soon(ChainStep{s});
  }
}

}  // namespace seedloop::bench

#endif  // SEEDLOOP_TOOLS_BENCH_CALL_SOON_CHAIN_H_
