#include "loop/aio/exception_group.h"

#include <utility>

#include "absl/strings/str_format.h"

namespace seedloop {

AnyExceptionGroup::AnyExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
    : group_message_(std::move(message)), exceptions_(std::move(exceptions)) {
  if (exceptions_.empty()) throw ValueError("second argument (exceptions) must be a non-empty sequence");
  for (const std::exception_ptr& e : exceptions_) {
    if (!e) throw ValueError("an exception group cannot hold a null exception");
  }
}

std::string AnyExceptionGroup::str(const std::string& message, size_t count) {
  return absl::StrFormat("%s (%d sub-exception%s)", message, count, count == 1 ? "" : "s");
}

BaseExceptionGroup::BaseExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
    : BaseException(str(message, exceptions.size())),
      AnyExceptionGroup(std::move(message), std::move(exceptions)) {}

ExceptionGroup::ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
    : Exception(str(message, exceptions.size())), AnyExceptionGroup(std::move(message), std::move(exceptions)) {
  for (const std::exception_ptr& e : this->exceptions()) {
    if (!is_exception_class(e)) throw TypeError("Cannot nest BaseExceptions in an ExceptionGroup");
  }
}

std::exception_ptr make_exception_group(std::string message, std::vector<std::exception_ptr> exceptions) {
  bool all_exceptions = true;
  for (const std::exception_ptr& e : exceptions) all_exceptions = all_exceptions && is_exception_class(e);
  if (all_exceptions && !exceptions.empty()) {
    return std::make_exception_ptr(ExceptionGroup(std::move(message), std::move(exceptions)));
  }
  return std::make_exception_ptr(BaseExceptionGroup(std::move(message), std::move(exceptions)));
}

}  // namespace seedloop
