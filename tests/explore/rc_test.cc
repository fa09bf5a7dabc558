// rapidcheck properties of simulated programs (sim/rc.h): the workload
// parameters and the schedule are generated, and shrink, together.
//
// RcQueue.DeliversEveryItemExactlyOnce is a property that holds. The
// RcHarness tests check the harness on a property that fails by design
// (jobs must beat a 4 ms deadline, but a job takes 1..10 ms): the failure is
// caught (without failing this suite), shrunk to the smallest workload, and
// written as a tape file whose replay command reproduces it.

#include "sim/rc.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/gather.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/errors.h"
#include "loop/policy.h"
#include "loop/sync/queue.h"
#include "rapidcheck.h"
#include "sim/explore.h"
#include "sim/simulation.h"

namespace seedloop::sim {
namespace {

// ---- A property that holds: a Queue delivers every item exactly once ----

struct QueueWorkload {
  int producers;
  int consumers;
  int items;  // per producer
  int maxsize;
};

// Puts `items` items, waiting now and then: on a timer (equal deadlines
// across producers, so chaos mode permutes them) or on an executor job (a
// tape-chosen duration).
Coro<void> producer(Queue<int>* queue, int p, int items) {
  for (int i = 0; i < items; ++i) {
    if (i % 3 == 1) co_await sleep_ns(1'000'000);
    if (i % 3 == 2) co_await get_running_loop()->run_in_executor(nullptr, [i] { return i; });
    co_await queue->put(p * 1000 + i);
  }
}

// Takes items until a negative one (the end marker), yielding after each.
Coro<void> consumer(Queue<int>* queue, std::vector<int>* got) {
  while (true) {
    const int v = co_await queue->get();
    if (v < 0) co_return;
    got->push_back(v);
    co_await sleep(0);
  }
}

Coro<void> queue_main(QueueWorkload w, std::vector<int>* got) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Queue<int> queue(w.maxsize);
  std::vector<Task<void>> consumers;
  for (int c = 0; c < w.consumers; ++c) consumers.push_back(loop->create_task(consumer(&queue, got)));
  std::vector<Coro<void>> producers;
  for (int p = 0; p < w.producers; ++p) producers.push_back(producer(&queue, p, w.items));
  co_await gather(std::move(producers));
  for (int c = 0; c < w.consumers; ++c) co_await queue.put(-1);
  for (Task<void>& t : consumers) co_await t;
}

SimulationOptions chaos_options() {
  SimulationOptions options;
  options.mode = Mode::kChaos;
  options.trace = TraceLevel::kHashOnly;
  return options;
}

TEST(RcQueue, DeliversEveryItemExactlyOnce) {
  const std::vector<RcParam> params = {
      {"producers", rc::gen::inRange<int64_t>(1, 5)},
      {"consumers", rc::gen::inRange<int64_t>(1, 4)},
      {"items", rc::gen::inRange<int64_t>(0, 7)},
      {"maxsize", rc::gen::inRange<int64_t>(0, 4)},  // 0: unbounded
  };
  rc_gtest_check(params, [](const RcCase& c) {
    const QueueWorkload w{static_cast<int>(c.param("producers")), static_cast<int>(c.param("consumers")),
                          static_cast<int>(c.param("items")), static_cast<int>(c.param("maxsize"))};
    std::vector<int> got;
    const Outcome out = c.run(chaos_options(), [w, &got] { return queue_main(w, &got); });
    std::vector<int> sent;
    for (int p = 0; p < w.producers; ++p) {
      for (int i = 0; i < w.items; ++i) sent.push_back(p * 1000 + i);
    }
    std::sort(got.begin(), got.end());
    c.require(out.ok() && got == sent, out, "every item is delivered exactly once");
  });
}

TEST(RcQueue, GeneratedTapesGiveDifferentSchedules) {
  // The generated tapes do steer the run: over 100 cases of one workload,
  // most runs differ.
  RcCheckOptions options;
  rc::detail::TestParams params;
  params.seed = 7;
  options.params = params;
  options.replay = RcCheckOptions::Replay::kIgnore;
  std::set<uint64_t> hashes;
  int cases = 0;
  const RcCheckResult result = rc_check_simulation(
      {},
      [&](const RcCase& c) {
        std::vector<int> got;
        const Outcome out = c.run(chaos_options(), [&got] { return queue_main(QueueWorkload{3, 2, 4, 1}, &got); });
        hashes.insert(out.trace_hash);
        ++cases;
        c.require(out.ok() && got.size() == 12u, out, "the fixed workload runs");
      },
      options);
  EXPECT_TRUE(result.ok) << result.message;
  EXPECT_EQ(cases, 100);
  EXPECT_GT(hashes.size(), 50u) << hashes.size() << " distinct runs in " << cases << " cases";
  std::printf("%zu distinct runs in %d cases of one workload\n", hashes.size(), cases);
}

// ---- A property that fails by design ----

constexpr double kDeadlineS = 0.004;

Coro<void> await_all(std::vector<Future<int>> futures) {
  for (Future<int>& f : futures) co_await f;
}

// `jobs` executor jobs (1..10 ms each, tape-chosen) must all finish within
// 4 ms.
Coro<void> jobs_main(int jobs) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  std::vector<Future<int>> futures;
  for (int j = 0; j < jobs; ++j) futures.push_back(loop->run_in_executor(nullptr, [j] { return j; }));
  co_await wait_for(await_all(std::move(futures)), kDeadlineS);
}

// One evaluation of the failing property, as the harness test sees it.
struct Evaluation {
  Workload workload;
  std::vector<Choice> choices;  // normalized
  bool failed;
};

std::vector<RcParam> jobs_params() { return {{"jobs", rc::gen::inRange<int64_t>(1, 8)}}; }

// "Jobs beat the deadline": false whenever a job takes 4 ms or more.
std::function<void(const RcCase&)> jobs_beat_the_deadline(std::vector<Evaluation>* log) {
  return [log](const RcCase& c) {
    const int jobs = static_cast<int>(c.param("jobs"));
    SimulationOptions options;  // faithful: only executor durations and arrivals are chosen
    options.trace = TraceLevel::kHashOnly;
    const Outcome out = c.run(options, [jobs] { return jobs_main(jobs); });
    if (log != nullptr) log->push_back(Evaluation{c.workload(), out.choices, !out.ok()});
    c.require(out.ok(), out, "jobs beat the 4 ms deadline");
  };
}

// Fixed rapidcheck parameters: this check's result must not depend on the
// suite's random seed.
RcCheckOptions failing_check_options() {
  RcCheckOptions options;
  rc::detail::TestParams params;
  params.seed = 20240501;
  params.maxSuccess = 100;
  options.params = params;
  options.listener = RcCheckOptions::Listener::kSilent;  // expected to fail: no reproduce line at exit
  options.replay = RcCheckOptions::Replay::kIgnore;
  return options;
}

// The harness tests fail on purpose: their tape files go to the test's
// temporary directory, not to /tmp/seedloop-tapes.
class RcHarness : public ::testing::Test {
 protected:
  void SetUp() override { setenv("SEEDLOOP_TAPE_DIR", ::testing::TempDir().c_str(), /*overwrite=*/1); }
  void TearDown() override { unsetenv("SEEDLOOP_TAPE_DIR"); }
};

TEST_F(RcHarness, FailingPropertyIsCaughtShrunkAndSaved) {
  std::vector<Evaluation> log;
  const RcCheckResult result =
      rc_check_simulation(jobs_params(), jobs_beat_the_deadline(&log), failing_check_options());
  std::printf("%s\n", result.message.c_str());
  ASSERT_FALSE(result.ok);
  EXPECT_FALSE(result.replayed);
  EXPECT_EQ(result.rc_seed, 20240501u);
  // Shrunk together: the smallest workload (one job) ...
  ASSERT_EQ(result.workload.size(), 1u);
  EXPECT_EQ(result.workload[0], (std::pair<std::string, int64_t>("jobs", 1)));
  // ... and the message names the seed, the file and the command.
  ASSERT_TRUE(result.saved.has_value());
  EXPECT_TRUE(std::filesystem::exists(result.saved->path)) << result.saved->path;
  EXPECT_NE(result.saved->command.find("--test_env=SEEDLOOP_REPLAY=" + result.saved->path), std::string::npos);
  EXPECT_NE(result.saved->command.find("--test_filter=RcHarness.FailingPropertyIsCaughtShrunkAndSaved"),
            std::string::npos);
  EXPECT_NE(result.message.find(result.saved->path), std::string::npos);
  EXPECT_NE(result.message.find(result.saved->command), std::string::npos);
  EXPECT_NE(result.message.find("RC_PARAMS=\"seed=20240501\""), std::string::npos);
  EXPECT_NE(result.message.find("jobs=1"), std::string::npos);
  EXPECT_EQ(result.reproduce.rfind("reproduce=", 0), 0u) << result.reproduce;
  EXPECT_NE(result.message.find(result.reproduce), std::string::npos);

  // Which file wins: the last evaluation rapidcheck made is the minimal
  // case, it failed, and the file holds its tape and workload.
  ASSERT_FALSE(log.empty());
  std::printf("rapidcheck evaluated the property %zu times; the last evaluation is the one saved\n", log.size());
  const Evaluation& last = log.back();
  EXPECT_TRUE(last.failed);
  EXPECT_EQ(last.workload, result.workload);
  // The tape shrank to the boundary: the one job takes 5 ms (4 ms ties
  // with the deadline and still makes it).
  ASSERT_FALSE(last.choices.empty());
  EXPECT_EQ(last.choices.front(), (Choice{ChoiceKind::kExecutorDuration, 10, 4}));
  setenv("SEEDLOOP_REPLAY", result.saved->path.c_str(), /*overwrite=*/1);
  absl::StatusOr<std::optional<std::vector<Choice>>> saved_tape = replay_from_env();
  unsetenv("SEEDLOOP_REPLAY");
  ASSERT_TRUE(saved_tape.ok()) << saved_tape.status();
  ASSERT_TRUE(saved_tape->has_value());
  EXPECT_EQ(**saved_tape, last.choices);
  absl::StatusOr<Workload> saved_workload = workload_from_file(result.saved->path);
  ASSERT_TRUE(saved_workload.ok()) << saved_workload.status();
  EXPECT_EQ(*saved_workload, result.workload);
  // No failing evaluation was smaller than the one saved.
  for (const Evaluation& e : log) {
    if (e.failed) {
      EXPECT_GE(e.workload[0].second, last.workload[0].second);
    }
  }
}

TEST_F(RcHarness, SameSeedFindsTheSameCounterexample) {
  const RcCheckResult first =
      rc_check_simulation(jobs_params(), jobs_beat_the_deadline(nullptr), failing_check_options());
  ASSERT_FALSE(first.ok);
  ASSERT_TRUE(first.saved.has_value());
  absl::StatusOr<Workload> first_workload = workload_from_file(first.saved->path);
  setenv("SEEDLOOP_REPLAY", first.saved->path.c_str(), 1);
  absl::StatusOr<std::optional<std::vector<Choice>>> first_tape = replay_from_env();
  unsetenv("SEEDLOOP_REPLAY");
  const RcCheckResult second =
      rc_check_simulation(jobs_params(), jobs_beat_the_deadline(nullptr), failing_check_options());
  ASSERT_FALSE(second.ok);
  EXPECT_EQ(second.reproduce, first.reproduce);
  EXPECT_EQ(second.workload, first.workload);
  setenv("SEEDLOOP_REPLAY", second.saved->path.c_str(), 1);
  absl::StatusOr<std::optional<std::vector<Choice>>> second_tape = replay_from_env();
  unsetenv("SEEDLOOP_REPLAY");
  ASSERT_TRUE(first_tape.ok() && second_tape.ok());
  EXPECT_EQ(*first_tape, *second_tape);
  EXPECT_EQ(*workload_from_file(second.saved->path), *first_workload);
}

TEST_F(RcHarness, SavedFileReplaysTheFailureStrictly) {
  const RcCheckResult found =
      rc_check_simulation(jobs_params(), jobs_beat_the_deadline(nullptr), failing_check_options());
  ASSERT_FALSE(found.ok);
  ASSERT_TRUE(found.saved.has_value());
  // What the printed command does: the same check with SEEDLOOP_REPLAY set
  // runs the body once, with the saved workload and the saved tape (strict).
  std::vector<Evaluation> log;
  RcCheckOptions replay_options = failing_check_options();
  replay_options.replay = RcCheckOptions::Replay::kHonour;
  setenv("SEEDLOOP_REPLAY", found.saved->path.c_str(), 1);
  const RcCheckResult replayed = rc_check_simulation(jobs_params(), jobs_beat_the_deadline(&log), replay_options);
  unsetenv("SEEDLOOP_REPLAY");
  EXPECT_TRUE(replayed.replayed);
  EXPECT_FALSE(replayed.ok);
  EXPECT_EQ(replayed.workload, found.workload);
  EXPECT_NE(replayed.message.find("jobs beat the 4 ms deadline does not hold (the run: program raised TimeoutError)"),
            std::string::npos)
      << replayed.message;
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0].failed);
}

// Writes a tape file for jobs_main(jobs) on the all-zeros schedule (every
// job takes 1 ms: the property holds), with or without the workload field.
std::string write_holding_case(const std::string& name, bool with_workload) {
  const int jobs = 2;
  const Outcome out = rc_run(SimulationOptions{}, [] { return jobs_main(jobs); }, {});
  EXPECT_TRUE(out.ok()) << out.describe();
  std::string json = to_json(out.choices);
  if (with_workload) json.insert(json.size() - 1, ",\"workload\":[[\"jobs\",2]]");
  const std::string path = ::testing::TempDir() + "/" + name + ".json";
  FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr) << path;
  if (f != nullptr) {
    std::fputs(json.c_str(), f);
    std::fclose(f);
  }
  return path;
}

RcCheckResult replay_jobs_property(const std::string& path, std::vector<Evaluation>* log) {
  RcCheckOptions options = failing_check_options();
  options.replay = RcCheckOptions::Replay::kHonour;
  setenv("SEEDLOOP_REPLAY", path.c_str(), 1);
  RcCheckResult result = rc_check_simulation(jobs_params(), jobs_beat_the_deadline(log), options);
  unsetenv("SEEDLOOP_REPLAY");
  return result;
}

TEST_F(RcHarness, ReplayOfAHoldingCasePasses) {
  std::vector<Evaluation> log;
  const RcCheckResult result = replay_jobs_property(write_holding_case("holding", true), &log);
  EXPECT_TRUE(result.replayed);
  EXPECT_TRUE(result.ok) << result.message;
  EXPECT_EQ(result.workload, (Workload{{"jobs", 2}}));
  EXPECT_EQ(log.size(), 1u);
}

TEST_F(RcHarness, ReplayWithoutTheWorkloadSaysWhatIsMissing) {
  const RcCheckResult result = replay_jobs_property(write_holding_case("no_workload", false), nullptr);
  EXPECT_TRUE(result.replayed);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.message.find("no workload parameter \"jobs\""), std::string::npos) << result.message;
}

}  // namespace
}  // namespace seedloop::sim
