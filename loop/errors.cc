#include "loop/errors.h"

#include <cerrno>
#include <typeinfo>

namespace seedloop {

bool is_exception_class(const std::exception_ptr& e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const Exception&) {
    return true;
  } catch (const BaseException&) {
    return false;
  } catch (...) {
    return true;  // a foreign exception is an ordinary error
  }
}

bool is_cancelled_error(const std::exception_ptr& e) {
  if (!e) return false;
#if defined(__GLIBCXX__)
  // The common case without a throw: libstdc++ tells the thrown object's
  // exact type. Subclasses still take the rethrow below.
  if (const std::type_info* type = e.__cxa_exception_type(); type != nullptr && *type == typeid(CancelledError)) {
    return true;
  }
#endif
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

bool is_exit_exception(const std::exception_ptr& e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const SystemExit&) {
    return true;
  } catch (const KeyboardInterrupt&) {
    return true;
  } catch (...) {
    return false;
  }
}

namespace {
template <typename E>
std::exception_ptr os_error_of(int err, std::string message) {
  return std::make_exception_ptr(E(err, std::move(message)));
}
}  // namespace

// CPython's Objects/exceptions.c errnomap (oserror_use_init / errnomap_init).
std::exception_ptr make_os_error(int err, const std::string& strerror_text) {
  std::string message = "[Errno " + std::to_string(err) + "] " + strerror_text;
  switch (err) {
    case EAGAIN:
    case EALREADY:
    case EINPROGRESS:
      return os_error_of<BlockingIOError>(err, std::move(message));
    case EINTR:
      return os_error_of<InterruptedError>(err, std::move(message));
    case EACCES:
    case EPERM:
      return os_error_of<PermissionError>(err, std::move(message));
    case ENOENT:
      return os_error_of<FileNotFoundError>(err, std::move(message));
    case EEXIST:
      return os_error_of<FileExistsError>(err, std::move(message));
    case EPIPE:
    case ESHUTDOWN:
      return os_error_of<BrokenPipeError>(err, std::move(message));
    case ECONNABORTED:
      return os_error_of<ConnectionAbortedError>(err, std::move(message));
    case ECONNREFUSED:
      return os_error_of<ConnectionRefusedError>(err, std::move(message));
    case ECONNRESET:
      return os_error_of<ConnectionResetError>(err, std::move(message));
    case ESRCH:
      return os_error_of<ProcessLookupError>(err, std::move(message));
    case ECHILD:
      return os_error_of<ChildProcessError>(err, std::move(message));
  }
  return os_error_of<OSError>(err, std::move(message));
}

std::string describe_exception(const std::exception_ptr& e) {
  if (!e) return "None";
  try {
    std::rethrow_exception(e);
  } catch (const BaseException& ex) {
    if (ex.message().empty()) return ex.type_name();
    return std::string(ex.type_name()) + ": " + ex.message();
  } catch (const std::exception& ex) {
    return std::string("std::exception: ") + ex.what();
  } catch (...) {
    return "exception";
  }
}

}  // namespace seedloop
