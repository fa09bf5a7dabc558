// sim::Simulation, the harness: budgets that stop runaway programs, deadlock
// reports, run vs run_setup endings, the program's exception, and
// asyncio.run's cancellation of leftover tasks. Replaying tapes and
// determinism: simulation_replay_test.cc.

#include "sim/simulation.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/errors.h"
#include "loop/policy.h"
#include "loop/task.h"
#include "sim/tape.h"
#include "sim/trace.h"

namespace seedloop::sim {
namespace {

using ::testing::HasSubstr;

// ---- Programs ----

Coro<void> endless_yields() {
  while (true) co_await yield_now();
}

// Installs an exception handler that records each message.
Coro<void> record_handler_then_yield_forever(std::shared_ptr<std::vector<std::string>> messages) {
  get_running_loop()->set_exception_handler(
      [messages](EventLoop&, const ExceptionContext& context) { messages->push_back(context.message); });
  while (true) co_await yield_now();
}

// Each iteration has an executor job in flight and a threadsafe post.
Coro<void> endless_executor_jobs() {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  while (true) {
    Future<int> job = loop->run_in_executor(nullptr, [] { return 1; });
    loop->call_soon_threadsafe([] {});
    co_await job;
  }
}

Coro<void> endless_sleeps() {
  while (true) co_await sleep(1.0);
}

Coro<void> await_forever() {
  Future<int> never = get_running_loop()->create_future<int>();
  co_await never;
}

Coro<void> raise_value_error() {
  co_await sleep(1.0);
  throw ValueError("boom");
}


struct Recorder {
  bool background_cancelled = false;
  bool background_finished = false;
};
Coro<void> background(std::shared_ptr<Recorder> rec) {
  try {
    co_await sleep(100.0);
    rec->background_finished = true;
  } catch (const CancelledError&) {
    rec->background_cancelled = true;
    throw;
  }
}
Coro<void> main_leaving_a_task_behind(std::shared_ptr<Recorder> rec) {
  (void)get_running_loop()->create_task(background(rec));
  co_await sleep(1.0);
}

// ---- Budgets ----

TEST(SimulationBudgets, StepBudgetStopsAnEndlessCallbackChainWithItsName) {
  SimulationOptions options;
  options.budgets.max_steps = 1000;
  struct Chain {
    EventLoop* loop = nullptr;
    uint64_t runs = 0;
    void tick() {
      ++runs;
      loop->call_soon([this] { tick(); });
    }
  } chain;
  Outcome out = Simulation(options).run_setup([&chain](EventLoop& loop) {
    chain.loop = &loop;
    loop.call_soon([&chain] { chain.tick(); });
  });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(out.status.message(), HasSubstr("simulation budget max_steps exceeded"));
  EXPECT_THAT(out.status.message(), HasSubstr("more than 1000 callbacks"));
  EXPECT_EQ(chain.runs, 1000u);  // the callback over budget never runs
  EXPECT_FALSE(out.exception);
}

TEST(SimulationBudgets, StepBudgetStopsAnEndlessTaskLoop) {
  SimulationOptions options;
  options.budgets.max_steps = 500;
  Outcome out = Simulation(options).run([] { return endless_yields(); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(out.status.message(), HasSubstr("max_steps"));
  EXPECT_FALSE(out.ok());
}

TEST(SimulationBudgets, VirtualTimeBudgetStopsAnEndlessSleepLoopWithItsName) {
  SimulationOptions options;
  options.budgets.max_virtual_ns = 10'000'000'000;  // 10 s
  Outcome out = Simulation(options).run([] { return endless_sleeps(); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(out.status.message(), HasSubstr("simulation budget max_virtual_ns exceeded"));
  EXPECT_THAT(out.status.message(), HasSubstr("jumping for timeout"));
  // Time never moves past the budget: the jump that would is refused.
  EXPECT_EQ(out.end_ns, 10'000'000'000);
}

TEST(SimulationBudgets, VirtualTimeBudgetCountsFromStartTime) {
  SimulationOptions options;
  options.start_ns = 1'000'000'000'000;
  options.budgets.max_virtual_ns = 5'000'000'000;
  Outcome out = Simulation(options).run([] { return endless_sleeps(); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(out.status.message(), HasSubstr("max_virtual_ns"));
  EXPECT_EQ(out.end_ns, options.start_ns + 5'000'000'000);
}

TEST(SimulationBudgets, PollBudgetStopsAnEndlessLoopWithItsName) {
  SimulationOptions options;
  options.budgets.max_polls = 100;
  Outcome out = Simulation(options).run([] { return endless_sleeps(); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(out.status.message(), HasSubstr("simulation budget max_polls exceeded"));
  EXPECT_THAT(out.status.message(), HasSubstr("more than 100 loop iterations"));
  EXPECT_EQ(out.polls, 101u);
}

// A stop that lands on a future's done callback (here the third callback:
// main's step, the timer that resolves sleep's future, then the done
// callback that wakes main) must end the run like any other stop.
// Run in a child process (a death test) so that a crash fails this test
// only.
TEST(SimulationBudgetsDeathTest, StopOnAFutureDoneCallbackEndsTheRunCleanly) {
  EXPECT_EXIT(
      {
        SimulationOptions options;
        options.budgets.max_steps = 2;
        Outcome out = Simulation(options).run([] { return sleep(0.001); });
        std::exit(out.status.code() == absl::StatusCode::kResourceExhausted ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SimulationBudgetsDeathTest, StopWithExecutorJobsAndPostsInFlightEndsCleanly) {
  // Stopped at many different points with a job running and posts pending:
  // every run ends with the budget's status (and, under ASan, frees
  // everything).
  EXPECT_EXIT(
      {
        bool all_stopped = true;
        for (uint64_t max_steps = 1; max_steps <= 40; ++max_steps) {
          SimulationOptions options;
          options.seed = max_steps;
          options.mode = Mode::kChaos;
          options.budgets.max_steps = max_steps;
          Outcome out = Simulation(options).run([] { return endless_executor_jobs(); });
          all_stopped = all_stopped && out.status.code() == absl::StatusCode::kResourceExhausted;
        }
        std::exit(all_stopped ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SimulationBudgets, StopAbandonsPendingTasksQuietly) {
  // Simulation::run's stop path promises that pending tasks are abandoned
  // quietly (the status says why): no "Task was destroyed but it is
  // pending!" reaches the program's exception handler.
  auto messages = std::make_shared<std::vector<std::string>>();
  SimulationOptions options;
  options.budgets.max_steps = 20;
  Outcome out = Simulation(options).run([messages] { return record_handler_then_yield_forever(messages); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(*messages, ::testing::IsEmpty());
}

// ---- How runs end ----

TEST(SimulationEndings, MainAwaitingAFutureNobodyResolvesIsADeadlock) {
  Outcome out = Simulation(SimulationOptions()).run([] { return await_forever(); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status.message(), HasSubstr("deadlock at t=0 ns"));
  EXPECT_THAT(out.status.message(), HasSubstr("the main task or its shutdown is pending"));
  EXPECT_FALSE(out.exception);
}

TEST(SimulationEndings, RunSetupEndsNormallyAtQuiescence) {
  int fired = 0;
  Outcome out = Simulation(SimulationOptions()).run_setup([&fired](EventLoop& loop) {
    loop.call_later(5.0, [&fired] { ++fired; });
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.describe(), "ok");
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(out.end_ns, 5'000'000'000);
}

TEST(SimulationEndings, RunSetupEndsAtLoopStop) {
  bool late_ran = false;
  Outcome out = Simulation(SimulationOptions()).run_setup([&late_ran](EventLoop& loop) {
    loop.call_later(1.0, [&loop] { loop.stop(); });
    loop.call_later(10.0, [&late_ran] { late_ran = true; });
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_FALSE(late_ran);
  EXPECT_EQ(out.end_ns, 1'000'000'000);
}

TEST(SimulationEndings, ProgramExceptionIsTheOutcomesExceptionNotItsStatus) {
  Outcome out = Simulation(SimulationOptions()).run([] { return raise_value_error(); });
  EXPECT_TRUE(out.status.ok()) << out.status;
  ASSERT_TRUE(out.exception);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(describe_exception(out.exception), "ValueError: boom");
  EXPECT_EQ(out.describe(), "program raised ValueError: boom");
  EXPECT_EQ(out.end_ns, 1'000'000'000);
}

TEST(SimulationEndings, SetupExceptionIsTheOutcomesException) {
  Outcome out = Simulation(SimulationOptions()).run_setup([](EventLoop&) { throw RuntimeError("bad setup"); });
  EXPECT_TRUE(out.status.ok()) << out.status;
  ASSERT_TRUE(out.exception);
  EXPECT_EQ(out.describe(), "program raised RuntimeError: bad setup");
}

TEST(SimulationEndings, RemainingTasksAreCancelledWhenMainReturns) {
  auto rec = std::make_shared<Recorder>();
  Outcome out = Simulation(SimulationOptions()).run([rec] { return main_leaving_a_task_behind(rec); });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_TRUE(rec->background_cancelled);
  EXPECT_FALSE(rec->background_finished);
  EXPECT_EQ(out.end_ns, 1'000'000'000);  // the 100 s sleep was cancelled, not waited for
}

TEST(SimulationEndings, StartTimeSetsTheLoopClock) {
  SimulationOptions options;
  options.start_ns = 42'000'000'000;
  Outcome out = Simulation(options).run([] { return sleep(1.0); });
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.end_ns, 43'000'000'000);
}

}  // namespace
}  // namespace seedloop::sim
