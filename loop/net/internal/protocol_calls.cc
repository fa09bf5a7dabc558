#include "loop/net/internal/protocol_calls.h"

#include <utility>

namespace seedloop::internal {

bool is_os_error(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const OSError&) {
    return true;
  } catch (...) {
    return false;
  }
}

void call_connection_lost(const std::shared_ptr<BaseProtocol>& protocol, std::exception_ptr exception,
                          const std::function<void()>& finally) {
  std::exception_ptr failed;
  try {
    if (protocol) protocol->connection_lost(std::move(exception));
  } catch (...) {
    failed = std::current_exception();
  }
  finally();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace seedloop::internal
