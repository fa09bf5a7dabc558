// How scenario events are written (scenarios/README.md "The trace"): times,
// values and exceptions as text, identically in seedloop and in the CPython
// oracle (tools/asyncio_oracle.py implements the same rules).

#ifndef SEEDLOOP_SCENARIOS_TEXT_H_
#define SEEDLOOP_SCENARIOS_TEXT_H_

#include <cstdint>
#include <exception>
#include <string>

#include "nlohmann/json.hpp"

namespace seedloop::scenarios {

// Virtual nanoseconds as seconds, fraction trimmed: 0 -> "0",
// 1'500'000'000 -> "1.5", 1'000 -> "0.000001".
std::string format_time(int64_t ns);

// Seconds (a JSON number from a scenario) to nanoseconds, rounded to the
// nearest; the validator has bounded the value.
int64_t seconds_to_ns(double seconds);

// Compact JSON with sorted keys: json.dumps(v, separators=(",", ":"),
// sort_keys=True, ensure_ascii=False).
std::string value_text(const nlohmann::json& value);

// "TYPE" or "TYPE: MESSAGE"; a group is "TYPE: MESSAGE [SUB; SUB]". A C++
// exception outside asyncio's classes is "exception: what()".
std::string exception_text(const std::exception_ptr& e);

// The exception a scenario's {"type": T, "message": M} describes.
std::exception_ptr make_exception(const nlohmann::json& spec);

// True when `e` is an instance of the type named `type` (README "try":
// an exception type name, "Exception" or "BaseException").
bool exception_matches(const std::exception_ptr& e, const std::string& type);

}  // namespace seedloop::scenarios

#endif  // SEEDLOOP_SCENARIOS_TEXT_H_
