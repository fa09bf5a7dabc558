// sim::World, continued: simulated fd readiness and the poller's errors,
// chaos mode's timer permutations and callback costs, and the refusal of
// real threads. Forced schedules replay handmade tapes strictly, as in
// world_test.cc.

#include "sim/world.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "sim/simulation.h"
#include "sim/tape.h"
#include "sim/trace.h"
#include "tests/sim/world_test_support.h"

namespace seedloop::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using namespace world_testing;

// Three timers with one deadline, named A, B, C in call_at order, then a
// stop; `order` receives the names as they run.
void three_equal_deadline_timers(EventLoop& loop, std::string* order) {
  for (char name : std::string("ABC")) loop.call_at(1.0, [order, name] { order->push_back(name); });
  loop.call_at(2.0, [&loop] { loop.stop(); });
}

std::string timer_order(SimulationOptions options) {
  std::string order;
  Outcome out = Simulation(options).run_setup([&order](EventLoop& loop) { three_equal_deadline_timers(loop, &order); });
  EXPECT_TRUE(out.ok()) << out.describe();
  return order;
}

// ---- Simulated I/O ----

TEST(WorldIo, DeliveryRunsTheReadersCallbackAtTheDeliveryTime) {
  std::vector<int64_t> ran_at;
  Outcome out = Simulation(SimulationOptions()).run_setup([&ran_at](EventLoop& loop) {
    loop.add_reader(7, [&ran_at, &loop] { ran_at.push_back(loop.time_ns()); });
    world_of(loop)->deliver_io(7, kReadable, 5 * kS);
  });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_THAT(ran_at, ElementsAre(5 * kS));  // once: a delivery reports once
  std::vector<TraceEvent> jumps = events_of(out, TraceKind::kTimeJump);
  ASSERT_EQ(jumps.size(), 1u);
  EXPECT_EQ(jumps[0].text, "io");
  EXPECT_EQ(jumps[0].value, 5 * kS);
  std::vector<TraceEvent> deliveries = events_of(out, TraceKind::kIoDelivery);
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].id, 7u);
  EXPECT_EQ(deliveries[0].value, static_cast<int64_t>(kReadable));
  EXPECT_EQ(deliveries[0].t_ns, 5 * kS);
}

TEST(WorldIo, WorldOfFindsASimulatedLoopsWorldAndNothingElse) {
  World* seen = nullptr;
  Outcome out = Simulation(SimulationOptions()).run_setup([&seen](EventLoop& loop) { seen = world_of(loop); });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_NE(seen, nullptr);
  std::shared_ptr<EventLoop> real = EventLoop::create(new_default_backend());
  EXPECT_EQ(world_of(*real), nullptr);
  real->close();
}

// Registers readers for `fds` (in that order) and delivers readability to
// each at 1 s; returns the order in which the callbacks ran.
std::vector<int> readiness_order(const std::vector<int>& fds, SimulationOptions options, Outcome* out_or_null) {
  std::vector<int> order;
  Outcome out = Simulation(options).run_setup([&order, &fds](EventLoop& loop) {
    for (int fd : fds) {
      loop.add_reader(fd, [&order, fd] { order.push_back(fd); });
      world_of(loop)->deliver_io(fd, kReadable, kS);
    }
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  if (out_or_null != nullptr) *out_or_null = std::move(out);
  return order;
}

TEST(WorldIo, FdsReadyInOnePollComeInTapeChosenOrder) {
  // Value 0 keeps ascending fd order, whatever the registration order.
  Outcome out;
  EXPECT_THAT(readiness_order({4, 3}, replaying({readiness(2, 0)}), &out), ElementsAre(3, 4));
  EXPECT_EQ(out.choices, std::vector<Choice>{readiness(2, 0)});
  EXPECT_THAT(readiness_order({4, 3}, replaying({readiness(2, 1)}), &out), ElementsAre(4, 3));
  EXPECT_EQ(out.choices, std::vector<Choice>{readiness(2, 1)});
}

TEST(WorldIo, ThreeReadyFdsDrawAFullPermutation) {
  std::set<std::vector<int>> orders;
  for (uint64_t a = 0; a < 3; ++a) {
    for (uint64_t b = 0; b < 2; ++b) {
      Outcome out;
      orders.insert(readiness_order({10, 11, 12}, replaying({readiness(3, a), readiness(2, b)}), &out));
      EXPECT_EQ(out.choices, (std::vector<Choice>{readiness(3, a), readiness(2, b)}));
    }
  }
  EXPECT_EQ(orders.size(), 6u);
}

TEST(WorldIo, DeliveryToAnUnregisteredFdWaitsUntilItIsRegistered) {
  std::vector<int64_t> ran_at;
  Outcome out = Simulation(SimulationOptions()).run_setup([&ran_at](EventLoop& loop) {
    world_of(loop)->deliver_io(5, kReadable, kS);
    loop.call_later(3.0, [&ran_at, &loop] {
      loop.add_reader(5, [&ran_at, &loop] { ran_at.push_back(loop.time_ns()); });
    });
  });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_THAT(ran_at, ElementsAre(3 * kS));
  for (const TraceEvent& jump : events_of(out, TraceKind::kTimeJump)) EXPECT_NE(jump.text, "io");
}

TEST(WorldIo, DeliveryWaitsForInterestInItsMask) {
  // Writability delivered to an fd watched for reading only waits for a
  // writer.
  std::vector<std::string> ran;
  Outcome out = Simulation(SimulationOptions()).run_setup([&ran](EventLoop& loop) {
    loop.add_reader(6, [&ran] { ran.push_back("reader"); });
    world_of(loop)->deliver_io(6, kWritable, kS);
    loop.call_later(2.0, [&ran, &loop] {
      loop.add_writer(6, [&ran, &loop] {
        ran.push_back("writer");
        loop.remove_writer(6);
      });
    });
  });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_THAT(ran, ElementsAre("writer"));
  EXPECT_EQ(out.end_ns, 2 * kS);
}

TEST(WorldIo, UndeliveredIoDoesNotKeepARunSetupAlive) {
  Outcome out = Simulation(SimulationOptions()).run_setup([](EventLoop& loop) {
    world_of(loop)->deliver_io(8, kReadable, kS);  // nobody ever watches fd 8
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.end_ns, 0);
}

// ---- Poller errors ----

TEST(WorldPoller, DoubleRegistrationAndUnknownFdsAreErrorsNamingTheFd) {
  Outcome out = Simulation(SimulationOptions()).run_setup([](EventLoop& loop) {
    World* world = world_of(loop);
    EXPECT_TRUE(world->register_fd(9, kReadable).ok());
    absl::Status twice = world->register_fd(9, kReadable);
    EXPECT_EQ(twice.code(), absl::StatusCode::kAlreadyExists);
    EXPECT_EQ(twice.message(), "simulated poller: register_fd(fd 9): already registered");
    absl::Status unknown = world->unregister_fd(10);
    EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(unknown.message(), "simulated poller: unregister_fd(fd 10): not registered");
    absl::Status modify = world->modify_fd(10, kWritable);
    EXPECT_EQ(modify.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(modify.message(), "simulated poller: modify_fd(fd 10): not registered");
    EXPECT_TRUE(world->unregister_fd(9).ok());
  });
  EXPECT_TRUE(out.ok()) << out.describe();
}

TEST(WorldPoller, AddReaderOnAnFdThePollerAlreadyHasRaisesOSErrorWithEpollsErrno) {
  std::string message;
  int error_number = -1;
  Outcome out = Simulation(SimulationOptions()).run_setup([&](EventLoop& loop) {
    ASSERT_TRUE(world_of(loop)->register_fd(9, kReadable).ok());
    try {
      loop.add_reader(9, [] {});
    } catch (const OSError& e) {
      message = e.what();
      error_number = e.error_number();
    }
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  // What epoll_ctl(ADD) says for an fd it already has.
  EXPECT_EQ(message, "[Errno 17] File exists");
  EXPECT_EQ(error_number, EEXIST);
}

TEST(WorldPoller, RemoveReaderOfAnFdThePollerForgotRaisesOSErrorWithEpollsErrno) {
  std::string message;
  Outcome out = Simulation(SimulationOptions()).run_setup([&](EventLoop& loop) {
    loop.add_reader(9, [] {});
    ASSERT_TRUE(world_of(loop)->unregister_fd(9).ok());
    try {
      loop.remove_reader(9);
    } catch (const OSError& e) {
      message = e.what();
    }
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(message, "[Errno 2] No such file or directory");
}

TEST(WorldPoller, SecondAddReaderReplacesTheFirstWithoutError) {
  std::vector<std::string> ran;
  Outcome out = Simulation(SimulationOptions()).run_setup([&ran](EventLoop& loop) {
    loop.add_reader(9, [&ran] { ran.push_back("first"); });
    loop.add_reader(9, [&ran] { ran.push_back("second"); });
    world_of(loop)->deliver_io(9, kReadable, kS);
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_THAT(ran, ElementsAre("second"));
}

TEST(WorldPoller, RemoveReaderOfAnUnwatchedFdReturnsFalse) {
  bool removed = true;
  Outcome out = Simulation(SimulationOptions()).run_setup([&removed](EventLoop& loop) {
    removed = loop.remove_reader(12);
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_FALSE(removed);
}

// ---- Chaos mode ----

// CPython's order for three call_at with one deadline (A, B, C pushed in
// that order) is heapq's pop order, A C B. python3 (3.11.7) prints "ACB" for:
//   import asyncio
//   loop = asyncio.new_event_loop()
//   order = []
//   t = loop.time()
//   for name in "ABC":
//       loop.call_at(t + 0.01, order.append, name)
//   loop.call_at(t + 0.02, loop.stop)
//   loop.run_forever()
//   print("".join(order))
TEST(WorldChaos, FaithfulModeAlwaysOrdersEqualDeadlineTimersAsCPython) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SimulationOptions options;
    options.seed = seed;
    EXPECT_EQ(timer_order(options), "ACB") << "seed " << seed;
  }
}

TEST(WorldChaos, ChaosModePermutesEqualDeadlineTimers) {
  std::set<std::string> orders;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    SimulationOptions options;
    options.seed = seed;
    options.mode = Mode::kChaos;
    orders.insert(timer_order(options));
  }
  orders.erase("ACB");
  EXPECT_FALSE(orders.empty()) << "no seed in 0..99 gave an order other than CPython's";
}

TEST(WorldChaos, TimerTieChoicesPickEachNextTimerFromThoseLeftInCPythonOrder) {
  // Callback costs off: the only choices are the two tie picks (3, then 2
  // timers left). Each pick indexes the remaining timers in CPython's order.
  SimulationOptions base;
  base.mode = Mode::kChaos;
  base.callback_cost_step_ns = 0;
  const std::vector<std::pair<std::vector<Choice>, std::string>> cases = {
      {{tie(3, 0), tie(2, 0)}, "ACB"}, {{tie(3, 0), tie(2, 1)}, "ABC"}, {{tie(3, 1), tie(2, 0)}, "CAB"},
      {{tie(3, 1), tie(2, 1)}, "CBA"}, {{tie(3, 2), tie(2, 0)}, "BAC"}, {{tie(3, 2), tie(2, 1)}, "BCA"},
  };
  for (const auto& [tape, expected] : cases) {
    EXPECT_EQ(timer_order(replaying(tape, base)), expected) << tape[0].value << "," << tape[1].value;
  }
}

TEST(WorldChaos, CallbackCostAdvancesTimeBetweenCallbacks) {
  bool saw_cost = false;
  for (uint64_t seed = 0; seed < 20 && !saw_cost; ++seed) {
    SimulationOptions options;
    options.seed = seed;
    options.mode = Mode::kChaos;
    std::vector<int64_t> seen = two_callback_times(options);
    ASSERT_EQ(seen.size(), 2u);
    saw_cost = seen[1] != seen[0];
  }
  EXPECT_TRUE(saw_cost);
}

TEST(WorldChaos, CallbackCostIsATapeChoiceOfWholeSteps) {
  SimulationOptions base;
  base.mode = Mode::kChaos;
  Outcome out;
  std::vector<int64_t> seen = two_callback_times(replaying({cost(1), cost(3)}, base), &out);
  // The cost is charged before each callback: 1 step, then 3 more.
  EXPECT_THAT(seen, ElementsAre(100'000, 400'000));
  EXPECT_EQ(out.choices, (std::vector<Choice>{cost(1), cost(3)}));
  std::vector<TraceEvent> jumps = events_of(out, TraceKind::kTimeJump);
  ASSERT_EQ(jumps.size(), 2u);
  EXPECT_EQ(jumps[0].text, "callback_cost");
  EXPECT_EQ(jumps[0].value, 100'000);
  EXPECT_EQ(jumps[1].text, "callback_cost");
  EXPECT_EQ(jumps[1].value, 300'000);
}

TEST(WorldChaos, FaithfulModeHasNoCallbackCost) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SimulationOptions options;
    options.seed = seed;
    Outcome out;
    EXPECT_THAT(two_callback_times(options, &out), ElementsAre(0, 0));
    EXPECT_TRUE(out.choices.empty());
  }
}

// ---- Real threads ----

Coro<void> call_in_from_a_real_thread(std::shared_ptr<std::atomic<bool>> callback_ran) {
  EventLoop* loop = get_running_loop().get();
  std::thread thread([loop, callback_ran] { loop->call_soon_threadsafe([callback_ran] { *callback_ran = true; }); });
  thread.join();
  co_await sleep(0.001);
}

TEST(WorldRealThreads, ARealThreadCallingIntoTheLoopFailsTheRun) {
  auto callback_ran = std::make_shared<std::atomic<bool>>(false);
  Outcome out = Simulation(SimulationOptions()).run([callback_ran] { return call_in_from_a_real_thread(callback_ran); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(out.status.message(), HasSubstr("real thread"));
  EXPECT_FALSE(*callback_ran);
  EXPECT_FALSE(out.exception);
}

TEST(WorldRealThreads, ARealThreadPostingInTheLastIterationOfARunSetupFailsTheRun) {
  // The callback that stops the loop also lets a real thread post: no poll
  // and no callback follow, but the post must still be reported.
  Outcome out = Simulation(SimulationOptions()).run_setup([](EventLoop& loop) {
    loop.call_soon([&loop] {
      std::thread thread([&loop] { loop.call_soon_threadsafe([] {}); });
      thread.join();
      loop.stop();
    });
  });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kInternal) << out.describe();
  EXPECT_THAT(out.status.message(), HasSubstr("real thread"));
}

struct Parked {
  std::thread thread;
  std::atomic<bool> release{false};
};
Coro<void> start_a_thread_and_leave_it_running(Parked* parked) {
  parked->thread = std::thread([parked] {
    while (!parked->release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  co_await sleep(1.0);
}

TEST(WorldRealThreads, ARealThreadStillRunningAtTheEndFailsTheRun) {
  Parked parked;
  Outcome out = Simulation(SimulationOptions()).run([&parked] { return start_a_thread_and_leave_it_running(&parked); });
  parked.release = true;
  parked.thread.join();
  EXPECT_EQ(out.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(out.status.message(), HasSubstr("started real threads"));
}

}  // namespace
}  // namespace seedloop::sim
