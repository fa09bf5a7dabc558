// The scenario validator's top level (internal/validate.h): the walk's
// order, the field types every part shares (integers, seconds, strings,
// unknown fields), the header, budgets, world, objects and the entry point.

#include "scenarios/internal/validate.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "scenarios/internal/messages.h"

namespace seedloop::scenarios::internal {

namespace {

struct ObjectType {
  const char* name;
  Kind kind;
  const char* size_field;  // the optional integer field, or nullptr
};
constexpr ObjectType kObjectTypes[] = {
    {"Future", kFuture, nullptr},       {"Queue", kQueue, "maxsize"},
    {"LifoQueue", kQueue, "maxsize"},   {"PriorityQueue", kQueue, "maxsize"},
    {"Lock", kLock, nullptr},           {"Event", kEvent, nullptr},
    {"Semaphore", kSemaphore, "value"}, {"BoundedSemaphore", kSemaphore, "value"},
    {"Condition", kCondition, nullptr},
};

constexpr std::string_view kTopLevelFields[] = {"schema",     "version",   "name",    "description", "tags",
                                                "coroutines", "callbacks", "objects", "main",        "driver",
                                                "budgets",    "world",     "expect"};

// [A-Za-z0-9_.-]{1,80}: the scenario's name.
bool is_scenario_name(std::string_view s) {
  if (s.empty() || s.size() > 80) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

absl::Status validate(Scenario& s) { return Validator(s).run(); }

bool is_entity_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(s[0])) && s[0] != '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::string with_article(std::string_view noun) {
  const bool vowel = !noun.empty() && absl::StrContains("AEIOUaeiou", noun[0]);
  return absl::StrCat(vowel ? "an " : "a ", av(noun));
}

absl::Status Validator::run() {
  if (!d_.is_object()) return fail("", absl::StrCat("a scenario is a JSON object, got ", shown(d_)));
  SCENARIO_RETURN_IF_ERROR(header());
  SCENARIO_RETURN_IF_ERROR(unknown_field(d_, "", kTopLevelFields, ""));
  SCENARIO_RETURN_IF_ERROR(about());
  SCENARIO_RETURN_IF_ERROR(budgets());
  SCENARIO_RETURN_IF_ERROR(world());
  SCENARIO_RETURN_IF_ERROR(bodies_declared());
  SCENARIO_RETURN_IF_ERROR(objects());
  SCENARIO_RETURN_IF_ERROR(entry());
  SCENARIO_RETURN_IF_ERROR(bodies());
  SCENARIO_RETURN_IF_ERROR(resolve());
  return expectations();
}

// ------------------------------------------------------------- basics

absl::Status Validator::fail(std::string_view pointer, std::string_view problem) const {
  return absl::InvalidArgumentError(absl::StrCat(locate(s_, pointer, kMaxShownField), ": ", av(problem)));
}

const json* Validator::member(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

absl::Status Validator::unknown_field(const json& obj, std::string_view pointer,
                                      std::span<const std::string_view> known, std::string_view of) const {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (contains(known, it.key())) continue;
    return fail(child(pointer, it.key()), absl::StrCat("unknown field", of.empty() ? "" : absl::StrCat(" of ", av(of)),
                                                       suggestion(it.key(), known)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Validator::integer(const json& v, std::string_view pointer, int64_t lo, int64_t hi) const {
  if (v.is_number_integer()) {
    const bool fits =
        !v.is_number_unsigned() || v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (fits && v.get<int64_t>() >= lo && v.get<int64_t>() <= hi) return v.get<int64_t>();
  }
  return fail(pointer, absl::StrFormat("must be an integer from %d to %d, got %s", lo, hi, shown(v)));
}

absl::StatusOr<std::optional<double>> Validator::seconds(const json& v, std::string_view pointer,
                                                         Nullable nullable) const {
  if (nullable == Nullable::kYes && v.is_null()) return std::optional<double>();
  if (!v.is_number() || v.get<double>() < 0) {
    return fail(pointer, absl::StrCat("must be a number >= 0", nullable == Nullable::kYes ? " or null" : "", ", got ",
                                      shown(v)));
  }
  if (v.get<double>() > kMaxSeconds) {
    return fail(pointer, absl::StrCat("must be at most 604800 seconds (a week), got ", shown(v)));
  }
  return std::optional<double>(v.get<double>());
}

int64_t Validator::to_ns(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); }

absl::Status Validator::string(const json& v, std::string_view pointer) const {
  if (v.is_string()) return absl::OkStatus();
  return fail(pointer, absl::StrCat("must be a string, got ", shown(v)));
}

absl::StatusOr<std::vector<std::string>> Validator::strings(const json& v, std::string_view pointer) const {
  if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of strings, got ", shown(v)));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    SCENARIO_RETURN_IF_ERROR(string(v[i], child(pointer, i)));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

absl::Status Validator::object(const json& v, std::string_view pointer, std::string_view what) const {
  if (v.is_object()) return absl::OkStatus();
  return fail(pointer, absl::StrCat("must be ", av(what), ", got ", shown(v)));
}

// ------------------------------------------------------------- top level

absl::Status Validator::header() const {
  const json* schema = member(d_, "schema");
  if (schema == nullptr) return fail("/schema", "is required: \"seedloop.scenario\"");
  if (*schema != "seedloop.scenario") {
    return fail("/schema", absl::StrCat("must be \"seedloop.scenario\", got ", shown(*schema)));
  }
  const json* version = member(d_, "version");
  if (version == nullptr) return fail("/version", "is required: 1");
  if (!version->is_number_integer() || *version != 1) {
    return fail("/version", absl::StrCat("must be 1, got ", shown(*version)));
  }
  return absl::OkStatus();
}

absl::Status Validator::about() {
  const json* name = member(d_, "name");
  if (name == nullptr) return fail("/name", "is required");
  if (!name->is_string() || !is_scenario_name(name->get<std::string>())) {
    return fail("/name", absl::StrCat("must be a string matching [A-Za-z0-9_.-]{1,80}, got ", shown(*name)));
  }
  s_.name = name->get<std::string>();
  if (const json* description = member(d_, "description")) {
    SCENARIO_RETURN_IF_ERROR(string(*description, "/description"));
    s_.description = description->get<std::string>();
  }
  if (const json* tags = member(d_, "tags")) {
    absl::StatusOr<std::vector<std::string>> list = strings(*tags, "/tags");
    if (!list.ok()) return list.status();
    s_.tags = *std::move(list);
  }
  return absl::OkStatus();
}

absl::Status Validator::budgets() {
  const json* b = member(d_, "budgets");
  if (b == nullptr) return absl::OkStatus();
  SCENARIO_RETURN_IF_ERROR(object(*b, "/budgets", "an object"));
  constexpr std::string_view kFields[] = {"max_steps", "max_virtual_seconds", "max_polls"};
  SCENARIO_RETURN_IF_ERROR(unknown_field(*b, "/budgets", kFields, "budgets"));
  const BudgetSpec defaults;
  if (const json* v = member(*b, "max_steps")) {
    absl::StatusOr<int64_t> n = integer(*v, "/budgets/max_steps", 1, static_cast<int64_t>(defaults.max_steps));
    if (!n.ok()) return n.status();
    s_.budgets.max_steps = static_cast<uint64_t>(*n);
  }
  if (const json* v = member(*b, "max_virtual_seconds")) {
    absl::StatusOr<std::optional<double>> t = seconds(*v, "/budgets/max_virtual_seconds", Nullable::kNo);
    if (!t.ok()) return t.status();
    s_.budgets.max_virtual_ns = to_ns(**t);
  }
  if (const json* v = member(*b, "max_polls")) {
    absl::StatusOr<int64_t> n = integer(*v, "/budgets/max_polls", 1, static_cast<int64_t>(defaults.max_polls));
    if (!n.ok()) return n.status();
    s_.budgets.max_polls = static_cast<uint64_t>(*n);
  }
  return absl::OkStatus();
}

absl::Status Validator::world() {
  const json* w = member(d_, "world");
  if (w == nullptr) return absl::OkStatus();
  SCENARIO_RETURN_IF_ERROR(object(*w, "/world", "an object"));
  constexpr std::string_view kFields[] = {"executor_workers", "executor_step", "executor_steps",
                                          "threadsafe_max_delay"};
  SCENARIO_RETURN_IF_ERROR(unknown_field(*w, "/world", kFields, "world"));
  struct Knob {
    const char* name;
    int64_t lo, hi;
    uint32_t* out;
  };
  const Knob knobs[] = {{"executor_workers", 1, 64, &s_.world.executor_workers},
                        {"executor_steps", 1, 100, &s_.world.executor_steps},
                        {"threadsafe_max_delay", 0, 16, &s_.world.threadsafe_max_delay}};
  for (const Knob& k : knobs) {
    const json* v = member(*w, k.name);
    if (v == nullptr) continue;
    absl::StatusOr<int64_t> n = integer(*v, child("/world", k.name), k.lo, k.hi);
    if (!n.ok()) return n.status();
    *k.out = static_cast<uint32_t>(*n);
  }
  if (const json* v = member(*w, "executor_step")) {
    if (!v->is_number() || !(v->get<double>() > 0) || v->get<double>() > kMaxSeconds || to_ns(v->get<double>()) < 1) {
      return fail("/world/executor_step",
                  absl::StrCat("must be a number of seconds > 0 (at least 1 ns, at most 604800), got ", shown(*v)));
    }
    s_.world.executor_step_ns = to_ns(v->get<double>());
  }
  return absl::OkStatus();
}

// coroutines and callbacks: name -> array (the steps are checked later).
absl::Status Validator::bodies_declared() {
  for (const char* section : {"coroutines", "callbacks"}) {
    const json* bodies = member(d_, section);
    if (bodies == nullptr) continue;
    const std::string pointer = child("", section);
    SCENARIO_RETURN_IF_ERROR(object(*bodies, pointer, "an object: name -> array of steps"));
    for (auto it = bodies->begin(); it != bodies->end(); ++it) {
      if (!is_entity_name(it.key())) {
        return fail(child(pointer, it.key()),
                    absl::StrCat("a name must match ", kEntityNamePattern, ", got ", quote(it.key())));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::objects() {
  const json* objs = member(d_, "objects");
  if (objs == nullptr) return absl::OkStatus();
  SCENARIO_RETURN_IF_ERROR(object(*objs, "/objects", "an object: name -> object spec"));
  std::vector<std::string_view> type_names;
  for (const ObjectType& t : kObjectTypes) type_names.push_back(t.name);
  // First every name and type, so a Condition may name any Lock.
  for (auto it = objs->begin(); it != objs->end(); ++it) {
    const std::string pointer = child("/objects", it.key());
    if (!is_entity_name(it.key())) {
      return fail(pointer, absl::StrCat("a name must match ", kEntityNamePattern, ", got ", quote(it.key())));
    }
    SCENARIO_RETURN_IF_ERROR(object(*it, pointer, "an object spec {\"type\": T, ...}"));
    const json* type = member(*it, "type");
    if (type == nullptr) return fail(child(pointer, "type"), "is required");
    const ObjectType* found = nullptr;
    for (const ObjectType& t : kObjectTypes) {
      if (type->is_string() && *type == t.name) found = &t;
    }
    if (found == nullptr) {
      return fail(
          child(pointer, "type"),
          absl::StrCat("must be one of Future, Queue, LifoQueue, PriorityQueue, Lock, Event, Semaphore, "
                       "BoundedSemaphore, Condition, got ",
                       shown(*type), type->is_string() ? suggestion(type->get<std::string>(), type_names) : ""));
    }
    names_.emplace(it.key(), NameInfo{found->kind, found->name, pointer});
  }
  for (auto it = objs->begin(); it != objs->end(); ++it) {
    const std::string pointer = child("/objects", it.key());
    const std::string& type = names_.at(it.key()).type;
    const ObjectType& t = *std::find_if(std::begin(kObjectTypes), std::end(kObjectTypes),
                                        [&](const ObjectType& o) { return type == o.name; });
    std::vector<std::string_view> known = {"type"};
    if (t.size_field != nullptr) known.push_back(t.size_field);
    if (t.kind == kCondition) known.push_back("lock");
    SCENARIO_RETURN_IF_ERROR(unknown_field(*it, pointer, known, t.name));
    if (t.size_field != nullptr) {
      if (const json* v = member(*it, t.size_field)) {
        SCENARIO_RETURN_IF_ERROR(integer(*v, child(pointer, t.size_field), 0, kMaxSize).status());
      }
    }
    if (const json* lock = member(*it, "lock"); lock != nullptr && t.kind == kCondition) {
      auto named = lock->is_string() ? names_.find(lock->get<std::string>()) : names_.end();
      if (named == names_.end() || named->second.kind != kLock) {
        return fail(child(pointer, "lock"), absl::StrCat("must name a Lock object, got ", shown(*lock)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::entry() const {
  const json* main = member(d_, "main");
  const json* driver = member(d_, "driver");
  if (main == nullptr && driver == nullptr) {
    return fail("", "needs \"main\" (a coroutine's name) or \"driver\" (steps)");
  }
  if (main != nullptr && driver != nullptr) return fail("/driver", "a scenario has \"main\" or \"driver\", not both");
  if (main != nullptr) return body_ref(*main, "/main", "coroutines", "a coroutine");
  return absl::OkStatus();
}

absl::Status Validator::body_ref(const json& v, std::string_view pointer, const char* section,
                                 std::string_view what) const {
  if (!v.is_string()) return fail(pointer, absl::StrCat("must be the name of ", av(what), ", got ", shown(v)));
  const json* bodies = member(d_, section);
  const std::string& name = v.get_ref<const std::string&>();
  if (bodies != nullptr && bodies->is_object() && bodies->contains(name)) return absl::OkStatus();
  std::vector<std::string_view> known;
  if (bodies != nullptr && bodies->is_object()) {
    for (auto it = bodies->begin(); it != bodies->end(); ++it) known.push_back(it.key());
  }
  return fail(pointer, absl::StrCat(quote(name), " is not ", av(what), suggestion(name, known)));
}

}  // namespace seedloop::scenarios::internal
