// The scenario validator: the second stage of parse_scenario
// (scenarios/scenario.h), the README's "Bad input" checks over a document
// that internal/located_json.h parsed. Not an API.
//
// validate(s) walks s.doc once, in this order: the header and top-level
// fields, budgets and world, objects (validate_file.cc), every step of every
// body, then the names steps use: any step anywhere in the file may make a
// name, so references are resolved after the walk (validate_steps.cc), then
// expect (validate_expect.cc). It fills s's typed fields (name, description,
// tags, budgets, world, expect). The first problem found is the result, an
// InvalidArgument status "FILE:LINE: FIELD: problem" (lines from s.lines).
// One Validator per document, on one thread.
//
// Where the README leaves room, the validator takes the strict reading:
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

#ifndef SEEDLOOP_SCENARIOS_INTERNAL_VALIDATE_H_
#define SEEDLOOP_SCENARIOS_INTERNAL_VALIDATE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "scenarios/internal/op_table.h"
#include "scenarios/scenario.h"

namespace seedloop::scenarios::internal {

using json = nlohmann::json;

// Checks s.doc and fills s's typed fields (see above).
absl::Status validate(Scenario& s);

inline constexpr double kMaxSeconds = 604'800;  // a week, README's max_virtual_seconds
inline constexpr int64_t kMaxSize = 1'000'000;  // maxsize, Semaphore value, notify n

// [A-Za-z_][A-Za-z0-9_.-]{0,63}: coroutines, callbacks, objects, made names.
bool is_entity_name(std::string_view s);
inline constexpr char kEntityNamePattern[] = "[A-Za-z_][A-Za-z0-9_.-]{0,63}";

// "a Lock", "an Event".
std::string with_article(std::string_view noun);

inline bool contains(std::span<const std::string_view> names, std::string_view s) {
  return std::find(names.begin(), names.end(), s) != names.end();
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

  absl::Status run();

 private:
  // Basics (validate_file.cc): messages and the field types shared by all.
  absl::Status fail(std::string_view pointer, std::string_view problem) const;
  static const json* member(const json& obj, std::string_view key);
  // The first field of obj not in known is an error.
  absl::Status unknown_field(const json& obj, std::string_view pointer, std::span<const std::string_view> known,
                             std::string_view of) const;
  absl::StatusOr<int64_t> integer(const json& v, std::string_view pointer, int64_t lo, int64_t hi) const;
  enum class Nullable { kNo, kYes };
  absl::StatusOr<std::optional<double>> seconds(const json& v, std::string_view pointer, Nullable nullable) const;
  static int64_t to_ns(double seconds);
  absl::Status string(const json& v, std::string_view pointer) const;
  absl::StatusOr<std::vector<std::string>> strings(const json& v, std::string_view pointer) const;
  absl::Status object(const json& v, std::string_view pointer, std::string_view what) const;

  // The top level (validate_file.cc).
  absl::Status header() const;
  absl::Status about();
  absl::Status budgets();
  absl::Status world();
  absl::Status bodies_declared();
  absl::Status objects();
  absl::Status entry() const;
  // v names a body in section ("coroutines" or "callbacks").
  absl::Status body_ref(const json& v, std::string_view pointer, const char* section, std::string_view what) const;

  // Steps (validate_steps.cc).
  absl::Status bodies();
  absl::Status steps(const json& v, std::string_view pointer, const Context& ctx);
  absl::Status step(const json& v, const std::string& pointer, const Context& ctx);
  // Rules that tie a step's fields together.
  absl::Status op_rules(const OpSpec& spec, const json& v, std::string_view pointer) const;
  absl::Status field(const OpSpec& spec, const FieldSpec& f, const json& v, const std::string& pointer,
                     const Context& ctx);
  absl::Status exception(const json& v, std::string_view pointer) const;
  absl::Status catches(const json& v, std::string_view pointer, const Context& ctx);
  absl::Status awaitable(const json& v, const std::string& pointer, std::string_view op);

  // Names (validate_steps.cc).
  absl::Status reference(const json& v, const std::string& pointer, uint32_t kinds, std::string_view op);
  // The name of an instance that joins no namespace (README "Objects": the
  // name of an awaitable {"coro": C, "name": N} is a label only).
  absl::Status label(const json& v, const std::string& pointer) const;
  absl::Status make(const json& v, const std::string& pointer, Kind kind);
  // The name's NameInfo, or an error naming the closest known name.
  absl::StatusOr<const NameInfo*> lookup(const std::string& name, std::string_view pointer) const;
  absl::Status resolve() const;

  // expect (validate_expect.cc).
  absl::Status expectations();
  absl::Status invariants(const json& v);
  // A final_state entry has the shape of the name's State (README "State").
  absl::Status state(const std::string& name, const NameInfo& info, const json& v, std::string_view pointer) const;

  Scenario& s_;
  const json& d_;
  std::map<std::string, NameInfo, std::less<>> names_;  // objects and made names
  std::vector<Reference> refs_;                         // in document walk order
  size_t step_count_ = 0;
};

}  // namespace seedloop::scenarios::internal

#endif  // SEEDLOOP_SCENARIOS_INTERNAL_VALIDATE_H_
