// sim::Trace: the stable word hash over the documented layout, the
// JSON-lines form (header, key order), first_divergence, kind names, and the
// hash-only level.

#include "sim/trace.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace seedloop::sim {
namespace {

// An independent implementation of the hash sim/trace.h documents: from
// h = 14695981039346656037, each 64-bit word w does
// h = (h ^ w) * 0x9E3779B97F4A7C15; h ^= h >> 32. Per event the words are
// kind | (text length << 8), t, id, value, then the text as little-endian
// 8-byte words, the last zero-padded.
class ReferenceHash {
 public:
  void add(int64_t t_ns, TraceKind kind, uint64_t id, int64_t value, std::string_view text) {
    word(static_cast<uint64_t>(kind) | (static_cast<uint64_t>(text.size()) << 8));
    word(static_cast<uint64_t>(t_ns));
    word(id);
    word(static_cast<uint64_t>(value));
    for (size_t i = 0; i < text.size(); i += 8) {
      uint64_t w = 0;
      for (size_t j = 0; j < 8 && i + j < text.size(); ++j) {
        w |= static_cast<uint64_t>(static_cast<uint8_t>(text[i + j])) << (8 * j);
      }
      word(w);
    }
  }
  uint64_t hash() const { return h_; }

 private:
  void word(uint64_t w) {
    h_ = (h_ ^ w) * 0x9E3779B97F4A7C15ull;
    h_ ^= h_ >> 32;
  }
  uint64_t h_ = 14695981039346656037ull;
};

struct Ev {
  int64_t t_ns;
  TraceKind kind;
  uint64_t id;
  int64_t value;
  std::string text;
};

const std::vector<Ev>& small_sequence() {
  static const auto* events = new std::vector<Ev>{
      {0, TraceKind::kTaskCreated, 1, 0, "Task-1"},
      {1000, TraceKind::kTimeJump, 0, 1000, "timeout"},
      {1000, TraceKind::kCallbackRun, 7, -1, ""},
  };
  return *events;
}

Trace record(const std::vector<Ev>& events, TraceLevel level = TraceLevel::kRecord) {
  Trace trace(level);
  for (const Ev& e : events) trace.add(e.t_ns, e.kind, e.id, e.value, e.text);
  return trace;
}

TEST(TraceHash, EmptyTraceHashesToTheSeed) {
  Trace trace;
  EXPECT_EQ(trace.hash(), 14695981039346656037ull);
  EXPECT_EQ(trace.size(), 0u);
}

TEST(TraceHash, FoldsTheDocumentedWords) {
  ReferenceHash reference;
  for (const Ev& e : small_sequence()) reference.add(e.t_ns, e.kind, e.id, e.value, e.text);
  Trace trace = record(small_sequence());
  EXPECT_EQ(trace.hash(), reference.hash());
  // Fixed forever: the value a 10-line python3 script (int.from_bytes(...,
  // "little") over the same words, mod 2**64) computes for these events.
  EXPECT_EQ(trace.hash(), 0xda8af27e5c587b6eull);
}

TEST(TraceHash, DependsOnEveryField) {
  const uint64_t base = record(small_sequence()).hash();
  auto changed = [&](auto edit) {
    std::vector<Ev> events = small_sequence();
    edit(events[1]);
    return record(events).hash();
  };
  EXPECT_NE(changed([](Ev& e) { e.t_ns += 1; }), base);
  EXPECT_NE(changed([](Ev& e) { e.kind = TraceKind::kExecutorSubmit; }), base);
  EXPECT_NE(changed([](Ev& e) { e.id += 1; }), base);
  EXPECT_NE(changed([](Ev& e) { e.value += 1; }), base);
  EXPECT_NE(changed([](Ev& e) { e.text = "timeouT"; }), base);
}

TEST(TraceHash, TextLengthSeparatesAdjacentTexts) {
  // "ab" + "" and "a" + "b" have the same bytes without the length prefix.
  Trace a;
  a.add(0, TraceKind::kCallbackRun, 0, 0, "ab");
  a.add(0, TraceKind::kCallbackRun, 0, 0, "");
  Trace b;
  b.add(0, TraceKind::kCallbackRun, 0, 0, "a");
  b.add(0, TraceKind::kCallbackRun, 0, 0, "b");
  EXPECT_NE(a.hash(), b.hash());
}

TEST(TraceLevels, HashOnlyKeepsHashAndCountButNoEvents) {
  Trace hash_only = record(small_sequence(), TraceLevel::kHashOnly);
  Trace recorded = record(small_sequence(), TraceLevel::kRecord);
  EXPECT_EQ(hash_only.level(), TraceLevel::kHashOnly);
  EXPECT_TRUE(hash_only.events().empty());
  EXPECT_EQ(hash_only.size(), 3u);
  EXPECT_EQ(hash_only.hash(), recorded.hash());
  EXPECT_EQ(recorded.size(), 3u);
  ASSERT_EQ(recorded.events().size(), 3u);
  EXPECT_EQ(recorded.events()[1], (TraceEvent{1000, TraceKind::kTimeJump, 0, 1000, "timeout"}));
}

TEST(TraceJson, StartsWithTheSchemaHeaderThenOneLinePerEventInKeyOrder) {
  Trace trace = record(small_sequence());
  EXPECT_EQ(trace.to_jsonl(),
            "{\"schema\":\"seedloop.trace\",\"version\":1}\n"
            "{\"i\":0,\"t\":0,\"ev\":\"task_created\",\"id\":1,\"value\":0,\"text\":\"Task-1\"}\n"
            "{\"i\":1,\"t\":1000,\"ev\":\"time_jump\",\"id\":0,\"value\":1000,\"text\":\"timeout\"}\n"
            "{\"i\":2,\"t\":1000,\"ev\":\"callback_run\",\"id\":7,\"value\":-1,\"text\":\"\"}\n");
}

TEST(TraceJson, EmptyTraceIsJustTheHeader) {
  EXPECT_EQ(Trace().to_jsonl(), "{\"schema\":\"seedloop.trace\",\"version\":1}\n");
}

TEST(TraceJson, TextIsEscapedAsJson) {
  TraceEvent e{5, TraceKind::kExceptionHandler, 0, 0, "say \"hi\"\n"};
  EXPECT_EQ(to_json_line(e, 12),
            "{\"i\":12,\"t\":5,\"ev\":\"exception_handler\",\"id\":0,\"value\":0,\"text\":\"say \\\"hi\\\"\\n\"}");
}

TEST(TraceDivergence, EqualTracesHaveNone) {
  EXPECT_EQ(first_divergence(record(small_sequence()), record(small_sequence())), std::nullopt);
  EXPECT_EQ(first_divergence(Trace(), Trace()), std::nullopt);
}

TEST(TraceDivergence, FindsTheFirstDifferingIndex) {
  std::vector<Ev> other = small_sequence();
  other[1].value = 999;
  other[2].id = 8;  // later differences do not matter
  EXPECT_EQ(first_divergence(record(small_sequence()), record(other)), 1u);
}

TEST(TraceDivergence, AShorterTraceDiffersAtItsEnd) {
  std::vector<Ev> prefix(small_sequence().begin(), small_sequence().begin() + 2);
  EXPECT_EQ(first_divergence(record(small_sequence()), record(prefix)), 2u);
  EXPECT_EQ(first_divergence(record(prefix), record(small_sequence())), 2u);
  EXPECT_EQ(first_divergence(Trace(), record(small_sequence())), 0u);
}

TEST(TraceDivergence, DescribeEventNamesTheEventOrTheEnd) {
  Trace trace = record(small_sequence());
  EXPECT_EQ(describe_event(trace, 1), "event 1: t=1000 time_jump id=0 value=1000 text=timeout");
  EXPECT_EQ(describe_event(trace, 3), "event 3: (end of trace)");
}

TEST(TraceKindNames, EveryKindRoundTripsThroughItsName) {
  const std::vector<std::pair<TraceKind, std::string>> kinds = {
      {TraceKind::kCallbackRun, "callback_run"},
      {TraceKind::kTimerScheduled, "timer_scheduled"},
      {TraceKind::kTimerDue, "timer_due"},
      {TraceKind::kTimerCancelled, "timer_cancelled"},
      {TraceKind::kTaskCreated, "task_created"},
      {TraceKind::kTaskStep, "task_step"},
      {TraceKind::kTaskCancelRequest, "task_cancel_request"},
      {TraceKind::kFutureDone, "future_done"},
      {TraceKind::kPoll, "poll"},
      {TraceKind::kThreadsafeArrival, "threadsafe_arrival"},
      {TraceKind::kStop, "stop"},
      {TraceKind::kClose, "close"},
      {TraceKind::kExceptionHandler, "exception_handler"},
      {TraceKind::kTaskDone, "task_done"},
      {TraceKind::kScenario, "scenario"},
      {TraceKind::kTimeJump, "time_jump"},
      {TraceKind::kExecutorSubmit, "executor_submit"},
      {TraceKind::kExecutorStart, "executor_start"},
      {TraceKind::kExecutorComplete, "executor_complete"},
      {TraceKind::kThreadsafePost, "threadsafe_post"},
      {TraceKind::kIoDelivery, "io_delivery"},
      {TraceKind::kThreadSpawn, "thread_spawn"},
  };
  for (const auto& [kind, name] : kinds) {
    EXPECT_EQ(trace_kind_name(kind), name);
    EXPECT_EQ(parse_trace_kind(name), kind) << name;
  }
  // Every numeric value either has a name that parses back to it, or none.
  size_t named = 0;
  for (int v = 0; v < 256; ++v) {
    const auto kind = static_cast<TraceKind>(v);
    const std::string name = trace_kind_name(kind);
    if (name == "unknown") continue;
    ++named;
    EXPECT_EQ(parse_trace_kind(name), kind) << name;
  }
  EXPECT_EQ(named, kinds.size());
}

TEST(TraceKindNames, LoopKindsKeepTheirLoopEventNumbers) {
  EXPECT_EQ(static_cast<int>(TraceKind::kCallbackRun), static_cast<int>(LoopEventKind::kCallbackRun));
  EXPECT_EQ(static_cast<int>(TraceKind::kExceptionHandler), static_cast<int>(LoopEventKind::kExceptionHandler));
  EXPECT_EQ(static_cast<int>(TraceKind::kTimeJump), 32);
  EXPECT_EQ(static_cast<int>(TraceKind::kThreadSpawn), 38);
}

TEST(TraceKindNames, UnknownNamesDoNotParse) {
  EXPECT_EQ(parse_trace_kind("nope"), std::nullopt);
  EXPECT_EQ(parse_trace_kind(""), std::nullopt);
  EXPECT_EQ(parse_trace_kind("Poll"), std::nullopt);
}

}  // namespace
}  // namespace seedloop::sim
