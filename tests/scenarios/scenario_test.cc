// Scenario files as a whole: typed fields, JSON syntax and line numbers,
// size and nesting limits, the top-level fields (header, budgets, world,
// objects, expect), reading files and finding them in folders. Step-level
// validation is in scenario_steps_test.cc.

#include "scenarios/scenario.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_test_support.h"

namespace seedloop::scenarios {
namespace {

using ::testing::ElementsAre;
using testing::error_of;
using ::testing::HasSubstr;
using testing::program;

constexpr char kTestdata[] = "tests/scenarios/testdata/files";

TEST(Scenario, TheReadmeScenarioLoadsWithItsTypedFields) {
  absl::StatusOr<Scenario> s = load_scenario(std::string(kTestdata) + "/hello_world.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->path, std::string(kTestdata) + "/hello_world.json");
  EXPECT_EQ(s->name, "hello_world");
  EXPECT_EQ(s->description, "asyncio.run(main()): main sleeps, a task says hello.");
  EXPECT_THAT(s->tags, ElementsAre("tasks", "sleep"));
  EXPECT_EQ(s->doc["coroutines"]["main"][1]["op"], "sleep");
  ASSERT_TRUE(s->expect.trace.has_value());
  EXPECT_EQ(s->expect.trace->size(), 4u);
  EXPECT_EQ(s->expect.trace->at(3), "1 main await h -> \"done\"");
  EXPECT_EQ(s->expect.outcome, "return null");
  EXPECT_FALSE(s->expect.fragments.has_value());
  // Defaults: the README's maxima and the world's defaults.
  EXPECT_EQ(s->budgets.max_steps, 10'000'000u);
  EXPECT_EQ(s->budgets.max_virtual_ns, int64_t{604'800} * 1'000'000'000);
  EXPECT_EQ(s->budgets.max_polls, 100'000'000u);
  EXPECT_EQ(s->world.executor_workers, 4u);
  EXPECT_EQ(s->world.executor_step_ns, 1'000'000);
}

TEST(Scenario, BudgetsWorldAndInvariantsAreConvertedToNanoseconds) {
  absl::StatusOr<Scenario> s = parse_scenario(
      program(R"({"op": "sleep", "delay": 1})",
              R"("budgets": {"max_steps": 500, "max_virtual_seconds": 2.5, "max_polls": 7}, )"
              R"("world": {"executor_workers": 2, "executor_step": 0.25, "executor_steps": 3, )"
              R"("threadsafe_max_delay": 0}, "objects": {"q": {"type": "Queue", "maxsize": 2}}, )"
              R"("expect": {"fragments": ["1 main sleep -> null"], "invariants": {"final_state": {"q": 0}, )"
              R"("never": ["leak"], "ends_by": 0.000001}},)"),
      "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->budgets.max_steps, 500u);
  EXPECT_EQ(s->budgets.max_virtual_ns, 2'500'000'000);
  EXPECT_EQ(s->budgets.max_polls, 7u);
  EXPECT_EQ(s->world.executor_workers, 2u);
  EXPECT_EQ(s->world.executor_step_ns, 250'000'000);
  EXPECT_EQ(s->world.executor_steps, 3u);
  EXPECT_EQ(s->world.threadsafe_max_delay, 0u);
  EXPECT_THAT(*s->expect.fragments, ElementsAre("1 main sleep -> null"));
  EXPECT_EQ(s->expect.final_state.at("q"), 0);
  EXPECT_THAT(s->expect.never, ElementsAre("leak"));
  EXPECT_EQ(s->expect.ends_by_ns, 1000);
}

TEST(Scenario, ADriverScenarioWithMadeNamesInInvariantsLoads) {
  absl::StatusOr<Scenario> s = load_scenario(std::string(kTestdata) + "/sub/b_driver.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->expect.final_state.at("w"), "result 3");
  EXPECT_EQ(s->expect.ends_by_ns, 1'000'000'000);
}

// ------------------------------------------------------------ lines and JSON

TEST(ScenarioLines, EveryValueHasTheLineItStartsOn) {
  absl::StatusOr<Scenario> s = parse_scenario(program("{\"op\": \"log\", \"msg\": \"a\"},\n"
                                                      "{\"op\": \"sleep\",\n \"delay\":\n 2}"),
                                              "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->lines.at(""), 1);
  EXPECT_EQ(s->lines.at("/name"), 1);
  EXPECT_EQ(s->lines.at("/main"), 2);
  EXPECT_EQ(s->lines.at("/coroutines/main"), 3);
  EXPECT_EQ(s->lines.at("/coroutines/main/0"), 4);
  EXPECT_EQ(s->lines.at("/coroutines/main/1/op"), 5);
  // The number is read past its end (the newline) but is on its own line.
  EXPECT_EQ(s->lines.at("/coroutines/main/1/delay"), 7);
  EXPECT_EQ(s->where("/coroutines/main/1/delay"), "t.json:7: coroutines.main[1].delay");
}

TEST(ScenarioLines, WhereUsesTheNearestEnclosingFieldWithALine) {
  absl::StatusOr<Scenario> s = parse_scenario(program("{\"op\": \"log\", \"msg\": \"a\"}"), "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->where("/coroutines/main/0/label"), "t.json:4: coroutines.main[0].label");
  EXPECT_EQ(s->where(""), "t.json:1: (document)");
}

TEST(ScenarioLines, FieldNamesAreDottedWithIndexesAndUnescaped) {
  EXPECT_EQ(field_name(""), "(document)");
  EXPECT_EQ(field_name("/name"), "name");
  EXPECT_EQ(field_name("/coroutines/main/3/delay"), "coroutines.main[3].delay");
  EXPECT_EQ(field_name("/expect/trace/0"), "expect.trace[0]");
  EXPECT_EQ(field_name("/objects/a~1b~0c"), "objects.a/b~c");
  EXPECT_EQ(field_name("/objects/x.y[1]"), "objects.x.y[1]");
}

TEST(ScenarioJson, ASyntaxErrorNamesItsLine) {
  EXPECT_EQ(error_of("{\"schema\": \"seedloop.scenario\",\n\"version\": 1,\n\"name\": }\n"),
            "t.json:3: JSON syntax error: while parsing value - unexpected '}'; expected '[', '{', or a literal");
  EXPECT_THAT(error_of("{\"a\": 1,\n}"), ::testing::StartsWith("t.json:2: JSON syntax error: "));
  EXPECT_THAT(error_of(""), ::testing::StartsWith("t.json:1: JSON syntax error: "));
  EXPECT_THAT(error_of("{\"a\": 1e999}"), HasSubstr("number overflow"));
}

TEST(ScenarioJson, ADuplicateKeyIsAnError) {
  EXPECT_EQ(error_of("{\"name\": \"a\",\n \"name\": \"b\"}"), "t.json:2: name: appears twice in the same object");
}

TEST(ScenarioJson, NestingPastTheJsonDepthLimitIsAnErrorNotACrash) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_EQ(error_of(deep), "t.json:1: (document): JSON nests deeper than 128 levels");
  const std::string args =
      "{\"op\": \"log\", \"msg\": \"x\", \"args\": " + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_THAT(error_of(program(args)), HasSubstr("JSON nests deeper than 128 levels"));
}

TEST(ScenarioJson, IntegerBeyond64BitsNamesFileLineAndField) {
  // nlohmann would keep it as a double and print 3.33333283333335e+20 where
  // CPython prints 333333283333335000000.
  EXPECT_EQ(error_of(program(R"({"op": "return", "value": 333333283333335000000})")),
            "t.json:4: coroutines.main[0].value: integer out of range (must fit in 64 bits)");
  EXPECT_EQ(error_of(program("{\"op\": \"return\", \"value\": [1,\n-9223372036854775809]}")),
            "t.json:5: coroutines.main[0].value[1]: integer out of range (must fit in 64 bits)");
  EXPECT_EQ(error_of("18446744073709551616"), "t.json:1: (document): integer out of range (must fit in 64 bits)");
  // The 64-bit limits themselves, and numbers with a fraction or an exponent, are fine.
  absl::StatusOr<Scenario> s = parse_scenario(
      program(R"({"op": "return", "value": [18446744073709551615, -9223372036854775808, 1e20, 2.5E3, 0.5]})"),
      "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  const nlohmann::json& value = s->doc["coroutines"]["main"][0]["value"];
  EXPECT_EQ(value[0].get<uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(value[1].get<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(value[2].get<double>(), 1e20);
}

TEST(ScenarioJson, TextOverTheSizeLimitIsRejectedBeforeParsing) {
  const std::string big(kMaxFileBytes + 1, ' ');
  EXPECT_EQ(error_of(big), "t.json: 1048577 bytes is over the limit of 1048576 bytes for a scenario");
}

TEST(ScenarioJson, TheDocumentMustBeAnObject) {
  EXPECT_EQ(error_of("[1, 2]"), "t.json:1: (document): a scenario is a JSON object, got [1,2]");
}

// ------------------------------------------------------------ top level

TEST(ScenarioTopLevel, SchemaAndVersionAreChecked) {
  EXPECT_EQ(error_of("{\"version\": 1}"), "t.json:1: schema: is required: \"seedloop.scenario\"");
  EXPECT_EQ(error_of("{\"schema\": \"seedloop.trace\", \"version\": 1}"),
            "t.json:1: schema: must be \"seedloop.scenario\", got \"seedloop.trace\"");
  EXPECT_EQ(error_of("{\"schema\": \"seedloop.scenario\",\n \"version\": 2}"), "t.json:2: version: must be 1, got 2");
}

TEST(ScenarioTopLevel, AnUnknownFieldIsNamedWithASuggestion) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"corutines\": {},")),
            "t.json:2: corutines: unknown field (did you mean \"coroutines\"?)");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"zzz\": 1,")), "t.json:2: zzz: unknown field");
}

TEST(ScenarioTopLevel, TheNameMustMatchThePattern) {
  EXPECT_EQ(error_of("{\"schema\": \"seedloop.scenario\", \"version\": 1,\n\"name\": \"a b\"}"),
            "t.json:2: name: must be a string matching [A-Za-z0-9_.-]{1,80}, got \"a b\"");
}

TEST(ScenarioTopLevel, ExactlyOneOfMainAndDriver) {
  EXPECT_EQ(error_of("{\"schema\": \"seedloop.scenario\", \"version\": 1, \"name\": \"t\"}"),
            "t.json:1: (document): needs \"main\" (a coroutine's name) or \"driver\" (steps)");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"driver\": [],")),
            "t.json:2: driver: a scenario has \"main\" or \"driver\", not both");
  EXPECT_EQ(error_of("{\"schema\": \"seedloop.scenario\", \"version\": 1, \"name\": \"t\",\n"
                     "\"coroutines\": {\"main\": []}, \"main\": \"mian\"}"),
            "t.json:2: main: \"mian\" is not a coroutine (did you mean \"main\"?)");
}

TEST(ScenarioTopLevel, BudgetsOverTheLimitAreRejected) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"budgets\": {\"max_steps\": 10000001},")),
            "t.json:2: budgets.max_steps: must be an integer from 1 to 10000000, got 10000001");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"budgets\": {\"max_virtual_seconds\": 604801},")),
            "t.json:2: budgets.max_virtual_seconds: must be at most 604800 seconds (a week), got 604801");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"budgets\": {\"max_polls\": 1.5},")),
            "t.json:2: budgets.max_polls: must be an integer from 1 to 100000000, got 1.5");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"budgets\": {\"max_step\": 1},")),
            "t.json:2: budgets.max_step: unknown field of budgets (did you mean \"max_steps\"?)");
}

TEST(ScenarioTopLevel, WorldKnobsAreRangeChecked) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"world\": {\"executor_workers\": 65},")),
            "t.json:2: world.executor_workers: must be an integer from 1 to 64, got 65");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"world\": {\"executor_step\": 0},")),
            "t.json:2: world.executor_step: must be a number of seconds > 0 (at least 1 ns, at most 604800), got 0");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"world\": {\"threadsafe_max_delay\": 17},")),
            "t.json:2: world.threadsafe_max_delay: must be an integer from 0 to 16, got 17");
}

TEST(ScenarioTopLevel, ObjectSpecsAreChecked) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"objects\": {\"l\": {\"type\": \"Lokc\"}},")),
            "t.json:2: objects.l.type: must be one of Future, Queue, LifoQueue, PriorityQueue, Lock, Event, "
            "Semaphore, BoundedSemaphore, Condition, got \"Lokc\" (did you mean \"Lock\"?)");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"objects\": {\"s\": {\"type\": \"Semaphore\", \"value\": -1}},")),
            "t.json:2: objects.s.value: must be an integer from 0 to 1000000, got -1");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"objects\": {\"q\": {\"type\": \"Queue\", \"value\": 1}},")),
            "t.json:2: objects.q.value: unknown field of Queue");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"objects\": {\"9q\": {\"type\": \"Queue\"}},")),
            "t.json:2: objects.9q: a name must match [A-Za-z_][A-Za-z0-9_.-]{0,63}, got \"9q\"");
}

TEST(ScenarioTopLevel, AConditionsLockMustNameALockObject) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}",
                             "\"objects\": {\"c\": {\"type\": \"Condition\", \"lock\": \"e\"}, \"e\": {\"type\": "
                             "\"Event\"}},")),
            "t.json:2: objects.c.lock: must name a Lock object, got \"e\"");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}",
                             "\"objects\": {\"c\": {\"type\": \"Condition\", \"lock\": \"l\"}, \"l\": {\"type\": "
                             "\"Lock\"}},")),
            "ok");
}

TEST(ScenarioExpect, TraceEntriesAreEventsWithCanonicalTimes) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"trace\": [\"0 main time -> \\\"0\\\"\"]},")), "ok");
  EXPECT_THAT(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"trace\": [\"1.50 main: x\"]},")),
              ::testing::StartsWith("t.json:2: expect.trace[0]: must be an event \"TIME TEXT\""));
  EXPECT_THAT(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"fragments\": [\"main: x\"]},")),
              ::testing::StartsWith("t.json:2: expect.fragments[0]: must be an event"));
}

TEST(ScenarioExpect, TheOutcomeHasOneOfTheFourForms) {
  for (const char* ok :
       {"return 3", "return {\\\"a\\\":[1]}", "raise ValueError: boom", "deadlock", "budget max_polls"}) {
    EXPECT_EQ(error_of(program("{\"op\": \"time\"}", std::string("\"expect\": {\"outcome\": \"") + ok + "\"},")), "ok")
        << ok;
  }
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"outcome\": \"returns 3\"},")),
            "t.json:2: expect.outcome: must be \"return VALUE\", \"raise EXCEPTION\", \"deadlock\" or \"budget NAME\", "
            "got \"returns 3\"");
  EXPECT_THAT(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"outcome\": \"budget max_time\"},")),
              HasSubstr("expect.outcome: must be"));
}

TEST(ScenarioExpect, FinalStateNamesMustBeDefinedAndHaveTheirKindsShape) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"invariants\": {\"final_state\": {\"slots\": 2}}},")),
            "t.json:2: expect.invariants.final_state.slots: \"slots\" is not an object or a name a step makes");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}",
                             "\"objects\": {\"l\": {\"type\": \"Lock\"}}, "
                             "\"expect\": {\"invariants\": {\"final_state\": {\"l\": 1}}},")),
            "t.json:2: expect.invariants.final_state.l: \"l\" is a Lock: its State is true or false, got 1");
  EXPECT_EQ(error_of(program("{\"op\": \"create_task\", \"coro\": \"main\", \"name\": \"t1\"}",
                             "\"expect\": {\"invariants\": {\"final_state\": {\"t1\": \"done\"}}},")),
            "t.json:2: expect.invariants.final_state.t1: \"t1\" is a Task: its State is \"pending\", \"cancelled\", "
            "\"result VALUE\" or \"exception EXCEPTION\", got \"done\"");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"invariants\": {\"ends_by\": -1}},")),
            "t.json:2: expect.invariants.ends_by: must be a number >= 0, got -1");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"expect\": {\"invariants\": {\"never\": \"leak\"}},")),
            "t.json:2: expect.invariants.never: must be an array of strings, got \"leak\"");
}

// ------------------------------------------------------------ files

TEST(ScenarioFiles, AMissingFileIsNotFound) {
  absl::StatusOr<Scenario> s = load_scenario("no/such/file.json");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.status().message(), "no/such/file.json: no such file");
}

TEST(ScenarioFiles, ADirectoryIsNotAScenarioFile) {
  absl::StatusOr<Scenario> s = load_scenario(kTestdata);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("is a directory"));
}

TEST(ScenarioFiles, AnOversizedFileIsRejectedNamingItsSize) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/big.json";
  std::ofstream(path) << std::string(kMaxFileBytes + 10, ' ');
  absl::StatusOr<Scenario> s = load_scenario(path);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), path + ": 1048586 bytes is over the limit of 1048576 bytes for a scenario");
}

TEST(ScenarioFiles, AFileErrorNamesTheFilesPathAndLine) {
  absl::StatusOr<Scenario> s = load_scenario(std::string(kTestdata) + "/sub/deeper/a_bad.json");
  EXPECT_EQ(
      s.status().message(),
      std::string(kTestdata) + "/sub/deeper/a_bad.json:4: coroutines.main[0].delay: must be a number >= 0, got -1");
}

TEST(ScenarioFiles, FoldersAreWalkedForJsonFilesInSortedOrderAndFilesKeptAsGiven) {
  const std::string dir = kTestdata;
  absl::StatusOr<std::vector<std::string>> files = scenario_files({dir + "/sub/notes.txt", dir});
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(*files, ElementsAre(dir + "/sub/notes.txt", dir + "/hello_world.json", dir + "/sub/b_driver.json",
                                  dir + "/sub/deeper/a_bad.json"));
  // Deterministic: the same answer every time.
  EXPECT_EQ(*scenario_files({dir + "/sub/notes.txt", dir}), *files);
}

TEST(ScenarioFiles, AMissingPathIsNotFound) {
  absl::StatusOr<std::vector<std::string>> files = scenario_files({kTestdata, "nowhere"});
  EXPECT_EQ(files.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(files.status().message(), HasSubstr("nowhere"));
}

}  // namespace
}  // namespace seedloop::scenarios
