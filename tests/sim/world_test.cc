// sim::World, the simulated backend, seen through Simulation runs: virtual
// time jumps, executor jobs as simulated threads, the thread boundary,
// simulated fd readiness, chaos mode's timer permutations and callback
// costs, and the refusal of real threads.
//
// Tests that force a schedule replay a handmade tape strictly and check that
// the run drew exactly those choices, so the tapes below also specify which
// choices each situation draws.

#include "sim/world.h"

#include <atomic>
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

// ---- Programs ----

Coro<void> sleep_then_note_time(double seconds, std::shared_ptr<int64_t> woke_ns) {
  co_await sleep(seconds);
  *woke_ns = get_running_loop()->time_ns();
}

// Runs `n` executor jobs submitted together; each notes when its function
// ran. Then notes when main resumed.
struct JobLog {
  std::vector<std::pair<int, int64_t>> ran;  // (job 1..n, virtual ns)
  int64_t main_resumed_ns = -1;
};
Coro<void> run_jobs(int n, std::shared_ptr<JobLog> log) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  EventLoop* raw = loop.get();
  std::vector<Future<void>> jobs;
  for (int i = 1; i <= n; ++i) {
    jobs.push_back(loop->run_in_executor(nullptr, [raw, log, i] { log->ran.emplace_back(i, raw->time_ns()); }));
  }
  for (Future<void>& job : jobs) co_await job;
  log->main_resumed_ns = raw->time_ns();
}

// Starts an executor job, sleeps `seconds`, then awaits the job.
Coro<void> job_racing_a_sleep(double seconds) {
  Future<void> job = get_running_loop()->run_in_executor(nullptr, [] {});
  co_await sleep(seconds);
  co_await job;
}

// An executor job that calls call_soon_threadsafe; main waits for the
// callback.
struct Landing {
  bool ran_inline = false;  // had the callback run when call_soon_threadsafe returned?
  bool ran = false;
  uint64_t poll = 0;  // the loop iteration (World::polls) in which it ran
  int64_t at_ns = -1;
};
Coro<void> post_from_a_job(std::shared_ptr<Landing> landing) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  EventLoop* raw = loop.get();
  Future<void> landed = loop->create_future<void>();
  // The job is a named future, not `co_await run_in_executor(nullptr,
  // [..., landed] {...})`: g++ 12.2 destroys a lambda temporary passed inside
  // a co_await expression twice, which would release `landed` once too often.
  Future<void> job = loop->run_in_executor(nullptr, [raw, landing, landed] {
    raw->call_soon_threadsafe([raw, landing, landed] {
      landing->ran = true;
      landing->poll = world_of(*raw)->polls();
      landing->at_ns = raw->time_ns();
      landed.set_result();
    });
    landing->ran_inline = landing->ran;
  });
  co_await job;
  co_await landed;
}

// As post_from_a_job, while another task keeps the loop busy from the job's
// completion time on (a loop about to wait would take the post at once).
Coro<void> spin_from(double start_s, int iterations) {
  co_await sleep(start_s);
  for (int i = 0; i < iterations; ++i) co_await sleep(0);
}
Coro<void> post_from_a_job_while_a_task_spins(std::shared_ptr<Landing> landing) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Task<void> spinner = loop->create_task(spin_from(0.001, 10));
  Coro<void> post = post_from_a_job(landing);
  co_await std::move(post);
  co_await spinner;
}

// As post_from_a_job, but main does not wait for the job: it sleeps 10 s.
Coro<void> post_from_a_job_while_main_sleeps(std::shared_ptr<Landing> landing) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  EventLoop* raw = loop.get();
  Future<void> job = loop->run_in_executor(nullptr, [raw, landing] {
    raw->call_soon_threadsafe([raw, landing] {
      landing->ran = true;
      landing->at_ns = raw->time_ns();
    });
  });
  co_await sleep(10.0);
  co_await job;
}

// ---- Virtual time ----

TEST(WorldTime, SleepJumpsStraightToTheTimersDeadline) {
  auto woke = std::make_shared<int64_t>(-1);
  Outcome out = Simulation(SimulationOptions()).run([woke] { return sleep_then_note_time(3600.0, woke); });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(*woke, 3600 * kS);
  EXPECT_EQ(out.end_ns, 3600 * kS);
  std::vector<TraceEvent> jumps = events_of(out, TraceKind::kTimeJump);
  ASSERT_EQ(jumps.size(), 1u);
  EXPECT_EQ(jumps[0].text, "timeout");
  EXPECT_EQ(jumps[0].value, 3600 * kS);
  EXPECT_EQ(jumps[0].t_ns, 3600 * kS);
  EXPECT_LT(out.polls, 10u);  // one jump, no stepping through the hour
}

TEST(WorldTime, TimeDoesNotMoveWhileThereIsWork) {
  std::vector<int64_t> seen = two_callback_times(SimulationOptions());
  EXPECT_THAT(seen, ElementsAre(0, 0));
}

TEST(WorldTime, JumpsStopAtTheEarliestOfTimerAndExecutorCompletion) {
  // The job finishes at 7 ms; main also sleeps until 10 ms.
  SimulationOptions options = replaying({duration(6)});
  options.threadsafe_max_delay = 0;
  Outcome out = Simulation(options).run([] { return job_racing_a_sleep(0.010); });
  ASSERT_TRUE(out.ok()) << out.describe();
  std::vector<TraceEvent> jumps = events_of(out, TraceKind::kTimeJump);
  ASSERT_EQ(jumps.size(), 2u);
  EXPECT_EQ(jumps[0].text, "executor");
  EXPECT_EQ(jumps[0].t_ns, 7 * kMs);
  EXPECT_EQ(jumps[0].value, 7 * kMs);
  EXPECT_EQ(jumps[1].text, "timeout");
  EXPECT_EQ(jumps[1].t_ns, 10 * kMs);
  EXPECT_EQ(jumps[1].value, 3 * kMs);
}

// ---- Executor jobs ----

TEST(WorldExecutor, JobRunsAtItsVirtualCompletionTime) {
  // executor_duration value 6 means 7 steps of 1 ms.
  SimulationOptions options = replaying({duration(6)});
  options.threadsafe_max_delay = 0;
  auto log = std::make_shared<JobLog>();
  Outcome out = Simulation(options).run([log] { return run_jobs(1, log); });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_THAT(log->ran, ElementsAre(Pair(1, 7 * kMs)));
  EXPECT_EQ(log->main_resumed_ns, 7 * kMs);
  EXPECT_EQ(out.choices, std::vector<Choice>{duration(6)});

  std::vector<TraceEvent> submits = events_of(out, TraceKind::kExecutorSubmit);
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0].id, 1u);
  EXPECT_EQ(submits[0].t_ns, 0);
  std::vector<TraceEvent> starts = events_of(out, TraceKind::kExecutorStart);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].value, 7 * kMs);
  std::vector<TraceEvent> completes = events_of(out, TraceKind::kExecutorComplete);
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_EQ(completes[0].id, 1u);
  EXPECT_EQ(completes[0].t_ns, 7 * kMs);
  // shutdown_default_executor's helper thread ran, simulated, after the job.
  std::vector<TraceEvent> spawns = events_of(out, TraceKind::kThreadSpawn);
  ASSERT_EQ(spawns.size(), 1u);
  EXPECT_EQ(spawns[0].id, 1u);
}

TEST(WorldExecutor, DurationIsOneToExecutorStepsWholeSteps) {
  SimulationOptions options;
  options.executor_step_ns = 1000;
  options.executor_steps = 5;
  std::set<int64_t> durations;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    options.seed = seed;
    auto log = std::make_shared<JobLog>();
    Outcome out = Simulation(options).run([log] { return run_jobs(4, log); });
    ASSERT_TRUE(out.ok()) << out.describe();
    for (const auto& [job, at_ns] : log->ran) durations.insert(at_ns);  // submitted at t=0
    for (const Choice& c : out.choices) {
      if (c.kind == ChoiceKind::kExecutorDuration) {
        EXPECT_EQ(c.bound, 5u);
      }
    }
    EXPECT_EQ(count_choices(out, ChoiceKind::kExecutorDuration), 4u);
  }
  EXPECT_EQ(durations, (std::set<int64_t>{1000, 2000, 3000, 4000, 5000}));
}

TEST(WorldExecutor, ShortestAndLongestDurationsAreOneAndExecutorStepsSteps) {
  for (uint64_t value : {0u, 9u}) {
    SimulationOptions options = replaying({duration(value)});
    options.threadsafe_max_delay = 0;
    auto log = std::make_shared<JobLog>();
    Outcome out = Simulation(options).run([log] { return run_jobs(1, log); });
    ASSERT_TRUE(out.ok()) << out.describe();
    EXPECT_THAT(log->ran, ElementsAre(Pair(1, static_cast<int64_t>(value + 1) * kMs)));
  }
}

TEST(WorldExecutor, OneWorkerRunsJobsOneAfterTheOther) {
  // Job 1 takes 3 ms; job 2 waits for the worker, then takes 5 ms.
  SimulationOptions options = replaying({duration(2), duration(4)});
  options.threadsafe_max_delay = 0;
  options.executor_workers = 1;
  auto log = std::make_shared<JobLog>();
  Outcome out = Simulation(options).run([log] { return run_jobs(2, log); });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_THAT(log->ran, ElementsAre(Pair(1, 3 * kMs), Pair(2, 8 * kMs)));
  EXPECT_EQ(out.choices, (std::vector<Choice>{duration(2), duration(4)}));

  std::vector<TraceEvent> submits = events_of(out, TraceKind::kExecutorSubmit);
  ASSERT_EQ(submits.size(), 2u);
  EXPECT_EQ(submits[1].id, 2u);
  EXPECT_EQ(submits[1].value, -1);  // queued for a worker
  std::vector<TraceEvent> starts = events_of(out, TraceKind::kExecutorStart);
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[1].id, 2u);
  EXPECT_EQ(starts[1].t_ns, 3 * kMs);
  EXPECT_EQ(starts[1].value, 5 * kMs);
}

TEST(WorldExecutor, TwoWorkersRunJobsAtTheSameTime) {
  SimulationOptions options = replaying({duration(2), duration(4)});
  options.threadsafe_max_delay = 0;
  options.executor_workers = 2;
  auto log = std::make_shared<JobLog>();
  Outcome out = Simulation(options).run([log] { return run_jobs(2, log); });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_THAT(log->ran, ElementsAre(Pair(1, 3 * kMs), Pair(2, 5 * kMs)));
}

TEST(WorldExecutor, JobsFinishingAtTheSameInstantCompleteInTapeChosenOrder) {
  for (uint64_t first : {0u, 1u}) {
    const std::vector<Choice> tape = {duration(0), duration(0), completion(2, first)};
    SimulationOptions options = replaying(tape);
    options.threadsafe_max_delay = 0;
    auto log = std::make_shared<JobLog>();
    Outcome out = Simulation(options).run([log] { return run_jobs(2, log); });
    ASSERT_TRUE(out.ok()) << out.describe();
    EXPECT_EQ(out.choices, tape);
    if (first == 0) {
      EXPECT_THAT(log->ran, ElementsAre(Pair(1, kMs), Pair(2, kMs)));
    } else {
      EXPECT_THAT(log->ran, ElementsAre(Pair(2, kMs), Pair(1, kMs)));
    }
  }
}

// ---- The thread boundary ----

TEST(WorldBoundary, CallSoonThreadsafeFromAJobLandsThroughTheBoundary) {
  const std::vector<Choice> tape = {duration(0), arrival(1), arrival(0), arrival(0)};
  auto landing = std::make_shared<Landing>();
  Outcome out = Simulation(replaying(tape)).run([landing] { return post_from_a_job(landing); });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_EQ(out.choices, tape);
  EXPECT_FALSE(landing->ran_inline);
  EXPECT_TRUE(landing->ran);
  std::vector<TraceEvent> posts = events_of(out, TraceKind::kThreadsafePost);
  ASSERT_GE(posts.size(), 1u);
  EXPECT_EQ(posts[0].id, 1u);
  EXPECT_EQ(posts[0].value, 1);  // iterations until it lands
  EXPECT_EQ(posts[0].t_ns, kMs);
  std::vector<TraceEvent> arrivals = events_of(out, TraceKind::kThreadsafeArrival);
  ASSERT_GE(arrivals.size(), 1u);
  EXPECT_GE(arrivals[0].value, 1);  // items drained
}

TEST(WorldBoundary, TapeChosenDelayMovesTheLandingIteration) {
  std::vector<uint64_t> polls;
  for (uint64_t delay : {0u, 1u, 2u}) {
    const std::vector<Choice> tape = {duration(0), arrival(delay), arrival(0), arrival(0)};
    auto landing = std::make_shared<Landing>();
    Outcome out = Simulation(replaying(tape)).run([landing] { return post_from_a_job_while_a_task_spins(landing); });
    ASSERT_TRUE(out.ok()) << out.describe();
    EXPECT_EQ(landing->at_ns, kMs);
    polls.push_back(landing->poll);
  }
  EXPECT_EQ(polls[1], polls[0] + 1);
  EXPECT_EQ(polls[2], polls[0] + 2);
}

TEST(WorldBoundary, DelayIsZeroToThreadsafeMaxDelayIterations) {
  SimulationOptions options;
  options.threadsafe_max_delay = 2;
  std::set<uint64_t> delays;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    options.seed = seed;
    auto landing = std::make_shared<Landing>();
    Outcome out = Simulation(options).run([landing] { return post_from_a_job(landing); });
    ASSERT_TRUE(out.ok()) << out.describe();
    EXPECT_FALSE(landing->ran_inline);
    for (const Choice& c : out.choices) {
      if (c.kind == ChoiceKind::kThreadsafeArrival) {
        EXPECT_EQ(c.bound, 3u);
        delays.insert(c.value);
      }
    }
  }
  EXPECT_EQ(delays, (std::set<uint64_t>{0, 1, 2}));
}

TEST(WorldBoundary, ZeroMaxDelayDrawsNoArrivalChoices) {
  SimulationOptions options;
  options.threadsafe_max_delay = 0;
  options.seed = 3;
  auto landing = std::make_shared<Landing>();
  Outcome out = Simulation(options).run([landing] { return post_from_a_job(landing); });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_FALSE(landing->ran_inline);
  EXPECT_TRUE(landing->ran);
  EXPECT_EQ(count_choices(out, ChoiceKind::kThreadsafeArrival), 0u);
  std::vector<TraceEvent> posts = events_of(out, TraceKind::kThreadsafePost);
  ASSERT_FALSE(posts.empty());
  for (const TraceEvent& p : posts) EXPECT_EQ(p.value, 0);
}

TEST(WorldBoundary, ALoopAboutToWaitReceivesAPendingPostAtOnce) {
  // The post is due 2 iterations later, but the loop would otherwise sleep
  // until 10 s: it lands when the job finishes, at 1 ms.
  SimulationOptions options = replaying({duration(0), arrival(2), arrival(2), arrival(0)}, SimulationOptions());
  options.replay_mode = Tape::Replay::kLenient;
  auto landing = std::make_shared<Landing>();
  Outcome out = Simulation(options).run([landing] { return post_from_a_job_while_main_sleeps(landing); });
  ASSERT_TRUE(out.ok()) << out.describe();
  EXPECT_TRUE(landing->ran);
  EXPECT_EQ(landing->at_ns, kMs);
  EXPECT_EQ(out.end_ns, 10 * kS);
}

}  // namespace
}  // namespace seedloop::sim
