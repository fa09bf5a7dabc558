// Validation of steps: operations and their fields, ranges, names (defined,
// made, unique, of the right kind), where awaiting steps and reraise may
// appear, and the step limits. Each error names FILE:LINE: FIELD exactly.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/scenario.h"
#include "tests/scenarios/scenario_test_support.h"

namespace seedloop::scenarios {
namespace {

using testing::error_of;
using ::testing::HasSubstr;
using testing::program;
using ::testing::StartsWith;

constexpr char kHello[] =
    "\"callbacks\": {\"cb\": [{\"op\": \"log\", \"msg\": \"{args}\"}]}, "
    "\"objects\": {\"ev\": {\"type\": \"Event\"}, \"lock\": {\"type\": \"Lock\"}, "
    "\"q\": {\"type\": \"Queue\"}},";

TEST(ScenarioSteps, NegativeDelayNamesFileLineAndField) {
  EXPECT_EQ(error_of(program("{\"op\": \"log\", \"msg\": \"a\"},\n"
                             "{\"op\": \"log\", \"msg\": \"b\"},\n"
                             "{\"op\": \"log\", \"msg\": \"c\"},\n"
                             "{\"op\": \"sleep\", \"delay\": -1}")),
            "t.json:7: coroutines.main[3].delay: must be a number >= 0, got -1");
}

TEST(ScenarioSteps, SecondsOverAWeekAreRejected) {
  EXPECT_EQ(error_of(program("{\"op\": \"sleep\", \"delay\": 604800.5}")),
            "t.json:4: coroutines.main[0].delay: must be at most 604800 seconds (a week), got 604800.5");
  EXPECT_EQ(error_of(program("{\"op\": \"wait_for\", \"awaitable\": {\"coro\": \"main\"}, \"timeout\": \"1\"}")),
            "t.json:4: coroutines.main[0].timeout: must be a number >= 0 or null, got \"1\"");
}

TEST(ScenarioSteps, AnUnknownOperationSuggestsTheClosestKnownOne) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"},\n{\"op\": \"sleeep\", \"delay\": 1}")),
            "t.json:5: coroutines.main[1].op: unknown operation \"sleeep\" (did you mean \"sleep\"?)");
  EXPECT_EQ(error_of(program("{\"op\": \"teleport\"}")),
            "t.json:4: coroutines.main[0].op: unknown operation \"teleport\"");
  EXPECT_EQ(error_of(program("{\"msg\": \"x\"}")), "t.json:4: coroutines.main[0].op: is required");
  EXPECT_EQ(error_of(program("3")), "t.json:4: coroutines.main[0]: a step is an object with \"op\", got 3");
}

TEST(ScenarioSteps, AnUnknownFieldIsNamedWithASuggestion) {
  EXPECT_EQ(error_of(program("{\"op\": \"sleep\", \"dealy\": 1}")),
            "t.json:4: coroutines.main[0].dealy: unknown field of \"sleep\" (did you mean \"delay\"?)");
  EXPECT_EQ(error_of(program("{\"op\": \"time\", \"object\": \"x\"}")),
            "t.json:4: coroutines.main[0].object: unknown field of \"time\"");
}

TEST(ScenarioSteps, ALabelIsAllowedOnEveryStepAndMustBeAString) {
  EXPECT_EQ(
      error_of(program("{\"op\": \"time\", \"label\": \"now\"},\n{\"op\": \"log\", \"msg\": \"x\", \"label\": 1}")),
      "t.json:5: coroutines.main[1].label: must be a string, got 1");
}

TEST(ScenarioSteps, AMissingRequiredFieldPointsAtTheStep) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"},\n{\"op\": \"sleep\"}")),
            "t.json:5: coroutines.main[1].delay: is required by \"sleep\"");
  EXPECT_EQ(error_of(program("{\"op\": \"create_future\"}")),
            "t.json:4: coroutines.main[0].name: is required by \"create_future\"");
  EXPECT_EQ(error_of(program("{\"op\": \"raise\", \"exception\": {\"type\": \"KeyError\"}}")),
            "t.json:4: coroutines.main[0].exception.type: must be ValueError, RuntimeError, TypeError, "
            "CancelledError or TimeoutError, got \"KeyError\"");
}

TEST(ScenarioSteps, RangesOfCountsAndSizesAreChecked) {
  EXPECT_EQ(error_of(program("{\"op\": \"repeat\", \"count\": 0, \"steps\": []}")),
            "t.json:4: coroutines.main[0].count: must be an integer from 1 to 100000, got 0");
  EXPECT_EQ(error_of(program("{\"op\": \"repeat\", \"count\": 2.0, \"steps\": []}")),
            "t.json:4: coroutines.main[0].count: must be an integer from 1 to 100000, got 2.0");
  EXPECT_EQ(error_of(program("{\"op\": \"notify\", \"object\": \"c\", \"n\": -1}",
                             "\"objects\": {\"c\": {\"type\": \"Condition\"}},")),
            "t.json:4: coroutines.main[0].n: must be an integer from 0 to 1000000, got -1");
}

TEST(ScenarioSteps, UndefinedCoroutineCallbackAndObjectAreNamed) {
  EXPECT_EQ(error_of(program("{\"op\": \"create_task\", \"coro\": \"mian\"}")),
            "t.json:4: coroutines.main[0].coro: \"mian\" is not a coroutine (did you mean \"main\"?)");
  EXPECT_EQ(error_of(program("{\"op\": \"call_soon\", \"callback\": \"bc\"}", kHello)),
            "t.json:4: coroutines.main[0].callback: \"bc\" is not a callback (did you mean \"cb\"?)");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"},\n{\"op\": \"set\", \"object\": \"evt\"}", kHello)),
            "t.json:5: coroutines.main[1].object: \"evt\" is not an object or a name a step makes (did you mean "
            "\"ev\"?)");
  EXPECT_EQ(error_of(program("{\"op\": \"gather\", \"awaitables\": [\"t1\"]}")),
            "t.json:4: coroutines.main[0].awaitables[0]: \"t1\" is not an object or a name a step makes");
}

TEST(ScenarioSteps, ANameMadeAnywhereInTheFileMayBeUsed) {
  // main uses names that a callback and a later coroutine make.
  const std::string text =
      "{\"schema\": \"seedloop.scenario\", \"version\": 1, \"name\": \"t\", \"main\": \"main\",\n"
      "\"callbacks\": {\"cb\": [{\"op\": \"call_soon\", \"callback\": \"cb\", \"name\": \"h\"}]},\n"
      "\"coroutines\": {\"main\": [{\"op\": \"await\", \"object\": \"late\"}, {\"op\": \"cancel_handle\", "
      "\"object\": \"h\"}, {\"op\": \"expired\", \"object\": \"tm\"}],\n"
      "\"other\": [{\"op\": \"timeout\", \"delay\": 1, \"name\": \"tm\", \"steps\": [{\"op\": \"create_task\", "
      "\"coro\": \"other\", \"name\": \"late\"}]}]}}";
  EXPECT_EQ(error_of(text), "ok");
}

TEST(ScenarioSteps, AnObjectOfTheWrongKindIsRejected) {
  EXPECT_EQ(error_of(program("{\"op\": \"acquire\", \"object\": \"ev\"}", kHello)),
            "t.json:4: coroutines.main[0].object: \"ev\" is an Event, but acquire needs a Lock, Semaphore, "
            "BoundedSemaphore or Condition");
  EXPECT_EQ(error_of(program("{\"op\": \"put\", \"object\": \"lock\", \"value\": 1}", kHello)),
            "t.json:4: coroutines.main[0].object: \"lock\" is a Lock, but put needs a Queue, LifoQueue or "
            "PriorityQueue");
  EXPECT_EQ(error_of(program("{\"op\": \"set\", \"object\": \"q\"}", kHello)),
            "t.json:4: coroutines.main[0].object: \"q\" is a Queue, but set needs an Event");
  EXPECT_EQ(error_of(program("{\"op\": \"wait\", \"object\": \"q\"}", kHello)),
            "t.json:4: coroutines.main[0].object: \"q\" is a Queue, but wait needs an Event or Condition");
  EXPECT_EQ(error_of(program("{\"op\": \"call_soon\", \"callback\": \"cb\", \"name\": \"h\"},\n"
                             "{\"op\": \"await\", \"object\": \"h\"}",
                             kHello)),
            "t.json:5: coroutines.main[1].object: \"h\" is a handle, but await needs a Task or Future");
  EXPECT_EQ(error_of(program("{\"op\": \"call_soon\", \"callback\": \"cb\", \"name\": \"h\"},\n"
                             "{\"op\": \"cancel\", \"object\": \"h\"}",
                             kHello)),
            "t.json:5: coroutines.main[1].object: \"h\" is a handle: use cancel_handle");
}

TEST(ScenarioSteps, AwaitingInACallbackIsRejected) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}",
                             "\"callbacks\": {\"cb\": [{\"op\": \"log\", \"msg\": \"x\"}, {\"op\": \"sleep\", "
                             "\"delay\": 1}]},")),
            "t.json:2: callbacks.cb[1].op: \"sleep\" awaits, so it may appear only in a coroutine, not in callback "
            "\"cb\"");
  EXPECT_THAT(error_of(program("{\"op\": \"time\"}",
                               "\"callbacks\": {\"cb\": [{\"op\": \"repeat\", \"count\": 2, \"steps\": [{\"op\": "
                               "\"get\", \"object\": \"q\"}]}]},")),
              HasSubstr("callbacks.cb[0].steps[0].op: \"get\" awaits"));
}

TEST(ScenarioSteps, UncancelWithoutAnObjectNeedsACoroutine) {
  EXPECT_EQ(error_of(program("{\"op\": \"uncancel\"}, {\"op\": \"cancelling\"}")), "ok");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"}", "\"callbacks\": {\"cb\": [{\"op\": \"cancelling\"}]},")),
            "t.json:2: callbacks.cb[0].op: \"cancelling\" without \"object\" needs a current task, so it may appear "
            "only in a coroutine");
}

TEST(ScenarioSteps, TheDriverMayRunTheLoopButNotAwait) {
  const std::string head =
      "{\"schema\": \"seedloop.scenario\", \"version\": 1, \"name\": \"t\",\n"
      "\"coroutines\": {\"w\": [{\"op\": \"sleep\", \"delay\": 1}]},\n\"driver\": [\n";
  EXPECT_EQ(error_of(head + "{\"op\": \"run_until_complete\", \"coro\": \"w\", \"name\": \"w1\"},\n"
                            "{\"op\": \"run_forever\"}, {\"op\": \"close\"}]}"),
            "ok");
  EXPECT_EQ(error_of(head + "{\"op\": \"time\"},\n{\"op\": \"await\", \"coro\": \"w\"}]}"),
            "t.json:5: driver[1].op: \"await\" awaits, so it may appear only in a coroutine, not in the driver");
  EXPECT_EQ(error_of(head + "{\"op\": \"run_until_complete\", \"coro\": \"w\"}]}"), "ok");
  EXPECT_EQ(error_of(head + "{\"op\": \"create_future\", \"name\": \"f\"},\n"
                            "{\"op\": \"run_until_complete\", \"object\": \"f\", \"name\": \"x\"}]}"),
            "t.json:5: driver[1].name: goes with \"coro\", not \"object\"");
}

TEST(ScenarioSteps, AwaitingInsideBlocksOfACoroutineIsAllowed) {
  EXPECT_EQ(
      error_of(program("{\"op\": \"try\", \"steps\": [{\"op\": \"repeat\", \"count\": 3, \"steps\": [\n"
                       "{\"op\": \"timeout\", \"delay\": null, \"steps\": [{\"op\": \"task_group\", \"name\": "
                       "\"tg\", \"steps\": [{\"op\": \"tg_create_task\", \"object\": \"tg\", \"coro\": \"main\"},\n"
                       "{\"op\": \"with\", \"object\": \"lock\", \"steps\": [{\"op\": \"sleep\", \"delay\": 0}]}]}]}"
                       "]}], \"finally\": [{\"op\": \"wait\", \"object\": \"ev\"}]}",
                       kHello)),
      "ok");
}

TEST(ScenarioSteps, ReraiseIsAllowedOnlyInsideACatchClause) {
  EXPECT_EQ(error_of(program("{\"op\": \"time\"},\n{\"op\": \"reraise\"}")),
            "t.json:5: coroutines.main[1].op: reraise may appear only inside a catch clause");
  EXPECT_EQ(error_of(program("{\"op\": \"try\", \"steps\": [], \"finally\": [{\"op\": \"reraise\"}]}")),
            "t.json:4: coroutines.main[0].finally[0].op: reraise may appear only inside a catch clause");
  EXPECT_EQ(error_of(program("{\"op\": \"try\", \"steps\": [], \"catch\": [{\"type\": \"Exception\", \"steps\": [\n"
                             "{\"op\": \"repeat\", \"count\": 1, \"steps\": [{\"op\": \"reraise\"}]}]}]}")),
            "ok");
}

TEST(ScenarioSteps, CatchClausesNameExceptionTypes) {
  EXPECT_EQ(error_of(program("{\"op\": \"try\", \"steps\": [], \"catch\": [{\"type\": \"BaseException\", \"steps\": "
                             "[]}, {\"type\": \"QueueEmpty\", \"steps\": []}]}")),
            "ok");
  EXPECT_THAT(error_of(program("{\"op\": \"try\", \"steps\": [], \"catch\": [{\"type\": \"ValueEror\", \"steps\": "
                               "[]}]}")),
              ::testing::AllOf(StartsWith("t.json:4: coroutines.main[0].catch[0].type: must be an exception type"),
                               HasSubstr("(did you mean \"ValueError\"?)")));
  EXPECT_EQ(error_of(program("{\"op\": \"try\", \"steps\": []}")),
            "t.json:4: coroutines.main[0]: try needs a non-empty \"catch\" or a \"finally\"");
}

TEST(ScenarioSteps, NamesMadeByStepsAreUniqueAndDistinctFromObjects) {
  EXPECT_EQ(error_of(program("{\"op\": \"create_task\", \"coro\": \"main\", \"name\": \"t1\"},\n"
                             "{\"op\": \"create_future\", \"name\": \"t1\"}")),
            "t.json:5: coroutines.main[1].name: \"t1\" is already taken (coroutines.main[0].name, line 4)");
  EXPECT_EQ(error_of(program("{\"op\": \"time\"},\n{\"op\": \"create_future\", \"name\": \"q\"}", kHello)),
            "t.json:5: coroutines.main[1].name: \"q\" is already taken (objects.q, line 2)");
  EXPECT_EQ(error_of(program("{\"op\": \"await\", \"coro\": \"main\", \"name\": \"a b\"}")),
            "t.json:4: coroutines.main[0].name: must be a name matching [A-Za-z_][A-Za-z0-9_.-]{0,63}, got \"a b\"");
}

TEST(ScenarioSteps, OpsWithAlternativeFieldsTakeExactlyOne) {
  EXPECT_EQ(error_of(program("{\"op\": \"await\"}")),
            "t.json:4: coroutines.main[0]: await takes exactly one of \"object\" and \"coro\"");
  EXPECT_EQ(error_of(program("{\"op\": \"wait\", \"object\": \"ev\", \"timeout\": 1}", kHello)),
            "t.json:4: coroutines.main[0].timeout: goes with \"awaitables\", not \"object\"");
  EXPECT_EQ(error_of(program("{\"op\": \"run_in_executor\", \"result\": 1, \"raise\": {\"type\": \"ValueError\"}}")),
            "t.json:4: coroutines.main[0].raise: run_in_executor takes \"result\" or \"raise\", not both");
  EXPECT_EQ(error_of(program("{\"op\": \"wait\", \"awaitables\": [\"f\"], \"return_when\": \"FIRST_COMPLETE\"},\n"
                             "{\"op\": \"create_future\", \"name\": \"f\"}")),
            "t.json:4: coroutines.main[0].return_when: must be ALL_COMPLETED, FIRST_COMPLETED or FIRST_EXCEPTION, "
            "got \"FIRST_COMPLETE\" (did you mean \"FIRST_COMPLETED\"?)");
}

// n steps, each one nested in the previous one's `steps`.
std::string nested_repeats(int n) {
  std::string steps = "{\"op\": \"time\"}";
  for (int i = 1; i < n; ++i) steps = "{\"op\": \"repeat\", \"count\": 1, \"steps\": [" + steps + "]}";
  return steps;
}

TEST(ScenarioSteps, StepsNestAtMostSixteenDeep) {
  EXPECT_EQ(error_of(program(nested_repeats(kMaxDepth))), "ok");
  std::string field = "coroutines.main[0]";
  for (int i = 0; i < kMaxDepth; ++i) field += ".steps[0]";
  EXPECT_EQ(error_of(program(nested_repeats(kMaxDepth + 1))), "t.json:4: " + field + ": steps nest at most 16 deep");
}

TEST(ScenarioSteps, AScenarioHasAtMostTenThousandSteps) {
  std::string steps = "{\"op\": \"time\"}";
  for (size_t i = 1; i < kMaxSteps; ++i) steps += ", {\"op\": \"time\"}";
  EXPECT_EQ(error_of(program(steps)), "ok");
  EXPECT_EQ(error_of(program(steps + ",\n{\"op\": \"time\"}")),
            "t.json:5: coroutines.main[10000]: a scenario has at most 10000 steps");
}

TEST(ScenarioSteps, AwaitablesAreNamesOrCoroutineInstancesWhoseNameIsALabelOnly) {
  // Labels may repeat and join no namespace (README "Objects").
  EXPECT_EQ(error_of(program("{\"op\": \"gather\", \"awaitables\": [{\"coro\": \"main\", \"name\": \"m2\"}, "
                             "{\"coro\": \"main\", \"name\": \"m2\"}], \"return_exceptions\": true},\n"
                             "{\"op\": \"await\", \"coro\": \"main\", \"name\": \"m2\"}")),
            "ok");
  EXPECT_EQ(error_of(program("{\"op\": \"shield\", \"awaitable\": {\"coro\": \"main\", \"name\": \"m2\"}},\n"
                             "{\"op\": \"cancel\", \"object\": \"m2\"}")),
            "t.json:5: coroutines.main[1].object: \"m2\" is not an object or a name a step makes");
  EXPECT_EQ(error_of(program("{\"op\": \"shield\", \"awaitable\": 3}")),
            "t.json:4: coroutines.main[0].awaitable: must be a Task or Future name or {\"coro\": C, \"name\": N}, "
            "got 3");
  EXPECT_EQ(error_of(program("{\"op\": \"shield\", \"awaitable\": {\"coro\": \"main\", \"nam\": \"x\"}}")),
            "t.json:4: coroutines.main[0].awaitable.nam: unknown field of an awaitable (did you mean \"name\"?)");
}

}  // namespace
}  // namespace seedloop::scenarios
