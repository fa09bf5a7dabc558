#include "loop/net/status_error.h"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "loop/backend.h"
#include "loop/errors.h"

namespace seedloop::internal {

std::exception_ptr exception_from_status(const absl::Status& status) {
  assert(!status.ok() && "an OK status raises nothing");
  if (const int err = errno_of(status); err != 0) return make_os_error(err, std::strerror(err));
  if (std::optional<int> code = gai_error_of(status)) {
    return std::make_exception_ptr(
        gaierror(*code, "[Errno " + std::to_string(*code) + "] " + std::string(status.message())));
  }
  if (status.code() == absl::StatusCode::kUnimplemented) {
    return std::make_exception_ptr(NotImplementedError(std::string(status.message())));
  }
  return std::make_exception_ptr(OSError(0, std::string(status.message())));
}

void raise_status(const absl::Status& status) { std::rethrow_exception(exception_from_status(status)); }

bool is_blocking_io(const absl::Status& status) {
  const int err = errno_of(status);
  return err == EAGAIN || err == EALREADY || err == EINPROGRESS || err == EINTR;
}

}  // namespace seedloop::internal
