// sim::Simulation replaying tapes (strict, mismatched, truncated, lenient,
// JSON), traces of whole runs, and check_determinism.

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

// Draws choices of several kinds: executor durations and completion order,
// threadsafe arrivals, and (in chaos mode) timer ties and callback costs.
Coro<void> busy() {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  std::vector<Future<int>> jobs;
  for (int i = 0; i < 6; ++i) jobs.push_back(loop->run_in_executor(nullptr, [i] { return i; }));
  for (int i = 0; i < 3; ++i) loop->call_later(0.001, [] {});
  co_await sleep(0.001);
  for (Future<int>& job : jobs) (void)co_await job;
  co_await sleep(0.5);
}
Program busy_program() { return [] { return busy(); }; }

// A program whose behaviour depends on a counter that survives between runs:
// the bug check_determinism exists to catch.
int g_runs = 0;
Coro<void> reads_a_global() {
  if (++g_runs % 2 == 0) co_await sleep(1.0);
  co_await sleep(0.5);
}

SimulationOptions chaos(uint64_t seed) {
  SimulationOptions options;
  options.seed = seed;
  options.mode = Mode::kChaos;
  return options;
}

// ---- Tapes ----

TEST(SimulationTapes, FreshRunReportsItsSeedAndReplayDoesNot) {
  Outcome fresh = Simulation(chaos(17)).run(busy_program());
  ASSERT_TRUE(fresh.ok()) << fresh.describe();
  EXPECT_EQ(fresh.seed, 17u);
  SimulationOptions replay = chaos(17);
  replay.replay = fresh.choices;
  Outcome again = Simulation(replay).run(busy_program());
  EXPECT_EQ(again.seed, std::nullopt);
}

TEST(SimulationTapes, SameSeedGivesTheSameRun) {
  Outcome a = Simulation(chaos(3)).run(busy_program());
  Outcome b = Simulation(chaos(3)).run(busy_program());
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.choices, b.choices);
}

TEST(SimulationTapes, StrictReplayOfARunsOwnTapeReproducesHashAndChoices) {
  Outcome fresh = Simulation(chaos(11)).run(busy_program());
  ASSERT_TRUE(fresh.ok()) << fresh.describe();
  ASSERT_GT(fresh.choices.size(), 10u);
  SimulationOptions replay = chaos(11);
  replay.seed = 999;  // ignored when replaying
  replay.replay = fresh.choices;
  Outcome again = Simulation(replay).run(busy_program());
  EXPECT_TRUE(again.ok()) << again.describe();
  EXPECT_EQ(again.trace_hash, fresh.trace_hash);
  EXPECT_EQ(again.choices, fresh.choices);
  EXPECT_EQ(again.end_ns, fresh.end_ns);
}

TEST(SimulationTapes, DifferentSeedsGiveDifferentRuns) {
  Outcome a = Simulation(chaos(1)).run(busy_program());
  bool differs = false;
  for (uint64_t seed = 2; seed < 20 && !differs; ++seed) {
    differs = Simulation(chaos(seed)).run(busy_program()).trace_hash != a.trace_hash;
  }
  EXPECT_TRUE(differs);
}

TEST(SimulationTapes, ReplayWithAChangedBoundFailsNamingTheChoiceIndex) {
  Outcome fresh = Simulation(chaos(5)).run(busy_program());
  ASSERT_GT(fresh.choices.size(), 4u);
  std::vector<Choice> tape = fresh.choices;
  const size_t index = 3;
  tape[index].bound += 1;
  SimulationOptions replay = chaos(5);
  replay.replay = tape;
  Outcome out = Simulation(replay).run(busy_program());
  EXPECT_EQ(out.status.code(), absl::StatusCode::kFailedPrecondition);
  const char* kind = choice_kind_name(tape[index].kind);
  EXPECT_EQ(out.status.message(),
            absl::StrFormat("choice 3: the program asks for %s with bound %d, the tape recorded %s with bound %d", kind,
                            fresh.choices[index].bound, kind, tape[index].bound));
  EXPECT_FALSE(out.exception);
}

TEST(SimulationTapes, ReplayWithAChangedKindFailsNamingTheChoiceIndex) {
  Outcome fresh = Simulation(chaos(5)).run(busy_program());
  ASSERT_GT(fresh.choices.size(), 1u);
  std::vector<Choice> tape = fresh.choices;
  tape[0].kind = tape[0].kind == ChoiceKind::kReadinessOrder ? ChoiceKind::kCallbackCost : ChoiceKind::kReadinessOrder;
  SimulationOptions replay = chaos(5);
  replay.replay = tape;
  Outcome out = Simulation(replay).run(busy_program());
  EXPECT_EQ(out.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status.message(), HasSubstr("choice 0: the program asks for"));
}

TEST(SimulationTapesDeathTest, MismatchAtAnyChoiceFailsNamingThatChoice) {
  // Every choice of a chaos run, bent in turn: each replay stops with
  // FailedPrecondition naming that index, wherever the stop lands. Run in
  // a child process so that a crash fails this test only.
  EXPECT_EXIT(
      {
        Outcome fresh = Simulation(chaos(6)).run(busy_program());
        int wrong = 0;
        for (size_t i = 0; i < fresh.choices.size(); ++i) {
          std::vector<Choice> tape = fresh.choices;
          tape[i].bound += 1;
          SimulationOptions replay = chaos(6);
          replay.replay = tape;
          Outcome out = Simulation(replay).run(busy_program());
          const std::string prefix = absl::StrFormat("choice %d: ", i);
          if (out.status.code() != absl::StatusCode::kFailedPrecondition ||
              out.status.message().substr(0, prefix.size()) != prefix) {
            ++wrong;
          }
        }
        std::exit(wrong == 0 && !fresh.choices.empty() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SimulationTapes, TruncatedTapeFailsWithOutOfRangeNamingTheChoiceIndex) {
  Outcome fresh = Simulation(chaos(5)).run(busy_program());
  ASSERT_GT(fresh.choices.size(), 4u);
  std::vector<Choice> tape = fresh.choices;
  tape.resize(4);
  SimulationOptions replay = chaos(5);
  replay.replay = tape;
  Outcome out = Simulation(replay).run(busy_program());
  EXPECT_EQ(out.status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(out.status.message(), absl::StrFormat("choice 4 (%s, bound %d): the tape has only 4 choices",
                                                  choice_kind_name(fresh.choices[4].kind), fresh.choices[4].bound));
}

TEST(SimulationTapes, LenientReplayOfAnEmptyTapeRunsWithAllZeroChoices) {
  SimulationOptions options = chaos(0);
  options.replay = std::vector<Choice>{};
  options.replay_mode = Tape::Replay::kLenient;
  Outcome out = Simulation(options).run(busy_program());
  EXPECT_TRUE(out.ok()) << out.describe();
  ASSERT_FALSE(out.choices.empty());
  for (const Choice& c : out.choices) EXPECT_EQ(c.value, 0u) << choice_kind_name(c.kind);
  // The normalized tape replays strictly to the same run.
  SimulationOptions strict = chaos(0);
  strict.replay = out.choices;
  Outcome again = Simulation(strict).run(busy_program());
  EXPECT_TRUE(again.ok()) << again.describe();
  EXPECT_EQ(again.trace_hash, out.trace_hash);
}

TEST(SimulationTapes, TapeJsonParsesBackAndReplaysToTheSameHash) {
  Outcome fresh = Simulation(chaos(23)).run(busy_program());
  ASSERT_TRUE(fresh.ok()) << fresh.describe();
  const std::string json = fresh.tape_json();
  EXPECT_THAT(json, HasSubstr("\"seed\":23"));
  absl::StatusOr<Tape> tape = tape_from_json(json, "fresh.json");
  ASSERT_TRUE(tape.ok()) << tape.status();
  EXPECT_EQ(tape->recorded(), fresh.choices);
  SimulationOptions replay = chaos(0);
  replay.replay = tape->recorded();
  Outcome again = Simulation(replay).run(busy_program());
  EXPECT_TRUE(again.ok()) << again.describe();
  EXPECT_EQ(again.trace_hash, fresh.trace_hash);
}

// ---- Traces and determinism ----

TEST(SimulationTraces, HashOnlyRunHasTheSameHashAsARecordedRun) {
  SimulationOptions hash_only = chaos(8);
  hash_only.trace = TraceLevel::kHashOnly;
  SimulationOptions recorded = chaos(8);
  recorded.trace = TraceLevel::kRecord;
  Outcome a = Simulation(hash_only).run(busy_program());
  Outcome b = Simulation(recorded).run(busy_program());
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_TRUE(a.trace.events().empty());
  EXPECT_EQ(a.trace.size(), b.trace.events().size());
  EXPECT_EQ(b.trace.hash(), b.trace_hash);
}

TEST(SimulationTraces, RecordedTraceBeginsWithTheMainTask) {
  Outcome out = Simulation(SimulationOptions()).run([] { return sleep(1.0); });
  ASSERT_FALSE(out.trace.events().empty());
  const TraceEvent& first = out.trace.events()[0];
  EXPECT_EQ(first.kind, TraceKind::kTaskCreated);
  EXPECT_EQ(first.id, 1u);
  EXPECT_EQ(first.text, "Task-1");
  EXPECT_EQ(out.trace.events().back().kind, TraceKind::kClose);
}

TEST(SimulationDeterminism, DeterministicProgramPasses) {
  EXPECT_TRUE(check_determinism(chaos(4), busy_program()).ok());
  EXPECT_TRUE(check_determinism(SimulationOptions(), busy_program()).ok());
}

TEST(SimulationDeterminism, ProgramReadingStateThatSurvivesRunsReportsTheFirstDivergence) {
  absl::Status status = check_determinism(SimulationOptions(), [] { return reads_a_global(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("nondeterministic run (seed 0)"));
  EXPECT_THAT(status.message(), HasSubstr("first divergence"));
  EXPECT_THAT(status.message(), HasSubstr("run 1: event "));
  EXPECT_THAT(status.message(), HasSubstr("run 2: event "));
}

}  // namespace
}  // namespace seedloop::sim
