#include "sim/trace_io.h"

#include <algorithm>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace seedloop::sim {

namespace {

absl::Status field_error(std::string_view source, size_t line, std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat("%s:%d: field \"%s\" %s", source, line, field, what));
}

// Reads one integer field of an event line.
template <typename T>
absl::StatusOr<T> integer_field(const nlohmann::json& j, std::string_view source, size_t line, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return field_error(source, line, field, "is missing");
  if (!it->is_number_integer()) return field_error(source, line, field, "must be an integer");
  if constexpr (std::is_unsigned_v<T>) {
    if (!it->is_number_unsigned()) return field_error(source, line, field, "must be a non-negative integer");
  }
  return it->get<T>();
}

}  // namespace

absl::StatusOr<Trace> read_trace_jsonl(std::string_view text, std::string_view source) {
  if (text.size() > kMaxTraceBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d bytes is over the limit of %d for a trace", source, text.size(), kMaxTraceBytes));
  }
  Trace trace(TraceLevel::kRecord);
  size_t line_no = 0;
  bool header = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line.size() > kMaxTraceLineBytes) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: line of %d bytes is over the limit of %d", source, line_no, line.size(),
                          kMaxTraceLineBytes));
    }
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrFormat("%s:%d: not valid JSON", source, line_no));
    if (!j.is_object()) {
      return absl::InvalidArgumentError(absl::StrFormat("%s:%d: each line is a JSON object", source, line_no));
    }
    if (!header) {
      if (!j.contains("schema") || j["schema"] != "seedloop.trace") {
        return field_error(source, line_no, "schema", "must be \"seedloop.trace\" (the first line is the header)");
      }
      if (!j.contains("version") || !j["version"].is_number_integer() ||
          j["version"].get<int>() != Trace::kSchemaVersion) {
        return field_error(source, line_no, "version", absl::StrCat("must be ", Trace::kSchemaVersion));
      }
      header = true;
      continue;
    }
    absl::StatusOr<uint64_t> index = integer_field<uint64_t>(j, source, line_no, "i");
    if (!index.ok()) return index.status();
    if (*index != trace.size()) {
      return field_error(source, line_no, "i", absl::StrFormat("is %d, expected %d", *index, trace.size()));
    }
    absl::StatusOr<int64_t> t = integer_field<int64_t>(j, source, line_no, "t");
    if (!t.ok()) return t.status();
    absl::StatusOr<uint64_t> id = integer_field<uint64_t>(j, source, line_no, "id");
    if (!id.ok()) return id.status();
    absl::StatusOr<int64_t> value = integer_field<int64_t>(j, source, line_no, "value");
    if (!value.ok()) return value.status();
    auto ev = j.find("ev");
    if (ev == j.end() || !ev->is_string()) return field_error(source, line_no, "ev", "must be a string");
    std::optional<TraceKind> kind = parse_trace_kind(ev->get<std::string>());
    if (!kind) return field_error(source, line_no, "ev", absl::StrCat("names no event kind: \"", ev->get<std::string>(), "\""));
    auto txt = j.find("text");
    if (txt == j.end() || !txt->is_string()) return field_error(source, line_no, "text", "must be a string");
    trace.add(*t, *kind, *id, *value, txt->get<std::string>());
  }
  if (!header) return absl::InvalidArgumentError(absl::StrFormat("%s: empty trace (no header line)", source));
  return trace;
}

std::string diff_report(const Trace& a, const Trace& b, size_t context) {
  std::optional<size_t> at = first_divergence(a, b);
  if (!at) return absl::StrFormat("traces are equal (%d events, hash %016x)\n", a.size(), a.hash());
  std::string out = absl::StrFormat("traces differ at event %d (hashes %016x and %016x)\n", *at, a.hash(), b.hash());
  const size_t from = *at > context ? *at - context : 0;
  for (size_t i = from; i < *at; ++i) absl::StrAppend(&out, "    ", describe_event(a, i), "\n");
  absl::StrAppend(&out, "  a: ", describe_event(a, *at), "\n");
  absl::StrAppend(&out, "  b: ", describe_event(b, *at), "\n");
  return out;
}

std::string to_chrome_trace(const Trace& trace) {
  const std::vector<TraceEvent>& events = trace.events();
  nlohmann::json list = nlohmann::json::array();
  absl::btree_map<uint64_t, std::string> task_names;  // by task number
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  for (size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& e = events[i];
    if (e.kind == TraceKind::kTaskCreated) task_names[e.id] = e.text;
    if (e.kind == TraceKind::kCallbackRun) {
      // A task's step shows on its track: the task_step event follows it.
      uint64_t track = 0;
      std::string name = e.text;
      if (i + 1 < events.size() && events[i + 1].kind == TraceKind::kTaskStep) {
        track = events[i + 1].id;
        name = "step";
      }
      const int64_t next = i + 1 < events.size() ? events[i + 1].t_ns : e.t_ns;
      // The slice lasts until time next moves (a callback cost), at least 1 ns.
      int64_t end = next;
      for (size_t k = i + 1; k < events.size() && events[k].kind != TraceKind::kCallbackRun; ++k) {
        end = std::max(end, events[k].t_ns);
        if (events[k].kind == TraceKind::kPoll) break;
      }
      list.push_back({{"name", name},
                      {"ph", "X"},
                      {"ts", us(e.t_ns)},
                      {"dur", us(std::max<int64_t>(end - e.t_ns, 1))},
                      {"pid", 1},
                      {"tid", track},
                      {"args", {{"handle", e.id}, {"event", i}}}});
      continue;
    }
    if (e.kind == TraceKind::kTaskStep) continue;  // shown as the slice above
    // A scenario step shows its own text; other instants their kind.
    list.push_back({{"name", e.kind == TraceKind::kScenario ? e.text : std::string(trace_kind_name(e.kind))},
                    {"ph", "i"},
                    {"s", "t"},
                    {"ts", us(e.t_ns)},
                    {"pid", 1},
                    {"tid", 0},
                    {"args", {{"id", e.id}, {"value", e.value}, {"text", e.text}, {"event", i}}}});
  }
  list.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 0}, {"args", {{"name", "loop"}}}});
  for (const auto& [number, name] : task_names) {
    list.push_back({{"name", "thread_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"tid", number},
                    {"args", {{"name", absl::StrCat(name, " (task ", number, ")")}}}});
  }
  nlohmann::json doc;
  doc["traceEvents"] = std::move(list);
  doc["displayTimeUnit"] = "ns";
  return doc.dump();
}

}  // namespace seedloop::sim
