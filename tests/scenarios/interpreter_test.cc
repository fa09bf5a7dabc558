// The scenario interpreter: event texts, outcomes, expectations,
// determinism, and bad input only a run can find.

#include "scenarios/interpreter.h"

#include <string>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "scenarios/explore.h"
#include "scenarios/fuzz_cancel.h"
#include "scenarios/text.h"

namespace seedloop::scenarios {
namespace {

Scenario parse(const std::string& body) {
  const std::string text = R"({"schema": "seedloop.scenario", "version": 1, "name": "t", )" + body + "}";
  absl::StatusOr<Scenario> s = parse_scenario(text, "t.json");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : Scenario();
}

std::vector<std::string> lines(const RunResult& r) {
  std::vector<std::string> out;
  for (const ScenarioEvent& e : r.events) out.push_back(e.line());
  return out;
}

TEST(ScenarioText, FormatTimeTrimsTrailingZeros) {
  EXPECT_EQ(format_time(0), "0");
  EXPECT_EQ(format_time(1'500'000'000), "1.5");
  EXPECT_EQ(format_time(1'000), "0.000001");
  EXPECT_EQ(format_time(2'000'000'000), "2");
}

TEST(ScenarioText, ValuesAreCompactJsonWithSortedKeys) {
  EXPECT_EQ(value_text(nlohmann::json::parse(R"({"b": [1, "x"], "a": null})")), R"({"a":null,"b":[1,"x"]})");
}

TEST(Interpreter, FirstScenarioOfTheReadmeGivesItsTrace) {
  Scenario s = parse(R"(
    "coroutines": {
      "main": [{"op": "create_task", "coro": "hello", "name": "h"},
               {"op": "sleep", "delay": 1},
               {"op": "await", "object": "h"}],
      "hello": [{"op": "log", "msg": "hello"}, {"op": "return", "value": "done"}]},
    "main": "main")");
  RunResult r = run_scenario(s, RunOptions());
  EXPECT_EQ(lines(r), (std::vector<std::string>{"0 main create_task h -> null", "0 h: hello", "1 main sleep -> null",
                                                 "1 main await h -> \"done\""}));
  EXPECT_EQ(r.outcome, "return null");
}

TEST(Interpreter, RaisingStepReportsAndPropagatesToTheOutcome) {
  Scenario s = parse(R"(
    "coroutines": {"main": [{"op": "create_future", "name": "f"},
                            {"op": "set_result", "object": "f", "value": 1},
                            {"op": "set_result", "object": "f", "value": 2}]},
    "main": "main")");
  RunResult r = run_scenario(s, RunOptions());
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[2].line(), "0 main set_result f !> InvalidStateError: invalid state");
  EXPECT_EQ(r.outcome, "raise InvalidStateError: invalid state");
}

TEST(Interpreter, CatchHandlesAndFinallyRunsAfterReturn) {
  Scenario s = parse(R"(
    "coroutines": {"main": [
      {"op": "try", "steps": [{"op": "raise", "exception": {"type": "ValueError", "message": "x"}}],
       "catch": [{"type": "Exception", "steps": [{"op": "log", "msg": "caught"}]}]},
      {"op": "try", "steps": [{"op": "return", "value": 7}],
       "finally": [{"op": "log", "msg": "finally"}]},
      {"op": "log", "msg": "not reached"}]},
    "main": "main")");
  RunResult r = run_scenario(s, RunOptions());
  EXPECT_EQ(lines(r), (std::vector<std::string>{"0 main: caught", "0 main: finally"}));
  EXPECT_EQ(r.outcome, "return 7");
}

TEST(Interpreter, TaskGroupFailureIsAnExceptionGroupText) {
  Scenario s = parse(R"(
    "coroutines": {
      "main": [{"op": "task_group", "steps": [{"op": "create_task", "coro": "bad", "name": "b"}]}],
      "bad": [{"op": "raise", "exception": {"type": "ValueError", "message": "boom"}}]},
    "main": "main")");
  // create_task (not tg_create_task) is outside the group: the group has no
  // children and the task's error is only retrieved by nobody.
  RunResult r = run_scenario(s, RunOptions());
  EXPECT_EQ(r.outcome, "return null");
  Scenario g = parse(R"(
    "coroutines": {
      "main": [{"op": "task_group", "name": "tg", "steps": [{"op": "tg_create_task", "object": "tg", "coro": "bad"}]}],
      "bad": [{"op": "raise", "exception": {"type": "ValueError", "message": "boom"}}]},
    "main": "main")");
  RunResult rg = run_scenario(g, RunOptions());
  EXPECT_EQ(rg.outcome, "raise ExceptionGroup: unhandled errors in a TaskGroup [ValueError: boom]");
}

TEST(Interpreter, DriverWaitingForeverIsADeadlock) {
  Scenario s = parse(R"("driver": [{"op": "run_forever"}])");
  RunResult r = run_scenario(s, RunOptions());
  EXPECT_EQ(r.outcome, "deadlock");
}

TEST(Interpreter, StepBudgetEndsAnEndlessLoop) {
  Scenario s = parse(R"(
    "budgets": {"max_steps": 50},
    "coroutines": {"main": [{"op": "repeat", "count": 100000, "steps": [{"op": "sleep", "delay": 0}]}]},
    "main": "main")");
  RunResult r = run_scenario(s, RunOptions());
  EXPECT_EQ(r.outcome, "budget max_steps");
  EXPECT_FALSE(check_expectations(s, r, sim::Mode::kFaithful, false).empty());
}

TEST(Interpreter, NameMadeOnlyInAnotherBranchIsBadInputNamingFileAndLine) {
  Scenario s = parse(R"(
    "coroutines": {"main": [
      {"op": "try", "steps": [{"op": "raise", "exception": {"type": "ValueError"}},
                              {"op": "create_future", "name": "f"}],
       "catch": [{"type": "ValueError", "steps": []}]},
      {"op": "await", "object": "f"}]},
    "main": "main")");
  RunResult r = run_scenario(s, RunOptions());
  EXPECT_EQ(r.outcome, "bad input");
  EXPECT_EQ(r.input_error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.input_error.message().find("t.json:"), std::string::npos) << r.input_error;
  EXPECT_NE(r.input_error.message().find("coroutines.main[1].object"), std::string::npos) << r.input_error;
}

TEST(Interpreter, ExpectationsReportTheFirstDifferentEvent) {
  Scenario s = parse(R"(
    "coroutines": {"main": [{"op": "log", "msg": "a"}, {"op": "log", "msg": "b"}]},
    "main": "main",
    "expect": {"trace": ["0 main: a", "0 main: c"], "outcome": "return 1",
               "invariants": {"never": ["b"], "ends_by": 0}})");
  RunResult r = run_scenario(s, RunOptions());
  std::vector<std::string> failures = check_expectations(s, r, sim::Mode::kFaithful, false);
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0], "expect.trace: event 1: expected \"0 main: c\", got \"0 main: b\"");
  EXPECT_EQ(failures[1], "expect.outcome: expected \"return 1\", got \"return null\"");
  EXPECT_EQ(failures[2], "invariant never \"b\": event \"0 main: b\"");
  // Chaos mode checks the invariants only.
  EXPECT_EQ(check_expectations(s, r, sim::Mode::kChaos, false).size(), 1u);
}

const char kExecutor[] = R"(
    "callbacks": {"ping": [{"op": "log", "msg": "ping"}]},
    "coroutines": {"main": [
      {"op": "run_in_executor", "result": 1, "threadsafe": ["ping"]},
      {"op": "run_in_executor", "result": 2}]},
    "main": "main")";

TEST(Interpreter, CanonicalWorldDoesNotDependOnTheSeed) {
  Scenario s = parse(kExecutor);
  RunOptions a;
  a.canonical_world = true;
  a.seed = 1;
  RunOptions b = a;
  b.seed = 99;
  RunResult ra = run_scenario(s, a);
  EXPECT_EQ(lines(ra), lines(run_scenario(s, b)));
  // One executor_step (1 ms) per job.
  EXPECT_EQ(lines(ra).back(), "0.002 main run_in_executor -> 2");
}

TEST(Interpreter, SameSeedSameTraceHashInChaosMode) {
  Scenario s = parse(kExecutor);
  RunOptions o;
  o.seed = 5;
  o.mode = sim::Mode::kChaos;
  EXPECT_EQ(run_scenario(s, o).sim.trace_hash, run_scenario(s, o).sim.trace_hash);
  EXPECT_FALSE(judge(s, o, /*check_determinism=*/true).failed());
}

// A slot leaks when the work is cancelled by its deadline, which chaos
// mode's callback costs make happen on some seeds.
const char kLeakySlot[] = R"(
    "objects": {"slots": {"type": "Semaphore", "value": 1}},
    "coroutines": {
      "main": [{"op": "try", "steps": [{"op": "wait_for", "awaitable": {"coro": "work"}, "timeout": 0.01}],
                "catch": [{"type": "TimeoutError", "steps": []}]}],
      "work": [{"op": "acquire", "object": "slots"}, {"op": "sleep", "delay": 0.0098},
               {"op": "release", "object": "slots"}]},
    "main": "main",
    "expect": {"invariants": {"final_state": {"slots": 1}}})";

TEST(Explore, SweepResultsDoNotDependOnJobs) {
  Scenario s = parse(kLeakySlot);
  SweepSpec spec;
  spec.count = 200;
  spec.mode = sim::Mode::kChaos;
  spec.jobs = 1;
  SweepReport one = sweep(s, spec, nullptr);
  spec.jobs = 3;
  SweepReport three = sweep(s, spec, nullptr);
  EXPECT_GT(one.failures, 0u);
  EXPECT_EQ(one.failures, three.failures);
  ASSERT_EQ(one.failing.size(), three.failing.size());
  for (size_t i = 0; i < one.failing.size(); ++i) EXPECT_EQ(one.failing[i].seed, three.failing[i].seed);
}

TEST(Explore, ShrinkKeepsTheFailureAndFewerChoices) {
  Scenario s = parse(kLeakySlot);
  SweepSpec spec;
  spec.count = 200;
  spec.mode = sim::Mode::kChaos;
  SweepReport report = sweep(s, spec, nullptr);
  ASSERT_FALSE(report.failing.empty());
  RunOptions failing;
  failing.mode = sim::Mode::kChaos;
  failing.replay = report.failing[0].choices;
  absl::StatusOr<Shrunk> shrunk = shrink(s, failing);
  ASSERT_TRUE(shrunk.ok()) << shrunk.status();
  EXPECT_LE(shrunk->after, shrunk->before);
  EXPECT_TRUE(shrunk->verdict.failed());
}

// Two workers share a lock; `release` is not in a `finally`.
const char kLockLeak[] = R"(
    "objects": {"l": {"type": "Lock"}},
    "coroutines": {
      "main": [{"op": "create_task", "coro": "worker", "name": "w1"},
               {"op": "create_task", "coro": "worker", "name": "w2"},
               {"op": "gather", "awaitables": ["w1", "w2"], "return_exceptions": true}],
      "worker": [{"op": "acquire", "object": "l"}, {"op": "sleep", "delay": 1}, %s]},
    "main": "main",
    "expect": {"invariants": {"final_state": {"l": false}}})";

std::string lock_scenario(const char* release) { return absl::StrFormat(kLockLeak, release); }

TEST(FuzzCancel, EverySuspensionPointCancelledFindsTheLeakedLock) {
  Scenario s = parse(lock_scenario(R"({"op": "release", "object": "l"})"));
  FuzzCancelReport r = fuzz_cancel(s, RunOptions(), FuzzCancelSpec());
  EXPECT_EQ(r.points, 5u);  // main's gather, each worker's acquire and sleep
  EXPECT_EQ(r.runs, 6u);    // the counting run and one per point
  ASSERT_FALSE(r.failures.empty());
  EXPECT_EQ(r.failures[0].failures.back(), "invariant final_state.l: expected false, got true");
  EXPECT_EQ(r.reached, r.seen);
}

TEST(FuzzCancel, ReleaseInFinallySurvivesEveryCancellation) {
  Scenario s = parse(lock_scenario(R"({"op": "try", "steps": [], "finally": [{"op": "release", "object": "l"}]})"));
  // (The sleep is outside the try here, so the lock still leaks when the
  // sleep is cancelled: the fix must cover the sleep.)
  EXPECT_FALSE(fuzz_cancel(s, RunOptions(), FuzzCancelSpec()).failures.empty());
  Scenario fixed = parse(R"(
    "objects": {"l": {"type": "Lock"}},
    "coroutines": {
      "main": [{"op": "create_task", "coro": "worker", "name": "w1"},
               {"op": "create_task", "coro": "worker", "name": "w2"},
               {"op": "gather", "awaitables": ["w1", "w2"], "return_exceptions": true}],
      "worker": [{"op": "with", "object": "l", "steps": [{"op": "sleep", "delay": 1}]}]},
    "main": "main",
    "expect": {"invariants": {"final_state": {"l": false}}})");
  FuzzCancelReport r = fuzz_cancel(fixed, RunOptions(), FuzzCancelSpec());
  EXPECT_TRUE(r.failures.empty()) << r.failures[0].failures[0];
  EXPECT_GT(r.points, 0u);
}

TEST(FuzzCancel, RandomInjectionsReplayFromTheSeed) {
  Scenario s = parse(lock_scenario(R"({"op": "release", "object": "l"})"));
  FuzzCancelSpec spec;
  spec.random_runs = 40;
  spec.one_in = 4;
  FuzzCancelReport r = fuzz_cancel(s, RunOptions(), spec);
  ASSERT_FALSE(r.failures.empty());
  // The failing seed, rerun with the same injection probability, fails again
  // at the same points.
  RunOptions again;
  again.seed = r.failures[0].seed;
  again.inject.mode = CancelInjection::Mode::kRandom;
  again.inject.one_in = 4;
  RunResult rerun = run_scenario(s, again);
  EXPECT_EQ(rerun.injected, r.failures[0].where);
  EXPECT_FALSE(check_invariants(s, rerun).empty());
}

}  // namespace
}  // namespace seedloop::scenarios
