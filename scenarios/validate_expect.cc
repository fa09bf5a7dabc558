// The scenario validator's expect section (internal/validate.h): trace and
// fragment events, the outcome, and the invariants (final states in the
// shape of each name's kind, never, ends_by).

#include "scenarios/internal/validate.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "scenarios/internal/messages.h"

namespace seedloop::scenarios::internal {

namespace {

// "TIME TEXT" with TIME as the trace writes it: 0, 1, 0.5, 0.000001.
bool is_trace_event(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || (i > 1 && s[0] == '0')) return false;
  if (i < s.size() && s[i] == '.') {
    const size_t from = ++i;
    while (i < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == from || s[i - 1] == '0') return false;
  }
  return i + 1 < s.size() && s[i] == ' ';
}

// "return JSON", "raise EXCEPTION", "deadlock" or "budget NAME".
bool is_outcome(std::string_view s) {
  if (s == "deadlock" || s == "budget max_steps" || s == "budget max_virtual_seconds" || s == "budget max_polls") {
    return true;
  }
  if (s.starts_with("return ")) return json::accept(s.substr(7));
  return s.starts_with("raise ") && s.size() > 6;
}

}  // namespace

absl::Status Validator::expectations() {
  const json* e = member(d_, "expect");
  if (e == nullptr) return absl::OkStatus();
  SCENARIO_RETURN_IF_ERROR(object(*e, "/expect", "an object"));
  constexpr std::string_view kFields[] = {"trace", "fragments", "outcome", "invariants"};
  SCENARIO_RETURN_IF_ERROR(unknown_field(*e, "/expect", kFields, "expect"));
  for (const char* name : {"trace", "fragments"}) {
    const json* v = member(*e, name);
    if (v == nullptr) continue;
    const std::string pointer = child("/expect", name);
    absl::StatusOr<std::vector<std::string>> events = strings(*v, pointer);
    if (!events.ok()) return events.status();
    for (size_t i = 0; i < events->size(); ++i) {
      if (!is_trace_event((*events)[i])) {
        return fail(child(pointer, i), absl::StrCat("must be an event \"TIME TEXT\", TIME in seconds as the trace "
                                                    "writes it (0, 1.5, 0.000001), got ",
                                                    shown((*v)[i])));
      }
    }
    (std::string_view(name) == "trace" ? s_.expect.trace : s_.expect.fragments) = *std::move(events);
  }
  if (const json* v = member(*e, "outcome")) {
    if (!v->is_string() || !is_outcome(v->get<std::string>())) {
      return fail("/expect/outcome", absl::StrCat("must be \"return VALUE\", \"raise EXCEPTION\", \"deadlock\" or "
                                                  "\"budget NAME\", got ",
                                                  shown(*v)));
    }
    s_.expect.outcome = v->get<std::string>();
  }
  if (const json* v = member(*e, "invariants")) return invariants(*v);
  return absl::OkStatus();
}

absl::Status Validator::invariants(const json& v) {
  const std::string pointer = "/expect/invariants";
  SCENARIO_RETURN_IF_ERROR(object(v, pointer, "an object"));
  constexpr std::string_view kFields[] = {"final_state", "never", "ends_by"};
  SCENARIO_RETURN_IF_ERROR(unknown_field(v, pointer, kFields, "invariants"));
  if (const json* states = member(v, "final_state")) {
    const std::string at = child(pointer, "final_state");
    SCENARIO_RETURN_IF_ERROR(object(*states, at, "an object: name -> State"));
    for (auto it = states->begin(); it != states->end(); ++it) {
      const std::string state_pointer = child(at, it.key());
      absl::StatusOr<const NameInfo*> info = lookup(it.key(), state_pointer);
      if (!info.ok()) return info.status();
      SCENARIO_RETURN_IF_ERROR(state(it.key(), **info, *it, state_pointer));
      s_.expect.final_state.emplace(it.key(), *it);
    }
  }
  if (const json* never = member(v, "never")) {
    absl::StatusOr<std::vector<std::string>> list = strings(*never, child(pointer, "never"));
    if (!list.ok()) return list.status();
    s_.expect.never = *std::move(list);
  }
  if (const json* ends_by = member(v, "ends_by")) {
    absl::StatusOr<std::optional<double>> t = seconds(*ends_by, child(pointer, "ends_by"), Nullable::kNo);
    if (!t.ok()) return t.status();
    s_.expect.ends_by_ns = to_ns(**t);
  }
  return absl::OkStatus();
}

absl::Status Validator::state(const std::string& name, const NameInfo& info, const json& v,
                              std::string_view pointer) const {
  bool ok = false;
  const char* shape = "";
  switch (info.kind) {
    case kFuture:
    case kTask: {
      const std::string_view s = v.is_string() ? std::string_view(v.get_ref<const std::string&>()) : std::string_view();
      ok = s == "pending" || s == "cancelled" || s.starts_with("result ") || s.starts_with("exception ");
      shape = "\"pending\", \"cancelled\", \"result VALUE\" or \"exception EXCEPTION\"";
      break;
    }
    case kQueue:
    case kSemaphore:
      ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
      shape = "an integer >= 0";
      break;
    case kLock:
    case kEvent:
    case kCondition:
      ok = v.is_boolean();
      shape = "true or false";
      break;
    case kHandle:
      ok = v == "cancelled" || v == "active";
      shape = "\"cancelled\" or \"active\"";
      break;
    case kTimeout:
    case kTaskGroup:
      return fail(pointer, absl::StrCat(quote(name), " is ", with_article(info.type), ", which has no State"));
  }
  if (ok) return absl::OkStatus();
  return fail(pointer,
              absl::StrCat(quote(name), " is ", with_article(info.type), ": its State is ", shape, ", got ", shown(v)));
}

}  // namespace seedloop::scenarios::internal
