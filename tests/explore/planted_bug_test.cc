// A planted bug that only chaos mode can find: a client whose wait_for
// timeout equals the server's latency.
//
//   server: co_await sleep(10 ms); reply.set_result(42);
//   client: start the server; co_await sleep(0);     // the server goes first
//           co_await wait_for(reply, 10 ms);         // BUG: timeout == latency
//
// Both timers end at the same instant. In CPython's order the server's timer,
// registered first, runs first: in the next iteration the server resumes
// just before the client, and the reply is there when wait_for looks. The bug is real
// nonetheless — wait_for times out as soon as the timeout's timer runs
// first — but asyncio never shows it: tests/explore/python/
// planted_bug_asyncio.py runs the same program on CPython 3.11.7 200 times
// on the real clock and 200 times on a virtual clock with exactly equal
// deadlines and gets 0 timeouts each time (and 200 of 200 when the timeout
// is registered first):
//   real clock: 0 timeouts in 200 runs
//   virtual clock: 0 timeouts in 200 runs
//   virtual clock, timeout registered first: 200 timeouts in 200 runs
// Faithful mode keeps that order (and this program leaves it no choice to
// make at all), so no seed finds the bug. Chaos mode permutes
// equal-deadline timers and gives callbacks a virtual cost: 26 of seeds
// 1..200 time out, the first at seed 10. Its tape (15 choices, one per
// callback and one tie) shrinks to 4 choices that matter — no cost for the
// first three callbacks, then the tie broken the other way — and a saved
// tape file replays the timeout.
//
// With SEEDLOOP_REPLAY=<tape file>, PlantedBug.SavedTapeReplaysTheTimeoutStrictly
// replays that file (the command save_failure prints names that test).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/errors.h"
#include "loop/policy.h"
#include "sim/explore.h"
#include "sim/simulation.h"
#include "sim/testing/timeout_race.h"

namespace seedloop::sim {
namespace {

constexpr uint64_t kSeeds = 200;

Program planted() { return timeout_race(); }

bool timed_out(const Outcome& out) {
  if (!out.status.ok() || !out.exception) return false;
  try {
    std::rethrow_exception(out.exception);
  } catch (const TimeoutError&) {
    return true;
  } catch (...) {
    return false;
  }
}

SimulationOptions options_for(Mode mode) {
  SimulationOptions options;
  options.mode = mode;
  options.trace = TraceLevel::kHashOnly;
  return options;
}

SweepResult sweep_planted(Mode mode) {
  SweepOptions sweep_options;
  sweep_options.first_seed = 1;
  sweep_options.count = kSeeds;
  sweep_options.stop_at_first_failure = false;
  return sweep(sweep_options, options_for(mode), planted(), [](const Outcome& out) { return !out.ok(); });
}

std::string current_test_name() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "." + info->name();
}

TEST(PlantedBug, ChaosSweepFindsTheTimeoutRace) {
  const SweepResult result = sweep_planted(Mode::kChaos);
  EXPECT_EQ(result.runs, kSeeds);
  ASSERT_TRUE(result.first_failure.has_value()) << "no seed in [1, " << kSeeds << "] found the race";
  EXPECT_TRUE(timed_out(result.first_failure->outcome)) << result.first_failure->outcome.describe();
  for (uint64_t seed : result.failing_seeds) {
    SimulationOptions options = options_for(Mode::kChaos);
    options.seed = seed;
    EXPECT_TRUE(timed_out(Simulation(options).run(planted()))) << "seed " << seed << " failed otherwise";
  }
  std::printf("chaos: %zu of %llu seeds time out; first at seed %llu (%s)\n", result.failing_seeds.size(),
              static_cast<unsigned long long>(kSeeds), static_cast<unsigned long long>(result.first_failure->seed),
              result.first_failure->outcome.describe().c_str());
}

TEST(PlantedBug, FaithfulModeMissesItOverTheSameSeeds) {
  const SweepResult result = sweep_planted(Mode::kFaithful);
  EXPECT_EQ(result.runs, kSeeds);
  EXPECT_TRUE(result.failing_seeds.empty()) << "faithful mode failed at seed " << result.failing_seeds.front();
  // CPython's order leaves this program nothing to choose: every seed is the
  // same run.
  SimulationOptions options = options_for(Mode::kFaithful);
  options.seed = 1;
  const Outcome out = Simulation(options).run(planted());
  EXPECT_TRUE(out.ok()) << out.describe();
  EXPECT_TRUE(out.choices.empty()) << out.choices.size() << " choices";
}

TEST(PlantedBug, ShrinksToAHandfulOfChoices) {
  const SweepResult found = sweep_planted(Mode::kChaos);
  ASSERT_TRUE(found.first_failure.has_value());
  absl::StatusOr<ShrinkReport> shrunk = shrink_failure(found.first_failure->options, planted(), timed_out);
  ASSERT_TRUE(shrunk.ok()) << shrunk.status();
  EXPECT_TRUE(timed_out(shrunk->outcome)) << shrunk->outcome.describe();
  // The choices that matter (lenient replay reads 0 past the end).
  const std::vector<Choice>& essential = shrunk->choices;
  EXPECT_EQ(shrunk->after, essential.size());
  std::printf("seed %llu: %s:\n", static_cast<unsigned long long>(found.first_failure->seed),
              shrunk->summary.c_str());
  for (const Choice& c : essential) {
    std::printf("  %s %llu/%llu\n", choice_kind_name(c.kind), static_cast<unsigned long long>(c.value),
                static_cast<unsigned long long>(c.bound));
  }
  EXPECT_LE(essential.size(), 5u);
  EXPECT_LT(essential.size(), shrunk->before);
  // The prefix alone replays (leniently) to the shrunk run.
  SimulationOptions options = found.first_failure->options;
  options.replay = essential;
  options.replay_mode = Tape::Replay::kLenient;
  const Outcome prefix_run = Simulation(options).run(planted());
  EXPECT_TRUE(timed_out(prefix_run)) << prefix_run.describe();
  EXPECT_EQ(prefix_run.choices, shrunk->normalized);
  // The race, in the end, is one tie: the timeout's timer goes first.
  ASSERT_FALSE(essential.empty());
  EXPECT_EQ(essential.back().kind, ChoiceKind::kTimerTieOrder);
}

// The tape to replay: $SEEDLOOP_REPLAY's, or the shrunk tape of the first
// failing seed, saved with save_failure and read back through
// SEEDLOOP_REPLAY exactly as the printed command would.
std::vector<Choice> tape_to_replay() {
  absl::StatusOr<std::optional<std::vector<Choice>>> from_env = replay_from_env();
  if (!from_env.ok()) {
    ADD_FAILURE() << from_env.status();
    return {};
  }
  if (from_env->has_value()) {
    std::printf("replaying $SEEDLOOP_REPLAY=%s\n", std::getenv("SEEDLOOP_REPLAY"));
    return **from_env;
  }
  const SweepResult found = sweep_planted(Mode::kChaos);
  if (!found.first_failure) {
    ADD_FAILURE() << "no failing seed";
    return {};
  }
  absl::StatusOr<ShrinkReport> shrunk = shrink_failure(found.first_failure->options, planted(), timed_out);
  if (!shrunk.ok()) {
    ADD_FAILURE() << shrunk.status();
    return {};
  }
  absl::StatusOr<SavedFailure> saved =
      save_failure(shrunk->normalized, found.first_failure->seed, current_test_name());
  if (!saved.ok()) {
    ADD_FAILURE() << saved.status();
    return {};
  }
  std::printf("tape file: %s\nreplay: %s\n", saved->path.c_str(), saved->command.c_str());
  EXPECT_TRUE(std::filesystem::exists(saved->path)) << saved->path;
  EXPECT_NE(saved->command.find("--test_env=SEEDLOOP_REPLAY=" + saved->path), std::string::npos) << saved->command;
  EXPECT_NE(saved->command.find("--test_filter=" + current_test_name()), std::string::npos) << saved->command;
  setenv("SEEDLOOP_REPLAY", saved->path.c_str(), /*overwrite=*/1);
  absl::StatusOr<std::optional<std::vector<Choice>>> read_back = replay_from_env();
  unsetenv("SEEDLOOP_REPLAY");
  if (!read_back.ok() || !read_back->has_value()) {
    ADD_FAILURE() << "cannot read back " << saved->path;
    return {};
  }
  EXPECT_EQ(**read_back, shrunk->normalized);
  return **read_back;
}

TEST(PlantedBug, SavedTapeReplaysTheTimeoutStrictly) {
  const std::vector<Choice> tape = tape_to_replay();
  ASSERT_FALSE(tape.empty());
  SimulationOptions options = options_for(Mode::kChaos);
  options.replay = tape;
  options.replay_mode = Tape::Replay::kStrict;
  options.trace = TraceLevel::kRecord;
  const Outcome replayed = Simulation(options).run(planted());
  EXPECT_TRUE(timed_out(replayed)) << "the replay did not time out: " << replayed.describe();
  EXPECT_EQ(replayed.choices, tape);
  // Twice: the same run.
  const Outcome again = Simulation(options).run(planted());
  EXPECT_EQ(again.trace_hash, replayed.trace_hash);
  std::printf("replayed %zu choices: %s at t=%lld ns\n", tape.size(), replayed.describe().c_str(),
              static_cast<long long>(replayed.end_ns));
}

}  // namespace
}  // namespace seedloop::sim
