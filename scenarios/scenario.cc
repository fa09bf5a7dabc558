// Loading and validating scenario files (scenarios/README.md is the
// language, scenario.h the contract).
//
// Two stages. parse_with_lines() runs nlohmann's SAX parser over an input
// iterator that counts newlines, and builds the document while recording the
// line of every value under its JSON pointer (the line of the value's first
// token, as scenario.h says; for a member that is normally its key's line;
// pointers over 1 KiB get no entry and where() uses their parent's line).
// Validator then walks the document: the header and top-level fields, budgets
// and world, objects, every step of every body, then the names steps use (any
// step anywhere in the file may make a name, so references are resolved after
// the walk), then expect.
// The first problem found is the result.
//
// Where the README leaves room, this file takes the strict reading:
//  - A JSON object with the same key twice is an error (nlohmann and Python
//    would silently keep the last one).
//  - Names that steps make (tasks, futures, handles, timeouts, task groups)
//    follow the same pattern as coroutine/callback/object names; they are
//    unique in the file and distinct from objects (coroutine and callback
//    names are separate namespaces and may be reused). The `name` of an
//    awaitable {"coro", "name"} and of `await` with `coro` is a label only
//    (README): same pattern, but it joins no namespace and may repeat.
//  - `create_future` needs its `name` (an unnamed future could never be
//    used). `uncancel` / `cancelling` without `object` need a current task,
//    so they appear so only in coroutines (never in callbacks or the driver).
//  - A name made by a step has one kind for the whole file (names are
//    unique), so per-op type checks apply to made names as to objects:
//    `acquire` on a Task, `await` on a handle, `reschedule` on a Future, ...
//    are errors. `cancel` on a handle is an error pointing at cancel_handle.
//  - `try` needs a non-empty `catch` or a `finally` (as Python does).
//  - Fields the README lists without a default are required: `msg` (log),
//    `exception` (raise, set_exception), `value` (set_result, put,
//    put_nowait), `object` (cancel, done, ...), `timeout` (wait_for), `delay`
//    / `when` (sleep, call_later, call_at, timeout, timeout_at, reschedule),
//    `callback` (set_exception_handler: a name or null), `factory`
//    (set_task_factory). `run_until_complete` and `await` take exactly one of
//    `coro` (+ optional `name`; without it the instance runs under the
//    coroutine's name, README "Names") and `object`. `run_in_executor` takes
//    at most one of `result` and `raise` (neither: the job returns null).
//  - `wait` is asyncio.wait with `awaitables` (+ `timeout`, `return_when`) or
//    Event/Condition.wait with `object`, never both.
//  - `return` is for coroutines and callbacks, not the driver.
//  - Integers are JSON integers (2.0 is not a count). Seconds are at most a
//    week (604800) wherever they appear, including world.executor_step
//    (which must also be at least 1 ns) and invariants.ends_by. maxsize,
//    Semaphore values and notify's `n` are at most 1,000,000. Budget counts
//    are at least 1.
//  - expect.trace and expect.fragments entries are events, `TIME TEXT`, with
//    TIME written as the trace writes it (`0`, `1.5`, never `1.50`);
//    `outcome` is `return JSON`, `raise EXCEPTION`, `deadlock` or
//    `budget NAME`; final_state names must be defined or made, and the State
//    must have the shape the object's kind gives (bool for a Lock, ...).
//  - JSON nests at most 128 deep (steps nest at most 16, which through
//    try/catch is 64 JSON levels, plus room for values).

#include "scenarios/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace seedloop::scenarios {

namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 128;                       // see the header comment
constexpr size_t kMaxPointerBytes = 1024;                // longer pointers use their parent's line
constexpr size_t kMaxLineTableBytes = size_t{64} << 20;  // bounds `lines` for hostile input
constexpr double kMaxSeconds = 604'800;                  // a week, README's max_virtual_seconds
constexpr int64_t kMaxSize = 1'000'000;                  // maxsize, Semaphore value, notify n
constexpr size_t kMaxShownValue = 40;                    // offending values in messages
constexpr size_t kMaxShownField = 200;                   // FIELD in messages
constexpr size_t kMaxScenarioFiles = 100'000;

// ---------------------------------------------------------------- text helpers

// Debian's Abseil has its own string_view type; StrCat takes that one.
absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// s cut to at most max bytes on a UTF-8 boundary, the cut marked with "...".
std::string shorten(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "...";
  return s;
}

// A value as compact JSON, shortened, for messages.
std::string shown(const json& v) {
  return shorten(v.dump(-1, ' ', false, json::error_handler_t::replace), kMaxShownValue);
}

std::string quote(std::string_view s) { return shown(json(std::string(s))); }

// Optimal string alignment distance (edits and adjacent transpositions).
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean "X"?)" for the first closest candidate within 2 edits.
template <typename Names>
std::string suggestion(std::string_view word, const Names& candidates) {
  constexpr size_t kMaxEdits = 2;
  if (word.size() > 80) return "";
  std::string_view best;
  size_t best_distance = kMaxEdits + 1;
  for (std::string_view c : candidates) {
    if (c.size() > word.size() + kMaxEdits || word.size() > c.size() + kMaxEdits) continue;
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (best_distance > kMaxEdits) return "";
  return absl::StrCat(" (did you mean ", quote(best), "?)");
}

// A JSON pointer's child: key escaped (~ as ~0, / as ~1), or an index.
std::string child(std::string_view pointer, std::string_view key) {
  std::string out(pointer);
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}
std::string child(std::string_view pointer, size_t index) { return absl::StrCat(av(pointer), "/", index); }

// [A-Za-z_][A-Za-z0-9_.-]{0,63}: coroutines, callbacks, objects, made names.
bool is_entity_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(s[0])) && s[0] != '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}
constexpr char kEntityNamePattern[] = "[A-Za-z_][A-Za-z0-9_.-]{0,63}";

// [A-Za-z0-9_.-]{1,80}: the scenario's name.
bool is_scenario_name(std::string_view s) {
  if (s.empty() || s.size() > 80) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

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

// The line of the value at pointer, or of its nearest enclosing value that
// has one (lines are not recorded past kMaxPointerBytes).
std::optional<int> line_of(const Scenario& s, std::string_view pointer) {
  while (true) {
    if (auto it = s.lines.find(pointer); it != s.lines.end()) return it->second;
    if (pointer.empty()) return std::nullopt;
    pointer = pointer.substr(0, std::min(pointer.rfind('/'), pointer.size()));
  }
}

// "FILE:LINE: FIELD" (FIELD shortened to max bytes) for a pointer into s.doc.
std::string locate(const Scenario& s, std::string_view pointer, size_t max_field) {
  const std::string field = shorten(field_name(pointer), max_field);
  if (std::optional<int> line = line_of(s, pointer)) return absl::StrCat(s.path, ":", *line, ": ", field);
  return absl::StrCat(s.path, ": ", field);
}

// ------------------------------------------------------- JSON with line numbers

// Newlines consumed so far by nlohmann's lexer. At every SAX value or key
// event the last character consumed is the token's last character, or for a
// number the one character the lexer read past it; a token never spans
// lines, so "newlines before the last character consumed" is its line.
struct LineCounter {
  int newlines = 0;
  bool last_was_newline = false;
  int line() const { return newlines - (last_was_newline ? 1 : 0) + 1; }
};

// The text as nlohmann's iterator input: each character consumed is counted.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, LineCounter* counter) : at_(at), counter_(counter) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    counter_->last_was_newline = *at_ == '\n';
    if (counter_->last_was_newline) ++counter_->newlines;
    ++at_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const CountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  LineCounter* counter_;
};

// nlohmann SAX handler: builds the document, records each value's line under
// its JSON pointer, rejects duplicate keys and nesting past kMaxJsonDepth.
class LineTrackingBuilder {
 public:
  LineTrackingBuilder(const LineCounter* counter, Scenario* out) : counter_(counter), out_(out) {}

  bool null() { return place(json(nullptr)) != nullptr; }
  bool boolean(bool v) { return place(json(v)) != nullptr; }
  bool number_integer(json::number_integer_t v) { return place(json(v)) != nullptr; }
  bool number_unsigned(json::number_unsigned_t v) { return place(json(v)) != nullptr; }
  bool number_float(json::number_float_t v, const json::string_t&) { return place(json(v)) != nullptr; }
  bool string(json::string_t& v) { return place(json(std::move(v))) != nullptr; }
  bool binary(json::binary_t&) { return fail("", "binary values are not JSON"); }  // never from JSON text
  bool start_object(size_t) { return open(json::object()); }
  bool start_array(size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (open_.back().value->contains(k)) {
      return fail(child(std::string_view(pointer_).substr(0, open_.back().pointer_size), k),
                  "appears twice in the same object");
    }
    key_ = k;
    return true;
  }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 2, column 3: syntax
    // error while parsing ..." -> "while parsing ...".
    std::string_view what = e.what();
    if (size_t bracket = what.find("] "); what.starts_with("[") && bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    if (what.starts_with("parse error")) {
      if (size_t colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
    }
    if (what.starts_with("syntax error ")) what.remove_prefix(std::string_view("syntax error ").size());
    status_ = absl::InvalidArgumentError(
        absl::StrCat(out_->path, ":", counter_->line(), ": JSON syntax error: ", shorten(std::string(what), 200)));
    return false;
  }

  const absl::Status& status() const { return status_; }

 private:
  struct Open {
    json* value;
    size_t pointer_size;  // pointer_'s length for this container
    size_t next_index;    // arrays: the next element's index
  };

  json* place(json&& v) {
    json* placed = nullptr;
    if (open_.empty()) {
      pointer_.clear();
      out_->doc = std::move(v);
      placed = &out_->doc;
    } else {
      Open& top = open_.back();
      pointer_.resize(top.pointer_size);
      if (top.value->is_array()) {
        pointer_ = child(pointer_, top.next_index++);
        top.value->push_back(std::move(v));
        placed = &top.value->back();
      } else {
        pointer_ = child(pointer_, key_);
        placed = &(*top.value)[key_];
        *placed = std::move(v);
      }
    }
    if (pointer_.size() <= kMaxPointerBytes && line_table_bytes_ + pointer_.size() <= kMaxLineTableBytes) {
      line_table_bytes_ += pointer_.size();
      out_->lines.emplace(pointer_, counter_->line());
    }
    return placed;
  }

  bool open(json&& container) {
    if (open_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      return fail("", absl::StrCat("JSON nests deeper than ", kMaxJsonDepth, " levels"));
    }
    json* placed = place(std::move(container));
    open_.push_back({placed, pointer_.size(), 0});
    return true;
  }

  bool close() {
    open_.pop_back();
    return true;
  }

  bool fail(std::string_view pointer, std::string_view problem) {
    status_ = absl::InvalidArgumentError(absl::StrCat(out_->path, ":", counter_->line(), ": ",
                                                      shorten(field_name(pointer), kMaxShownField), ": ", av(problem)));
    return false;
  }

  const LineCounter* counter_;
  Scenario* out_;
  std::vector<Open> open_;
  std::string pointer_;
  std::string key_;
  size_t line_table_bytes_ = 0;
  absl::Status status_;
};

absl::Status parse_with_lines(std::string_view text, Scenario* out) {
  LineCounter counter;
  LineTrackingBuilder builder(&counter, out);
  const bool ok = json::sax_parse(CountingIterator(text.data(), &counter),
                                  CountingIterator(text.data() + text.size(), &counter), &builder);
  if (!builder.status().ok()) return builder.status();
  if (!ok) return absl::InvalidArgumentError(absl::StrCat(out->path, ":", counter.line(), ": JSON syntax error"));
  return absl::OkStatus();
}

// ------------------------------------------------------------------ validation

// What a name denotes: an object's declared type, or the kind of the step
// that made it. One bit each, so an op's acceptable kinds are a mask.
enum Kind : uint32_t {
  kFuture = 1u << 0,
  kTask = 1u << 1,
  kHandle = 1u << 2,
  kTimeout = 1u << 3,
  kTaskGroup = 1u << 4,
  kQueue = 1u << 5,
  kLock = 1u << 6,
  kEvent = 1u << 7,
  kSemaphore = 1u << 8,
  kCondition = 1u << 9,
};
constexpr uint32_t kAwaitableKinds = kFuture | kTask;
constexpr uint32_t kLockKinds = kLock | kSemaphore | kCondition;
constexpr uint32_t kStateKinds = ~uint32_t{kTimeout | kTaskGroup};  // README "State"

struct KindWords {
  uint32_t kinds;
  const char* words;
};
constexpr KindWords kKindWords[] = {
    {kAwaitableKinds, "a Task or Future"},
    {kTask, "a Task"},
    {kHandle, "a handle (made by call_soon, call_later, call_at, call_soon_threadsafe)"},
    {kTimeout, "a timeout (made by timeout, timeout_at)"},
    {kTaskGroup, "a task group"},
    {kQueue, "a Queue, LifoQueue or PriorityQueue"},
    {kLockKinds, "a Lock, Semaphore, BoundedSemaphore or Condition"},
    {kEvent, "an Event"},
    {kEvent | kCondition, "an Event or Condition"},
    {kCondition, "a Condition"},
    {kStateKinds, "an object with a State"},
};

const char* kind_words(uint32_t kinds) {
  for (const KindWords& k : kKindWords) {
    if (k.kinds == kinds) return k.words;
  }
  return "another kind of object";
}

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

constexpr std::string_view kRaiseTypes[] = {"ValueError", "RuntimeError", "TypeError", "CancelledError",
                                            "TimeoutError"};
constexpr std::string_view kCatchTypes[] = {
    "CancelledError", "TimeoutError", "InvalidStateError", "QueueEmpty",         "QueueFull", "ValueError",
    "RuntimeError",   "TypeError",    "ExceptionGroup",    "BaseExceptionGroup", "Exception", "BaseException"};
constexpr std::string_view kReturnWhen[] = {"ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"};
constexpr std::string_view kTopLevelFields[] = {"schema",     "version",   "name",    "description", "tags",
                                                "coroutines", "callbacks", "objects", "main",        "driver",
                                                "budgets",    "world",     "expect"};

// The type of a step's field.
enum class F {
  kString,          // a string
  kStringOrNull,    // a string or null
  kAny,             // any JSON value
  kBool,            // true or false
  kArray,           // an array of any values
  kSeconds,         // 0..kMaxSeconds
  kSecondsOrNull,   // 0..kMaxSeconds or null
  kCount,           // 1..kMaxRepeat
  kSize,            // 0..kMaxSize
  kException,       // {"type", "message"}
  kCoro,            // a coroutine's name
  kCallback,        // a callback's name
  kCallbackOrNull,  // a callback's name or null
  kCallbackList,    // an array of callback names
  kObject,          // a name of the op's object_kinds
  kObjectList,      // an array of names of Tasks or Futures
  kMakes,           // a name the step makes, of the op's `makes` kind
  kLabel,           // an instance's name that joins no namespace
  kAwaitable,       // a Task or Future name, or {"coro", "name"}
  kAwaitableList,   // an array of awaitables
  kReturnWhen,      // asyncio.wait's return_when
  kFactory,         // "logging" or null
  kSteps,           // a nested step list
  kCatch,           // try's catch clauses
};

enum class Need { kOptional, kRequired };
constexpr Need kRequired = Need::kRequired;

struct FieldSpec {
  const char* name = nullptr;
  F type = F::kAny;
  Need need = Need::kOptional;
};

enum class Awaits { kNo, kYes };
constexpr Awaits kPlain = Awaits::kNo;
constexpr Awaits kAwait = Awaits::kYes;

struct OpSpec {
  const char* op;
  Awaits awaits;
  FieldSpec fields[4];
  uint32_t object_kinds = 0;  // what F::kObject accepts
  uint32_t makes = 0;         // the kind F::kMakes makes
};

constexpr FieldSpec kObjectRequired = {"object", F::kObject, kRequired};
constexpr FieldSpec kCallbackField = {"callback", F::kCallback, kRequired};
constexpr FieldSpec kArgs = {"args", F::kArray};
constexpr FieldSpec kMakesName = {"name", F::kMakes};
constexpr FieldSpec kStepsField = {"steps", F::kSteps, kRequired};

// README "Steps", in its order.
constexpr OpSpec kOps[] = {
    // Logging and control.
    {"log", kPlain, {{"msg", F::kString, kRequired}}},
    {"return", kPlain, {{"value", F::kAny}}},
    {"raise", kPlain, {{"exception", F::kException, kRequired}}},
    {"reraise", kPlain, {}},
    {"try", kPlain, {kStepsField, {"catch", F::kCatch}, {"finally", F::kSteps}}},
    {"repeat", kPlain, {{"count", F::kCount, kRequired}, kStepsField}},
    // The loop.
    {"call_soon", kPlain, {kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"call_later", kPlain, {{"delay", F::kSeconds, kRequired}, kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"call_at", kPlain, {{"when", F::kSeconds, kRequired}, kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"call_soon_threadsafe", kPlain, {kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"cancel_handle", kPlain, {kObjectRequired}, kHandle},
    {"time", kPlain, {}},
    {"create_task", kPlain, {{"coro", F::kCoro, kRequired}, kMakesName}, 0, kTask},
    {"create_future", kPlain, {{"name", F::kMakes, kRequired}}, 0, kFuture},
    {"run_in_executor", kAwait, {{"result", F::kAny}, {"raise", F::kException}, {"threadsafe", F::kCallbackList}}},
    {"stop", kPlain, {}},
    {"close", kPlain, {}},
    {"run_forever", kPlain, {}},
    {"run_until_complete", kPlain, {{"coro", F::kCoro}, kMakesName, {"object", F::kObject}}, kAwaitableKinds, kTask},
    {"is_running", kPlain, {}},
    {"is_closed", kPlain, {}},
    {"set_exception_handler", kPlain, {{"callback", F::kCallbackOrNull, kRequired}}},
    {"set_task_factory", kPlain, {{"factory", F::kFactory, kRequired}}},
    // Futures and tasks.
    {"await", kAwait, {{"object", F::kObject}, {"coro", F::kCoro}, {"name", F::kLabel}}, kAwaitableKinds},
    {"set_result", kPlain, {kObjectRequired, {"value", F::kAny, kRequired}}, kAwaitableKinds},
    {"set_exception", kPlain, {kObjectRequired, {"exception", F::kException, kRequired}}, kAwaitableKinds},
    {"cancel", kPlain, {kObjectRequired, {"msg", F::kStringOrNull}}, kAwaitableKinds},
    {"uncancel", kPlain, {{"object", F::kObject}}, kTask},
    {"cancelling", kPlain, {{"object", F::kObject}}, kTask},
    {"done", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"cancelled", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"result", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"exception", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"state", kPlain, {kObjectRequired}, kStateKinds},
    // asyncio functions.
    {"sleep", kAwait, {{"delay", F::kSeconds, kRequired}, {"result", F::kAny}}},
    {"wait_for", kAwait, {{"awaitable", F::kAwaitable, kRequired}, {"timeout", F::kSecondsOrNull, kRequired}}},
    {"shield", kAwait, {{"awaitable", F::kAwaitable, kRequired}}},
    {"gather", kAwait, {{"awaitables", F::kAwaitableList, kRequired}, {"return_exceptions", F::kBool}}},
    {"wait",
     kAwait,
     {{"awaitables", F::kObjectList},
      {"timeout", F::kSecondsOrNull},
      {"return_when", F::kReturnWhen},
      {"object", F::kObject}},
     kEvent | kCondition},
    {"timeout", kAwait, {{"delay", F::kSecondsOrNull, kRequired}, kMakesName, kStepsField}, 0, kTimeout},
    {"timeout_at", kAwait, {{"when", F::kSecondsOrNull, kRequired}, kMakesName, kStepsField}, 0, kTimeout},
    {"reschedule", kPlain, {kObjectRequired, {"delay", F::kSecondsOrNull, kRequired}}, kTimeout},
    {"expired", kPlain, {kObjectRequired}, kTimeout},
    {"task_group", kAwait, {kMakesName, kStepsField}, 0, kTaskGroup},
    {"tg_create_task", kPlain, {kObjectRequired, {"coro", F::kCoro, kRequired}, kMakesName}, kTaskGroup, kTask},
    {"current_task", kPlain, {}},
    // Synchronization primitives.
    {"acquire", kAwait, {kObjectRequired}, kLockKinds},
    {"release", kPlain, {kObjectRequired}, kLockKinds},
    {"locked", kPlain, {kObjectRequired}, kLockKinds},
    {"with", kAwait, {kObjectRequired, kStepsField}, kLockKinds},
    {"set", kPlain, {kObjectRequired}, kEvent},
    {"clear", kPlain, {kObjectRequired}, kEvent},
    {"is_set", kPlain, {kObjectRequired}, kEvent},
    {"notify", kPlain, {kObjectRequired, {"n", F::kSize}}, kCondition},
    {"notify_all", kPlain, {kObjectRequired}, kCondition},
    {"put", kAwait, {kObjectRequired, {"value", F::kAny, kRequired}}, kQueue},
    {"put_nowait", kPlain, {kObjectRequired, {"value", F::kAny, kRequired}}, kQueue},
    {"get", kAwait, {kObjectRequired}, kQueue},
    {"get_nowait", kPlain, {kObjectRequired}, kQueue},
    {"task_done", kPlain, {kObjectRequired}, kQueue},
    {"join", kAwait, {kObjectRequired}, kQueue},
    {"qsize", kPlain, {kObjectRequired}, kQueue},
    {"empty", kPlain, {kObjectRequired}, kQueue},
    {"full", kPlain, {kObjectRequired}, kQueue},
};

const OpSpec* find_op(std::string_view op) {
  for (const OpSpec& spec : kOps) {
    if (op == spec.op) return &spec;
  }
  return nullptr;
}

std::vector<std::string_view> op_names() {
  std::vector<std::string_view> names;
  for (const OpSpec& spec : kOps) names.push_back(spec.op);
  return names;
}

template <typename Names>
bool contains(const Names& names, std::string_view s) {
  return std::find(std::begin(names), std::end(names), s) != std::end(names);
}

std::string with_article(std::string_view noun) {
  const bool vowel = !noun.empty() && absl::StrContains("AEIOUaeiou", noun[0]);
  return absl::StrCat(vowel ? "an " : "a ", av(noun));
}

// Where a step list runs.
enum class Body { kCoroutine, kCallback, kDriver };

struct Context {
  Body body;
  std::string_view name;  // the coroutine's or callback's
  int depth;              // 1 for a body's own steps
  bool in_catch;          // inside some `catch` clause's steps

  Context nested() const { return {body, name, depth + 1, in_catch}; }
};

// A name of the shared namespace: an object or a name a step makes.
struct NameInfo {
  Kind kind;
  std::string type;     // "Lock", "Task", "handle", ...
  std::string pointer;  // where it is declared or made
};

// A use of a name, resolved once every step has been seen.
struct Reference {
  std::string pointer;
  std::string name;
  uint32_t kinds;
  std::string_view op;
};

#define SCENARIO_RETURN_IF_ERROR(expr)                    \
  do {                                                    \
    if (absl::Status st_ = (expr); !st_.ok()) return st_; \
  } while (false)

class Validator {
 public:
  explicit Validator(Scenario& s) : s_(s), d_(s.doc) {}

  absl::Status run() {
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

 private:
  // ------------------------------------------------------------- basics
  absl::Status fail(std::string_view pointer, std::string_view problem) const {
    return absl::InvalidArgumentError(absl::StrCat(locate(s_, pointer, kMaxShownField), ": ", av(problem)));
  }

  static const json* member(const json& obj, std::string_view key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  // The first field of obj not in known is an error.
  template <typename Names>
  absl::Status unknown_field(const json& obj, std::string_view pointer, const Names& known, std::string_view of) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (contains(known, it.key())) continue;
      return fail(
          child(pointer, it.key()),
          absl::StrCat("unknown field", of.empty() ? "" : absl::StrCat(" of ", av(of)), suggestion(it.key(), known)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> integer(const json& v, std::string_view pointer, int64_t lo, int64_t hi) const {
    if (v.is_number_integer()) {
      const bool fits =
          !v.is_number_unsigned() || v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
      if (fits && v.get<int64_t>() >= lo && v.get<int64_t>() <= hi) return v.get<int64_t>();
    }
    return fail(pointer, absl::StrFormat("must be an integer from %d to %d, got %s", lo, hi, shown(v)));
  }

  enum class Nullable { kNo, kYes };
  absl::StatusOr<std::optional<double>> seconds(const json& v, std::string_view pointer, Nullable nullable) const {
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

  static int64_t to_ns(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); }

  absl::Status string(const json& v, std::string_view pointer) const {
    if (v.is_string()) return absl::OkStatus();
    return fail(pointer, absl::StrCat("must be a string, got ", shown(v)));
  }

  absl::StatusOr<std::vector<std::string>> strings(const json& v, std::string_view pointer) const {
    if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of strings, got ", shown(v)));
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
      SCENARIO_RETURN_IF_ERROR(string(v[i], child(pointer, i)));
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

  absl::Status object(const json& v, std::string_view pointer, std::string_view what) const {
    if (v.is_object()) return absl::OkStatus();
    return fail(pointer, absl::StrCat("must be ", av(what), ", got ", shown(v)));
  }

  // ------------------------------------------------------------- top level
  absl::Status header() const {
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

  absl::Status about() {
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

  absl::Status budgets() {
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

  absl::Status world() {
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
  absl::Status bodies_declared() {
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

  absl::Status objects() {
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

  absl::Status entry() const {
    const json* main = member(d_, "main");
    const json* driver = member(d_, "driver");
    if (main == nullptr && driver == nullptr) {
      return fail("", "needs \"main\" (a coroutine's name) or \"driver\" (steps)");
    }
    if (main != nullptr && driver != nullptr) return fail("/driver", "a scenario has \"main\" or \"driver\", not both");
    if (main != nullptr) return body_ref(*main, "/main", "coroutines", "a coroutine");
    return absl::OkStatus();
  }

  // v names a body in section ("coroutines" or "callbacks").
  absl::Status body_ref(const json& v, std::string_view pointer, const char* section, std::string_view what) const {
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

  // ------------------------------------------------------------- steps
  absl::Status bodies() {
    for (Body body : {Body::kCoroutine, Body::kCallback}) {
      const char* section = body == Body::kCoroutine ? "coroutines" : "callbacks";
      const json* all = member(d_, section);
      if (all == nullptr) continue;
      for (auto it = all->begin(); it != all->end(); ++it) {
        SCENARIO_RETURN_IF_ERROR(steps(*it, child(child("", section), it.key()), Context{body, it.key(), 1, false}));
      }
    }
    if (const json* driver = member(d_, "driver")) {
      SCENARIO_RETURN_IF_ERROR(steps(*driver, "/driver", Context{Body::kDriver, "", 1, false}));
    }
    return absl::OkStatus();
  }

  absl::Status steps(const json& v, std::string_view pointer, const Context& ctx) {
    if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of steps, got ", shown(v)));
    for (size_t i = 0; i < v.size(); ++i) SCENARIO_RETURN_IF_ERROR(step(v[i], child(pointer, i), ctx));
    return absl::OkStatus();
  }

  absl::Status step(const json& v, const std::string& pointer, const Context& ctx) {
    if (++step_count_ > kMaxSteps) return fail(pointer, absl::StrCat("a scenario has at most ", kMaxSteps, " steps"));
    if (ctx.depth > kMaxDepth) return fail(pointer, absl::StrCat("steps nest at most ", kMaxDepth, " deep"));
    if (!v.is_object()) return fail(pointer, absl::StrCat("a step is an object with \"op\", got ", shown(v)));
    const std::string op_pointer = child(pointer, "op");
    const json* op = member(v, "op");
    if (op == nullptr) return fail(op_pointer, "is required");
    if (!op->is_string()) return fail(op_pointer, absl::StrCat("must be a string, got ", shown(*op)));
    const std::string& name = op->get_ref<const std::string&>();
    const OpSpec* spec = find_op(name);
    if (spec == nullptr) {
      return fail(op_pointer, absl::StrCat("unknown operation ", quote(name), suggestion(name, op_names())));
    }
    if (spec->awaits == kAwait && ctx.body != Body::kCoroutine) {
      return fail(op_pointer,
                  absl::StrCat(quote(name), " awaits, so it may appear only in a coroutine, not in ",
                               ctx.body == Body::kDriver ? "the driver" : absl::StrCat("callback ", quote(ctx.name))));
    }
    if (name == "reraise" && !ctx.in_catch) return fail(op_pointer, "reraise may appear only inside a catch clause");
    if ((name == "uncancel" || name == "cancelling") && !v.contains("object") && ctx.body != Body::kCoroutine) {
      return fail(op_pointer, absl::StrCat(quote(name),
                                           " without \"object\" needs a current task, so it may appear "
                                           "only in a coroutine"));
    }
    if (name == "return" && ctx.body == Body::kDriver) {
      return fail(op_pointer, "return may appear only in a coroutine or a callback, not in the driver");
    }
    std::vector<std::string_view> known = {"op", "label"};
    for (const FieldSpec& f : spec->fields) {
      if (f.name != nullptr) known.push_back(f.name);
    }
    SCENARIO_RETURN_IF_ERROR(unknown_field(v, pointer, known, quote(name)));
    if (const json* label = member(v, "label")) SCENARIO_RETURN_IF_ERROR(string(*label, child(pointer, "label")));
    SCENARIO_RETURN_IF_ERROR(op_rules(*spec, v, pointer));
    for (const FieldSpec& f : spec->fields) {
      if (f.name == nullptr) continue;
      const json* value = member(v, f.name);
      if (value != nullptr) {
        SCENARIO_RETURN_IF_ERROR(field(*spec, f, *value, child(pointer, f.name), ctx));
      } else if (f.need == kRequired) {
        return fail(child(pointer, f.name), absl::StrCat("is required by ", quote(name)));
      }
    }
    return absl::OkStatus();
  }

  // Rules that tie a step's fields together.
  absl::Status op_rules(const OpSpec& spec, const json& v, std::string_view pointer) const {
    const std::string_view op = spec.op;
    auto has = [&](const char* f) { return v.contains(f); };
    if (op == "try") {
      const json* c = member(v, "catch");
      if (!has("finally") && (c == nullptr || (c->is_array() && c->empty()))) {
        return fail(pointer, "try needs a non-empty \"catch\" or a \"finally\"");
      }
    } else if (op == "run_in_executor" && has("result") && has("raise")) {
      return fail(child(pointer, "raise"), "run_in_executor takes \"result\" or \"raise\", not both");
    } else if (op == "await" || op == "run_until_complete") {
      if (has("object") == has("coro")) {
        return fail(pointer, absl::StrCat(av(op), " takes exactly one of \"object\" and \"coro\""));
      }
      if (has("object") && has("name")) return fail(child(pointer, "name"), "goes with \"coro\", not \"object\"");
    } else if (op == "wait") {
      if (has("object") == has("awaitables")) {
        return fail(pointer,
                    "wait takes exactly one of \"awaitables\" (asyncio.wait) and \"object\" (an Event or Condition)");
      }
      for (const char* f : {"timeout", "return_when"}) {
        if (has("object") && has(f)) return fail(child(pointer, f), "goes with \"awaitables\", not \"object\"");
      }
    }
    return absl::OkStatus();
  }

  absl::Status field(const OpSpec& spec, const FieldSpec& f, const json& v, const std::string& pointer,
                     const Context& ctx) {
    switch (f.type) {
      case F::kString:
        return string(v, pointer);
      case F::kStringOrNull:
        return v.is_null() ? absl::OkStatus() : string(v, pointer);
      case F::kAny:
        return absl::OkStatus();
      case F::kBool:
        if (v.is_boolean()) return absl::OkStatus();
        return fail(pointer, absl::StrCat("must be true or false, got ", shown(v)));
      case F::kArray:
        if (v.is_array()) return absl::OkStatus();
        return fail(pointer, absl::StrCat("must be an array, got ", shown(v)));
      case F::kSeconds:
        return seconds(v, pointer, Nullable::kNo).status();
      case F::kSecondsOrNull:
        return seconds(v, pointer, Nullable::kYes).status();
      case F::kCount:
        return integer(v, pointer, 1, kMaxRepeat).status();
      case F::kSize:
        return integer(v, pointer, 0, kMaxSize).status();
      case F::kException:
        return exception(v, pointer);
      case F::kCoro:
        return body_ref(v, pointer, "coroutines", "a coroutine");
      case F::kCallback:
        return body_ref(v, pointer, "callbacks", "a callback");
      case F::kCallbackOrNull:
        return v.is_null() ? absl::OkStatus() : body_ref(v, pointer, "callbacks", "a callback");
      case F::kCallbackList:
        if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of callback names, got ", shown(v)));
        for (size_t i = 0; i < v.size(); ++i) {
          SCENARIO_RETURN_IF_ERROR(body_ref(v[i], child(pointer, i), "callbacks", "a callback"));
        }
        return absl::OkStatus();
      case F::kObject:
        return reference(v, pointer, spec.object_kinds, spec.op);
      case F::kObjectList:
        if (!v.is_array())
          return fail(pointer, absl::StrCat("must be an array of Task or Future names, got ", shown(v)));
        for (size_t i = 0; i < v.size(); ++i) {
          SCENARIO_RETURN_IF_ERROR(reference(v[i], child(pointer, i), kAwaitableKinds, spec.op));
        }
        return absl::OkStatus();
      case F::kMakes:
        return make(v, pointer, static_cast<Kind>(spec.makes));
      case F::kLabel:
        return label(v, pointer);
      case F::kAwaitable:
        return awaitable(v, pointer, spec.op);
      case F::kAwaitableList:
        if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of awaitables, got ", shown(v)));
        for (size_t i = 0; i < v.size(); ++i) SCENARIO_RETURN_IF_ERROR(awaitable(v[i], child(pointer, i), spec.op));
        return absl::OkStatus();
      case F::kReturnWhen:
        if (v.is_string() && contains(kReturnWhen, v.get<std::string>())) return absl::OkStatus();
        return fail(pointer, absl::StrCat("must be ALL_COMPLETED, FIRST_COMPLETED or FIRST_EXCEPTION, got ", shown(v),
                                          v.is_string() ? suggestion(v.get<std::string>(), kReturnWhen) : ""));
      case F::kFactory:
        if (v.is_null() || v == "logging") return absl::OkStatus();
        return fail(pointer, absl::StrCat("must be \"logging\" or null, got ", shown(v)));
      case F::kSteps:
        return steps(v, pointer, ctx.nested());
      case F::kCatch:
        return catches(v, pointer, ctx);
    }
    return absl::OkStatus();
  }

  absl::Status exception(const json& v, std::string_view pointer) const {
    SCENARIO_RETURN_IF_ERROR(object(v, pointer, "an exception {\"type\": T, \"message\": M}"));
    constexpr std::string_view kFields[] = {"type", "message"};
    SCENARIO_RETURN_IF_ERROR(unknown_field(v, pointer, kFields, "an exception"));
    const json* type = member(v, "type");
    if (type == nullptr) return fail(child(pointer, "type"), "is required");
    if (!type->is_string() || !contains(kRaiseTypes, type->get<std::string>())) {
      return fail(
          child(pointer, "type"),
          absl::StrCat("must be ValueError, RuntimeError, TypeError, CancelledError or TimeoutError, got ",
                       shown(*type), type->is_string() ? suggestion(type->get<std::string>(), kRaiseTypes) : ""));
    }
    if (const json* message = member(v, "message")) return string(*message, child(pointer, "message"));
    return absl::OkStatus();
  }

  absl::Status catches(const json& v, std::string_view pointer, const Context& ctx) {
    if (!v.is_array()) {
      return fail(pointer, absl::StrCat("must be an array of {\"type\": T, \"steps\": [...]}, got ", shown(v)));
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string clause = child(pointer, i);
      SCENARIO_RETURN_IF_ERROR(object(v[i], clause, "a catch clause {\"type\": T, \"steps\": [...]}"));
      constexpr std::string_view kFields[] = {"type", "steps"};
      SCENARIO_RETURN_IF_ERROR(unknown_field(v[i], clause, kFields, "a catch clause"));
      const json* type = member(v[i], "type");
      if (type == nullptr) return fail(child(clause, "type"), "is required");
      if (!type->is_string() || !contains(kCatchTypes, type->get<std::string>())) {
        return fail(
            child(clause, "type"),
            absl::StrCat("must be an exception type (ValueError, TimeoutError, ...), Exception or "
                         "BaseException, got ",
                         shown(*type), type->is_string() ? suggestion(type->get<std::string>(), kCatchTypes) : ""));
      }
      const json* body = member(v[i], "steps");
      if (body == nullptr) return fail(child(clause, "steps"), "is required");
      Context inner = ctx.nested();
      inner.in_catch = true;
      SCENARIO_RETURN_IF_ERROR(steps(*body, child(clause, "steps"), inner));
    }
    return absl::OkStatus();
  }

  absl::Status awaitable(const json& v, const std::string& pointer, std::string_view op) {
    if (v.is_string()) return reference(v, pointer, kAwaitableKinds, op);
    if (!v.is_object()) {
      return fail(pointer, absl::StrCat("must be a Task or Future name or {\"coro\": C, \"name\": N}, got ", shown(v)));
    }
    constexpr std::string_view kFields[] = {"coro", "name"};
    SCENARIO_RETURN_IF_ERROR(unknown_field(v, pointer, kFields, "an awaitable"));
    const json* coro = member(v, "coro");
    if (coro == nullptr) return fail(child(pointer, "coro"), "is required");
    SCENARIO_RETURN_IF_ERROR(body_ref(*coro, child(pointer, "coro"), "coroutines", "a coroutine"));
    if (const json* name = member(v, "name")) return label(*name, child(pointer, "name"));
    return absl::OkStatus();
  }

  // ------------------------------------------------------------- names
  absl::Status reference(const json& v, const std::string& pointer, uint32_t kinds, std::string_view op) {
    if (!v.is_string()) {
      return fail(pointer, absl::StrCat("must be the name of ", kind_words(kinds), ", got ", shown(v)));
    }
    refs_.push_back({pointer, v.get<std::string>(), kinds, op});
    return absl::OkStatus();
  }

  // The name of an instance that joins no namespace (README "Objects": the
  // name of an awaitable {"coro": C, "name": N} is a label only).
  absl::Status label(const json& v, const std::string& pointer) const {
    if (v.is_string() && is_entity_name(v.get_ref<const std::string&>())) return absl::OkStatus();
    return fail(pointer, absl::StrCat("must be a name matching ", kEntityNamePattern, ", got ", shown(v)));
  }

  absl::Status make(const json& v, const std::string& pointer, Kind kind) {
    SCENARIO_RETURN_IF_ERROR(label(v, pointer));
    const std::string& name = v.get_ref<const std::string&>();
    if (auto it = names_.find(name); it != names_.end()) {
      return fail(pointer, absl::StrCat(quote(name), " is already taken (", field_name(it->second.pointer), ", line ",
                                        line_of(s_, it->second.pointer).value_or(0), ")"));
    }
    const char* type = kind == kTask      ? "Task"
                       : kind == kFuture  ? "Future"
                       : kind == kHandle  ? "handle"
                       : kind == kTimeout ? "timeout"
                                          : "task group";
    names_.emplace(name, NameInfo{kind, type, pointer});
    return absl::OkStatus();
  }

  // The name's NameInfo, or an error naming the closest known name.
  absl::StatusOr<const NameInfo*> lookup(const std::string& name, std::string_view pointer) const {
    if (auto it = names_.find(name); it != names_.end()) return &it->second;
    std::vector<std::string_view> known;
    for (const auto& [n, info] : names_) known.push_back(n);
    return fail(pointer,
                absl::StrCat(quote(name), " is not an object or a name a step makes", suggestion(name, known)));
  }

  absl::Status resolve() const {
    for (const Reference& ref : refs_) {
      absl::StatusOr<const NameInfo*> info = lookup(ref.name, ref.pointer);
      if (!info.ok()) return info.status();
      if (((*info)->kind & ref.kinds) != 0) continue;
      if (ref.op == "cancel" && (*info)->kind == kHandle) {
        return fail(ref.pointer, absl::StrCat(quote(ref.name), " is a handle: use cancel_handle"));
      }
      return fail(ref.pointer, absl::StrCat(quote(ref.name), " is ", with_article((*info)->type), ", but ", av(ref.op),
                                            " needs ", kind_words(ref.kinds)));
    }
    return absl::OkStatus();
  }

  // ------------------------------------------------------------- expect
  absl::Status expectations() {
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

  static bool is_outcome(std::string_view s) {
    if (s == "deadlock" || s == "budget max_steps" || s == "budget max_virtual_seconds" || s == "budget max_polls") {
      return true;
    }
    if (s.starts_with("return ")) return json::accept(s.substr(7));
    return s.starts_with("raise ") && s.size() > 6;
  }

  absl::Status invariants(const json& v) {
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

  // A final_state entry has the shape of the name's State (README "State").
  absl::Status state(const std::string& name, const NameInfo& info, const json& v, std::string_view pointer) const {
    bool ok = false;
    const char* shape = "";
    switch (info.kind) {
      case kFuture:
      case kTask: {
        const std::string_view s =
            v.is_string() ? std::string_view(v.get_ref<const std::string&>()) : std::string_view();
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
    return fail(pointer, absl::StrCat(quote(name), " is ", with_article(info.type), ": its State is ", shape, ", got ",
                                      shown(v)));
  }

  Scenario& s_;
  const json& d_;
  std::map<std::string, NameInfo, std::less<>> names_;  // objects and made names
  std::vector<Reference> refs_;                         // in document walk order
  size_t step_count_ = 0;
};

#undef SCENARIO_RETURN_IF_ERROR

absl::Status validate(Scenario& s) { return Validator(s).run(); }

}  // namespace

std::string field_name(std::string_view json_pointer) {
  if (json_pointer.empty()) return "(document)";
  std::string out;
  std::string_view rest = json_pointer;
  bool first = true;
  while (!rest.empty()) {
    if (rest[0] == '/') rest.remove_prefix(1);
    const size_t slash = rest.find('/');
    std::string_view token = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    std::string key;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        key += token[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        key += token[i];
      }
    }
    const bool index =
        !first && !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return absl::ascii_isdigit(c); });
    if (index) {
      absl::StrAppend(&out, "[", key, "]");
    } else {
      absl::StrAppend(&out, first ? "" : ".", key);
    }
    first = false;
  }
  return out;
}

std::string Scenario::where(std::string_view json_pointer) const {
  return locate(*this, json_pointer, std::numeric_limits<size_t>::max());
}

absl::StatusOr<Scenario> parse_scenario(std::string_view text, const std::string& path) {
  if (text.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d bytes is over the limit of %d bytes for a scenario", path, text.size(), kMaxFileBytes));
  }
  Scenario s;
  s.path = path;
  if (absl::Status st = parse_with_lines(text, &s); !st.ok()) return st;
  if (absl::Status st = validate(s); !st.ok()) return st;
  return s;
}

absl::StatusOr<Scenario> load_scenario(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (ec) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot read: ", ec.message()));
  if (status.type() == std::filesystem::file_type::directory) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a scenario file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open for reading"));
  // Read at most one byte past the limit: enough to know the file is too big
  // without reading all of it (it may be a device or still growing).
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return absl::PermissionDeniedError(absl::StrCat(path, ": read failed"));
  if (text.size() > kMaxFileBytes) {
    const auto size = std::filesystem::file_size(path, ec);
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s bytes is over the limit of %d bytes for a scenario", path,
                        ec ? "more than " + std::to_string(kMaxFileBytes) : std::to_string(size), kMaxFileBytes));
  }
  return parse_scenario(text, path);
}

absl::StatusOr<std::vector<std::string>> scenario_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file or directory"));
    }
    if (ec) return absl::PermissionDeniedError(absl::StrCat(path, ": ", ec.message()));
    if (status.type() != fs::file_type::directory) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.extension() != ".json" || !fs::is_regular_file(it->status())) continue;
      found.push_back(p.string());
      if (files.size() + found.size() > kMaxScenarioFiles) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": more than ", kMaxScenarioFiles, " scenario files"));
      }
    }
    if (ec) return absl::PermissionDeniedError(absl::StrCat(path, ": ", ec.message()));
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace seedloop::scenarios
