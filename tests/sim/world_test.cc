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

namespace seedloop::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;

// ---- Tapes, made by hand ----

Choice duration(uint64_t value, uint64_t steps = 10) { return Choice{ChoiceKind::kExecutorDuration, steps, value}; }
Choice completion(uint64_t bound, uint64_t value) { return Choice{ChoiceKind::kExecutorOrder, bound, value}; }
Choice arrival(uint64_t delay, uint64_t max_delay = 2) {
  return Choice{ChoiceKind::kThreadsafeArrival, max_delay + 1, delay};
}
Choice readiness(uint64_t bound, uint64_t value) { return Choice{ChoiceKind::kReadinessOrder, bound, value}; }
Choice tie(uint64_t bound, uint64_t value) { return Choice{ChoiceKind::kTimerTieOrder, bound, value}; }
Choice cost(uint64_t value, uint64_t steps = 4) { return Choice{ChoiceKind::kCallbackCost, steps, value}; }

SimulationOptions replaying(std::vector<Choice> tape, SimulationOptions options = {}) {
  options.replay = std::move(tape);
  options.replay_mode = Tape::Replay::kStrict;
  return options;
}

std::vector<TraceEvent> events_of(const Outcome& out, TraceKind kind) {
  std::vector<TraceEvent> found;
  for (const TraceEvent& e : out.trace.events()) {
    if (e.kind == kind) found.push_back(e);
  }
  return found;
}

size_t count_choices(const Outcome& out, ChoiceKind kind) {
  size_t n = 0;
  for (const Choice& c : out.choices) n += c.kind == kind ? 1 : 0;
  return n;
}

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

// Two call_soon callbacks; the loop time each saw.
std::vector<int64_t> two_callback_times(SimulationOptions options, Outcome* out_or_null = nullptr) {
  std::vector<int64_t> seen;
  Outcome out = Simulation(options).run_setup([&seen](EventLoop& loop) {
    for (int i = 0; i < 2; ++i) loop.call_soon([&seen, &loop] { seen.push_back(loop.time_ns()); });
  });
  EXPECT_TRUE(out.ok()) << out.describe();
  if (out_or_null != nullptr) *out_or_null = std::move(out);
  return seen;
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
    Outcome out = Simulation(replaying(tape)).run([landing] { return post_from_a_job(landing); });
    ASSERT_TRUE(out.ok()) << out.describe();
    EXPECT_EQ(out.choices, tape);
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

TEST(WorldPoller, AddReaderOnAnFdThePollerAlreadyHasRaisesOSErrorNamingTheFd) {
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
  EXPECT_EQ(message, "simulated poller: register_fd(fd 9): already registered");
  EXPECT_EQ(error_number, 0);  // the errno does not cross the Poller seam
}

TEST(WorldPoller, RemoveReaderOfAnFdThePollerForgotRaisesOSErrorNamingTheFd) {
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
  EXPECT_EQ(message, "simulated poller: unregister_fd(fd 9): not registered");
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
