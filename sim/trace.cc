#include "sim/trace.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace seedloop::sim {

namespace {

constexpr std::array<std::pair<TraceKind, const char*>, 22> kNames = {{
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
}};

// One 64-bit word into the hash (see trace.h: fixed forever).
inline void mix_word(uint64_t* h, uint64_t w) {
  *h = (*h ^ w) * Trace::kHashMultiplier;
  *h ^= *h >> 32;
}

// The text as little-endian 8-byte words, the last one zero-padded: the
// same words on every host.
inline void mix_text(uint64_t* h, std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  while (n > 0) {
    const size_t take = n < 8 ? n : 8;
    uint64_t w = 0;
    for (size_t i = 0; i < take; ++i) w |= static_cast<uint64_t>(p[i]) << (8 * i);
    mix_word(h, w);
    p += take;
    n -= take;
  }
}

}  // namespace

const char* trace_kind_name(TraceKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<TraceKind> parse_trace_kind(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (name == n) return k;
  }
  return std::nullopt;
}

void Trace::add(int64_t t_ns, TraceKind kind, uint64_t id, int64_t value, std::string_view text) {
  mix_word(&hash_, static_cast<uint64_t>(kind) | (static_cast<uint64_t>(text.size()) << 8));
  mix_word(&hash_, static_cast<uint64_t>(t_ns));
  mix_word(&hash_, id);
  mix_word(&hash_, static_cast<uint64_t>(value));
  mix_text(&hash_, text);
  ++count_;
  if (level_ == TraceLevel::kRecord) events_.push_back(TraceEvent{t_ns, kind, id, value, std::string(text)});
}

std::string to_json_line(const TraceEvent& event, size_t index) {
  // nlohmann::ordered_json keeps the documented key order.
  nlohmann::ordered_json j;
  j["i"] = index;
  j["t"] = event.t_ns;
  j["ev"] = trace_kind_name(event.kind);
  j["id"] = event.id;
  j["value"] = event.value;
  j["text"] = event.text;
  return j.dump();
}

std::string Trace::to_jsonl() const {
  std::string out = absl::StrFormat("{\"schema\":\"seedloop.trace\",\"version\":%d}\n", kSchemaVersion);
  for (size_t i = 0; i < events_.size(); ++i) absl::StrAppend(&out, to_json_line(events_[i], i), "\n");
  return out;
}

std::optional<size_t> first_divergence(const Trace& a, const Trace& b) {
  const auto& x = a.events();
  const auto& y = b.events();
  const size_t n = std::min(x.size(), y.size());
  for (size_t i = 0; i < n; ++i) {
    if (!(x[i] == y[i])) return i;
  }
  if (x.size() != y.size()) return n;
  return std::nullopt;
}

std::string describe_event(const Trace& trace, size_t index) {
  if (index >= trace.events().size()) return absl::StrFormat("event %d: (end of trace)", index);
  const TraceEvent& e = trace.events()[index];
  return absl::StrFormat("event %d: t=%d %s id=%d value=%d text=%s", index, e.t_ns, trace_kind_name(e.kind), e.id,
                         e.value, e.text);
}

}  // namespace seedloop::sim
