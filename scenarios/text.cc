#include "scenarios/text.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "loop/aio/exception_group.h"
#include "loop/errors.h"
#include "loop/sync/exceptions.h"

namespace seedloop::scenarios {

std::string format_time(int64_t ns) {
  const char* sign = ns < 0 ? "-" : "";
  const uint64_t a = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  std::string out = absl::StrFormat("%s%d", sign, a / 1'000'000'000);
  uint64_t frac = a % 1'000'000'000;
  if (frac == 0) return out;
  std::string digits = absl::StrFormat("%09d", frac);
  while (digits.back() == '0') digits.pop_back();
  return absl::StrCat(out, ".", digits);
}

int64_t seconds_to_ns(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); }

std::string value_text(const nlohmann::json& value) {
  // nlohmann's default object type is a std::map: keys come out sorted.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string exception_text(const std::exception_ptr& e) {
  if (!e) return "None";
  try {
    std::rethrow_exception(e);
  } catch (const BaseException& b) {
    std::string out = b.type_name();
    const auto* group = dynamic_cast<const AnyExceptionGroup*>(&b);
    const std::string& message = group != nullptr ? group->group_message() : b.message();
    if (!message.empty()) absl::StrAppend(&out, ": ", message);
    if (group != nullptr) {
      absl::StrAppend(&out, " [");
      const char* sep = "";
      for (const std::exception_ptr& sub : group->exceptions()) {
        absl::StrAppend(&out, sep, exception_text(sub));
        sep = "; ";
      }
      absl::StrAppend(&out, "]");
    }
    return out;
  } catch (const std::exception& x) {
    return absl::StrCat("exception: ", x.what());
  } catch (...) {
    return "exception";
  }
}

std::exception_ptr make_exception(const nlohmann::json& spec) {
  const std::string type = spec.at("type").get<std::string>();
  const std::string message = spec.contains("message") ? spec["message"].get<std::string>() : "";
  if (type == "ValueError") return std::make_exception_ptr(ValueError(message));
  if (type == "RuntimeError") return std::make_exception_ptr(RuntimeError(message));
  if (type == "TypeError") return std::make_exception_ptr(TypeError(message));
  if (type == "CancelledError") return std::make_exception_ptr(CancelledError(message));
  if (type == "TimeoutError") return std::make_exception_ptr(TimeoutError(message));
  return std::make_exception_ptr(RuntimeError("scenario: unknown exception type " + type));
}

bool exception_matches(const std::exception_ptr& e, const std::string& type) {
  if (!e) return false;
  if (type == "BaseException") return true;
  if (type == "Exception") return is_exception_class(e);
  try {
    std::rethrow_exception(e);
  } catch (const BaseException& b) {
    // isinstance: exact classes, plus the one subclass relation among the
    // names a scenario can catch.
    if (type == "BaseExceptionGroup") return dynamic_cast<const AnyExceptionGroup*>(&b) != nullptr;
    return type == b.type_name();
  } catch (...) {
    return false;
  }
}

}  // namespace seedloop::scenarios
