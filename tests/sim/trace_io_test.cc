// Reading traces back (errors name source:line and the field), diff
// reports, and the Chrome trace-event export.

#include "sim/trace_io.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/policy.h"
#include "nlohmann/json.hpp"
#include "sim/simulation.h"

namespace seedloop::sim {
namespace {

using ::testing::HasSubstr;

Coro<void> child() { co_await sleep(0.5); }
Coro<void> parent() {
  Task<void> t = get_running_loop()->create_task(child(), "child");
  co_await sleep(1.0);
  co_await t;
}

Trace recorded_run(uint64_t seed = 1) {
  SimulationOptions options;
  options.seed = seed;
  return Simulation(options).run([] { return parent(); }).trace;
}

constexpr char kHeader[] = "{\"schema\":\"seedloop.trace\",\"version\":1}\n";

TEST(TraceRead, ARunsJsonLinesReadBackToTheSameEventsAndHash) {
  Trace original = recorded_run();
  absl::StatusOr<Trace> read = read_trace_jsonl(original.to_jsonl(), "run.jsonl");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->events(), original.events());
  EXPECT_EQ(read->hash(), original.hash());
}

TEST(TraceRead, InvalidJsonNamesTheLine) {
  absl::StatusOr<Trace> read = read_trace_jsonl(std::string(kHeader) + "{nope\n", "t.jsonl");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status().message(), "t.jsonl:2: not valid JSON");
}

TEST(TraceRead, AMissingFieldIsNamed) {
  absl::StatusOr<Trace> read =
      read_trace_jsonl(std::string(kHeader) + R"({"i":0,"ev":"stop","id":0,"value":0,"text":""})" "\n", "t.jsonl");
  EXPECT_EQ(read.status().message(), "t.jsonl:2: field \"t\" is missing");
}

TEST(TraceRead, AWrongTypeIsNamed) {
  absl::StatusOr<Trace> read = read_trace_jsonl(
      std::string(kHeader) + R"({"i":0,"t":"soon","ev":"stop","id":0,"value":0,"text":""})" "\n", "t.jsonl");
  EXPECT_EQ(read.status().message(), "t.jsonl:2: field \"t\" must be an integer");
}

TEST(TraceRead, AnUnknownEventKindIsNamed) {
  absl::StatusOr<Trace> read = read_trace_jsonl(
      std::string(kHeader) + R"({"i":0,"t":0,"ev":"explode","id":0,"value":0,"text":""})" "\n", "t.jsonl");
  EXPECT_EQ(read.status().message(), "t.jsonl:2: field \"ev\" names no event kind: \"explode\"");
}

TEST(TraceRead, IndicesMustCountUpFromZero) {
  absl::StatusOr<Trace> read = read_trace_jsonl(
      std::string(kHeader) + R"({"i":5,"t":0,"ev":"stop","id":0,"value":0,"text":""})" "\n", "t.jsonl");
  EXPECT_EQ(read.status().message(), "t.jsonl:2: field \"i\" is 5, expected 0");
}

TEST(TraceRead, TheHeaderIsRequiredAndVersioned) {
  EXPECT_THAT(read_trace_jsonl("", "e.jsonl").status().message(), HasSubstr("no header line"));
  EXPECT_EQ(read_trace_jsonl(R"({"schema":"seedloop.trace","version":2})" "\n", "v.jsonl").status().message(),
            "v.jsonl:1: field \"version\" must be 1");
  EXPECT_THAT(read_trace_jsonl(R"({"i":0})" "\n", "h.jsonl").status().message(),
              HasSubstr("h.jsonl:1: field \"schema\""));
}

TEST(TraceRead, AnOverlongLineIsRefused) {
  std::string line(kMaxTraceLineBytes + 1, ' ');
  EXPECT_THAT(read_trace_jsonl(std::string(kHeader) + line + "\n", "l.jsonl").status().message(),
              HasSubstr("l.jsonl:2: line of"));
}

TEST(TraceDiff, EqualTracesSayEqual) {
  Trace a = recorded_run();
  EXPECT_THAT(diff_report(a, a, 3), HasSubstr("traces are equal"));
}

TEST(TraceDiff, TheFirstDifferenceComesWithItsContext) {
  Trace a;
  Trace b;
  for (int i = 0; i < 5; ++i) {
    a.add(i, TraceKind::kStop, 0, 0, "");
    b.add(i, TraceKind::kStop, 0, 0, "");
  }
  a.add(9, TraceKind::kClose, 0, 0, "");
  b.add(9, TraceKind::kStop, 0, 0, "");
  const std::string report = diff_report(a, b, 2);
  EXPECT_THAT(report, HasSubstr("traces differ at event 5"));
  EXPECT_THAT(report, HasSubstr("event 3:"));
  EXPECT_THAT(report, HasSubstr("event 4:"));
  EXPECT_THAT(report, ::testing::Not(HasSubstr("event 2:")));
  EXPECT_THAT(report, HasSubstr("a: event 5: t=9 close"));
  EXPECT_THAT(report, HasSubstr("b: event 5: t=9 stop"));
}

TEST(TraceExport, ChromeTraceHasATrackPerTaskAndSlicesInMicroseconds) {
  nlohmann::json doc = nlohmann::json::parse(to_chrome_trace(recorded_run()));
  ASSERT_TRUE(doc.contains("traceEvents"));
  bool child_track = false;
  bool step_on_child = false;
  uint64_t child_tid = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "M" && e["args"]["name"].get<std::string>().rfind("child", 0) == 0) {
      child_track = true;
      child_tid = e["tid"].get<uint64_t>();
    }
  }
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "X" && e["name"] == "step" && e["tid"].get<uint64_t>() == child_tid) {
      step_on_child = true;
      EXPECT_GE(e["dur"].get<double>(), 0.001);
    }
  }
  EXPECT_TRUE(child_track);
  EXPECT_TRUE(step_on_child);
}

}  // namespace
}  // namespace seedloop::sim
