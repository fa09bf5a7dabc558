#include "loop/errors.h"

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
