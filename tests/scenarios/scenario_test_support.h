// Helpers for the scenario parser's tests: small scenario texts whose line
// numbers are easy to count, and the error message of a parse.

#ifndef SEEDLOOP_TESTS_SCENARIOS_SCENARIO_TEST_SUPPORT_H_
#define SEEDLOOP_TESTS_SCENARIOS_SCENARIO_TEST_SUPPORT_H_

#include <string>
#include <string_view>

#include "scenarios/scenario.h"

namespace seedloop::scenarios::testing {

// A scenario "t" whose main coroutine has `steps` (one JSON step per line,
// separated by ",\n"). Line 1 is the header, line 2 holds `more` (extra
// top-level fields, each followed by a comma), line 3 opens main, and the
// k-th step (from 0) is on line 4 + k.
inline std::string program(std::string_view steps, std::string_view more = "") {
  std::string text = "{\"schema\": \"seedloop.scenario\", \"version\": 1, \"name\": \"t\",\n";
  text += "\"main\": \"main\", ";
  text += more;
  text += "\n\"coroutines\": {\"main\": [\n";
  text += steps;
  text += "\n]}}\n";
  return text;
}

// The message of parsing text as "t.json", or "ok" when it parses.
inline std::string error_of(std::string_view text) {
  absl::StatusOr<Scenario> s = parse_scenario(text, "t.json");
  if (s.ok()) return "ok";
  return std::string(s.status().message());
}

}  // namespace seedloop::scenarios::testing

#endif  // SEEDLOOP_TESTS_SCENARIOS_SCENARIO_TEST_SUPPORT_H_
