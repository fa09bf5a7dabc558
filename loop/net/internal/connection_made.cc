#include "loop/net/internal/connection_made.h"

#include <exception>
#include <utility>

namespace seedloop::internal {

Coro<void> wait_connection_made(Future<void> waiter, std::function<void()> close) {
  std::exception_ptr failure;
  try {
    co_await waiter;
  } catch (...) {
    failure = std::current_exception();  // no co_await inside a catch block
  }
  if (failure) {
    close();
    std::rethrow_exception(failure);
  }
}

}  // namespace seedloop::internal
