// Trace: what a simulated run did, event by event, in virtual time; and its
// stable 64-bit hash.
//
// Every LoopObserver event of the loop (loop/observer.h) and every event of
// the simulated backend (time jumps with their reason, executor submit and
// complete, threadsafe posts, simulated I/O) becomes one TraceEvent. Two runs
// of a deterministic program with the same tape have equal traces, hence
// equal hashes; the first divergent event of two traces is what a
// determinism failure reports.
//
// JSON lines, schema version 1 (documented in sim/README.md). The first line
// is a header, then one object per event, keys in this order:
//   {"schema":"seedloop.trace","version":1}
//   {"i":0,"t":0,"ev":"task_created","id":1,"value":0,"text":"Task-1"}
// i: index; t: virtual ns; ev: kind name (trace_kind_name); id, value, text as
// LoopEvent (sim events document theirs next to their kind below).
//
// The hash folds 64-bit words: starting from h = 14695981039346656037, each
// word w does h = (h ^ w) * 0x9E3779B97F4A7C15 (mod 2^64), then
// h ^= h >> 32. Per event the words are: kind | (text length << 8), t, id,
// value, then the text's bytes as little-endian 8-byte words, the last one
// zero-padded. It is fixed forever, salt-free and machine-independent (not
// absl::Hash), and word-wide so that hashing costs little per event.
//
// Levels: kHashOnly keeps the hash and a count (the sweep's default: no
// allocation per event); kRecord also keeps the events.
//
// Threads: a Trace belongs to the simulation's thread.

#ifndef SEEDLOOP_SIM_TRACE_H_
#define SEEDLOOP_SIM_TRACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loop/observer.h"

namespace seedloop::sim {

// The loop's kinds keep their LoopEventKind numbers; the simulator's follow.
enum class TraceKind : uint8_t {
  kCallbackRun = static_cast<uint8_t>(LoopEventKind::kCallbackRun),
  kTimerScheduled = static_cast<uint8_t>(LoopEventKind::kTimerScheduled),
  kTimerDue = static_cast<uint8_t>(LoopEventKind::kTimerDue),
  kTimerCancelled = static_cast<uint8_t>(LoopEventKind::kTimerCancelled),
  kTaskCreated = static_cast<uint8_t>(LoopEventKind::kTaskCreated),
  kTaskStep = static_cast<uint8_t>(LoopEventKind::kTaskStep),
  kTaskCancelRequest = static_cast<uint8_t>(LoopEventKind::kTaskCancelRequest),
  kFutureDone = static_cast<uint8_t>(LoopEventKind::kFutureDone),
  kPoll = static_cast<uint8_t>(LoopEventKind::kPoll),
  kThreadsafeArrival = static_cast<uint8_t>(LoopEventKind::kThreadsafeArrival),
  kStop = static_cast<uint8_t>(LoopEventKind::kStop),
  kClose = static_cast<uint8_t>(LoopEventKind::kClose),
  kExceptionHandler = static_cast<uint8_t>(LoopEventKind::kExceptionHandler),
  kTaskDone = static_cast<uint8_t>(LoopEventKind::kTaskDone),
  kScenario = static_cast<uint8_t>(LoopEventKind::kAnnotation),  // "scenario": id: index; text: the step
  // Simulator events.
  kTimeJump = 32,        // value: ns jumped; text: reason ("timeout", "executor", "io", "callback_cost")
  kExecutorSubmit,       // id: job number; value: duration (ns), or -1 while queued for a worker
  kExecutorStart,        // id: job number; value: duration (ns) (a queued job got a worker)
  kExecutorComplete,     // id: job number
  kThreadsafePost,       // id: post number; value: iterations until it lands
  kIoDelivery,           // id: fd; value: IoEventMask bits reported
  kThreadSpawn,          // id: spawn number (a simulated helper thread ran)
};

const char* trace_kind_name(TraceKind kind);
std::optional<TraceKind> parse_trace_kind(std::string_view name);

struct TraceEvent {
  int64_t t_ns = 0;
  TraceKind kind = TraceKind::kCallbackRun;
  uint64_t id = 0;
  int64_t value = 0;
  std::string text;
  bool operator==(const TraceEvent& other) const = default;
};

// One JSON object (no newline).
std::string to_json_line(const TraceEvent& event, size_t index);

enum class TraceLevel { kHashOnly, kRecord };

class Trace {
 public:
  static constexpr uint64_t kHashSeed = 14695981039346656037ull;
  static constexpr uint64_t kHashMultiplier = 0x9E3779B97F4A7C15ull;
  static constexpr int kSchemaVersion = 1;

  explicit Trace(TraceLevel level = TraceLevel::kRecord) : level_(level) {}

  void add(int64_t t_ns, TraceKind kind, uint64_t id, int64_t value, std::string_view text);

  uint64_t hash() const { return hash_; }
  size_t size() const { return count_; }
  TraceLevel level() const { return level_; }
  // Empty at kHashOnly.
  const std::vector<TraceEvent>& events() const { return events_; }

  // The header line and one line per event, each ending in '\n'.
  std::string to_jsonl() const;

 private:
  TraceLevel level_;
  uint64_t hash_ = kHashSeed;
  size_t count_ = 0;
  std::vector<TraceEvent> events_;
};

// The index of the first event where `a` and `b` differ (a shorter trace
// differs at its end), or nullopt when equal. Both must be kRecord.
std::optional<size_t> first_divergence(const Trace& a, const Trace& b);

// "event 12: t=1000 callback_run id=4 value=0 text=Task.__step" or
// "event 12: (end of trace)".
std::string describe_event(const Trace& trace, size_t index);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_TRACE_H_
