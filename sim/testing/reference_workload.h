// The reference workload: N tasks (100 by default) that exercise what a
// service does — timers, a queue, a lock, executor jobs, wait_for timeouts
// that race with completions — on whatever loop runs it. The simulator's
// benchmarks quote seeds per second on it; determinism tests sweep it.
//
//   sim::Outcome out = sim::Simulation(options).run(sim::reference_workload(100, &sum));
//
// `*checksum` receives a digest of what the tasks observed (order-sensitive),
// so two runs that scheduled differently usually differ in it too.

#ifndef SEEDLOOP_SIM_TESTING_REFERENCE_WORKLOAD_H_
#define SEEDLOOP_SIM_TESTING_REFERENCE_WORKLOAD_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "loop/aio/gather.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/errors.h"
#include "loop/policy.h"
#include "loop/sync/lock.h"
#include "loop/sync/queue.h"
#include "sim/simulation.h"

namespace seedloop::sim {

namespace reference_internal {

struct Shared {
  Queue<int> queue{0};
  Lock lock;
  uint64_t digest = 1469598103934665603ull;
  void mix(uint64_t v) { digest = (digest ^ v) * 1099511628211ull; }
};

inline Coro<void> worker(std::shared_ptr<Shared> shared, int index) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  co_await sleep_ns(static_cast<int64_t>(index % 10) * 1'000'000);
  co_await shared->queue.put(index);
  if (index % 10 == 3) {
    int v = co_await loop->run_in_executor(nullptr, [index] { return index * 2; });
    shared->mix(static_cast<uint64_t>(v));
  }
  if (index % 7 == 0) {
    // A timeout racing a completion: which wins depends on the schedule.
    try {
      co_await wait_for(sleep_ns(5'000'000), 0.005);
      shared->mix(1);
    } catch (const TimeoutError&) {
      shared->mix(2);
    }
  }
  co_await shared->lock.acquire();
  shared->mix(static_cast<uint64_t>(index) + 1000);
  co_await sleep_ns(100'000);
  shared->lock.release();
  int got = co_await shared->queue.get();
  shared->mix(static_cast<uint64_t>(got));
}

inline Coro<void> main_task(int tasks, uint64_t* checksum) {
  auto shared = std::make_shared<Shared>();
  std::vector<Coro<void>> workers;
  workers.reserve(static_cast<size_t>(tasks));
  for (int i = 0; i < tasks; ++i) workers.push_back(worker(shared, i));
  co_await gather(std::move(workers));
  if (checksum != nullptr) *checksum = shared->digest;
}

}  // namespace reference_internal

inline Program reference_workload(int tasks = 100, uint64_t* checksum = nullptr) {
  return [tasks, checksum]() { return reference_internal::main_task(tasks, checksum); };
}

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_TESTING_REFERENCE_WORKLOAD_H_
