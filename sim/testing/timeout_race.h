// A planted bug for demos and tests: a timeout that races a completion.
//
// A client waits for a server with wait_for(reply, 10 ms); the server
// answers after exactly 10 ms. On asyncio the reply always wins (the
// server's timer was scheduled first, and equal deadlines pop in heapq
// order: tests/explore/python/planted_bug_asyncio.py), so faithful mode
// never fails; chaos mode permutes the tie and finds the TimeoutError.
// Used by //tools:sim_demo and tests/explore/planted_bug_test.cc.

#ifndef SEEDLOOP_SIM_TESTING_TIMEOUT_RACE_H_
#define SEEDLOOP_SIM_TESTING_TIMEOUT_RACE_H_

#include <memory>

#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/errors.h"
#include "loop/policy.h"
#include "sim/simulation.h"

namespace seedloop::sim {

namespace timeout_race_internal {

inline constexpr double kLatencyS = 0.010;

inline Coro<void> server(Future<int> reply) {
  co_await sleep(kLatencyS);  // the server works for exactly 10 ms
  if (!reply.done()) reply.set_result(42);
}

inline Coro<void> client() {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Future<int> reply = loop->create_future<int>();
  Task<void> serving = loop->create_task(server(reply));
  co_await sleep(0);                                       // the server starts first...
  const int answer = co_await wait_for(reply, kLatencyS);  // ...so it "always" answers in time
  if (answer != 42) throw ValueError("wrong answer");
  co_await serving;
}

}  // namespace timeout_race_internal

inline Program timeout_race() {
  return [] { return timeout_race_internal::client(); };
}

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_TESTING_TIMEOUT_RACE_H_
