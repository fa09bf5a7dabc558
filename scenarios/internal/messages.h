// Pieces of the scenario parser's error messages, "FILE:LINE: FIELD: problem"
// (scenarios/scenario.h): JSON pointers built one key or index at a time,
// offending values shown short, "did you mean" suggestions, and the
// "FILE:LINE: FIELD" prefix for a pointer into a loaded document. Not an API:
// shared by scenario.cc, internal/located_json.cc and the validator
// (internal/validate.h). Pure functions; call them from any thread.

#ifndef SEEDLOOP_SCENARIOS_INTERNAL_MESSAGES_H_
#define SEEDLOOP_SCENARIOS_INTERNAL_MESSAGES_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "scenarios/scenario.h"

namespace seedloop::scenarios::internal {

inline constexpr size_t kMaxShownValue = 40;   // offending values in messages
inline constexpr size_t kMaxShownField = 200;  // FIELD in messages

// Debian's Abseil has its own string_view type; StrCat takes that one.
inline absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// s cut to at most max bytes on a UTF-8 boundary, the cut marked with "...".
std::string shorten(std::string s, size_t max);

// A value as compact JSON, shortened to kMaxShownValue, for messages.
std::string shown(const nlohmann::json& v);

// s as a JSON string, shortened like shown().
std::string quote(std::string_view s);

// " (did you mean "X"?)" for the first of candidates closest to word within
// 2 edits (adjacent transpositions count as one), or "".
std::string suggestion(std::string_view word, std::span<const std::string_view> candidates);

// A JSON pointer's child: key escaped (~ as ~0, / as ~1), or an index.
std::string child(std::string_view pointer, std::string_view key);
std::string child(std::string_view pointer, size_t index);

// The line of the value at pointer in s, or of its nearest enclosing value
// that has one (lines are not recorded for every pointer; see
// internal/located_json.h).
std::optional<int> line_of(const Scenario& s, std::string_view pointer);

// "FILE:LINE: FIELD" (FIELD shortened to max_field bytes) for a pointer into
// s.doc; "FILE: FIELD" when no enclosing value has a line.
std::string locate(const Scenario& s, std::string_view pointer, size_t max_field);

}  // namespace seedloop::scenarios::internal

#endif  // SEEDLOOP_SCENARIOS_INTERNAL_MESSAGES_H_
