// Scenario: a validated scenario file (scenarios/README.md is the language).
//
//   absl::StatusOr<scenarios::Scenario> s = scenarios::load_scenario("x.json");
//   if (!s.ok()) { std::cerr << s.status().message() << "\n"; return 2; }
//   s->doc["coroutines"]["main"][0]["op"];   // the steps, as JSON
//   s->where("/coroutines/main/0/delay");     // "x.json:7: coroutines.main[0].delay"
//
// load_scenario / parse_scenario check everything the README's "Bad input"
// section promises before anything runs: JSON syntax, size and nesting
// limits (integers must fit in 64 bits), the schema header, every field's
// type and range, unknown fields
// and operations, names (coroutines, callbacks, objects and the names steps
// make), awaiting steps only in coroutines, `reraise` only inside `catch`.
// The first problem found is an InvalidArgument status whose message is
// "FILE:LINE: FIELD: problem" (FIELD in dotted form, `coroutines.main[3].delay`;
// LINE is 1-based, the line where the field's value starts); a file that
// cannot be read is NotFound/PermissionDenied naming it. The interpreter
// (scenarios/interpreter.h) then trusts the document's shape and reports the
// few problems only a run can find (a name made in one branch and used in
// another) through where().
//
// Threads: a Scenario is immutable once loaded; share it freely.

#ifndef SEEDLOOP_SCENARIOS_SCENARIO_H_
#define SEEDLOOP_SCENARIOS_SCENARIO_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace seedloop::scenarios {

inline constexpr size_t kMaxFileBytes = size_t{1} << 20;
inline constexpr int kMaxDepth = 16;          // nested step lists
inline constexpr size_t kMaxSteps = 10'000;   // steps in one file
inline constexpr int64_t kMaxRepeat = 100'000;

// The world's knobs (README "Budgets and the world"), already range-checked.
struct WorldSpec {
  uint32_t executor_workers = 4;
  int64_t executor_step_ns = 1'000'000;
  uint32_t executor_steps = 10;
  uint32_t threadsafe_max_delay = 2;
};

struct BudgetSpec {
  uint64_t max_steps = 10'000'000;
  int64_t max_virtual_ns = int64_t{604'800} * 1'000'000'000;
  uint64_t max_polls = 100'000'000;
};

struct Expectations {
  std::optional<std::vector<std::string>> trace;      // "TIME TEXT" lines
  std::optional<std::vector<std::string>> fragments;
  std::optional<std::string> outcome;
  // Invariants.
  std::map<std::string, nlohmann::json> final_state;  // object name -> State
  std::vector<std::string> never;
  std::optional<int64_t> ends_by_ns;
};

struct Scenario {
  std::string path;                 // as given to load_scenario
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  nlohmann::json doc;               // the whole validated document
  WorldSpec world;
  BudgetSpec budgets;
  Expectations expect;

  // "FILE:LINE: FIELD" for a JSON pointer into doc ("/coroutines/main/3/delay");
  // the line of the nearest enclosing field that has one.
  std::string where(std::string_view json_pointer) const;

  // JSON pointer -> 1-based line of the value's first token.
  std::map<std::string, int, std::less<>> lines;
};

absl::StatusOr<Scenario> load_scenario(const std::string& path);
absl::StatusOr<Scenario> parse_scenario(std::string_view text, const std::string& path);

// "/coroutines/main/3/delay" -> "coroutines.main[3].delay".
std::string field_name(std::string_view json_pointer);

// The scenario files under each path: a file as given, a folder's *.json
// files (recursively), sorted by path. NotFound for a path that does not exist.
absl::StatusOr<std::vector<std::string>> scenario_files(const std::vector<std::string>& paths);

}  // namespace seedloop::scenarios

#endif  // SEEDLOOP_SCENARIOS_SCENARIO_H_
