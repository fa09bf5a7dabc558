// How loop/net's transports call their protocol, as asyncio's transports
// do: a callback that raises is caught (`except BaseException as exc`)
// unless it raised SystemExit or KeyboardInterrupt, which leave the loop;
// an OSError is told apart from other errors (_fatal_error logs only the
// latter); and _call_connection_lost closes the fd in its finally clause.
//
//   if (std::exception_ptr e = internal::call_protocol_callback([&] { protocol->data_received(data); })) {
//     fatal_error(e, "Fatal error: protocol.data_received() call failed.");
//   }
//   internal::call_connection_lost(protocol, exception, [&] { (void)ops.close(fd_); });
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_INTERNAL_PROTOCOL_CALLS_H_
#define SEEDLOOP_LOOP_NET_INTERNAL_PROTOCOL_CALLS_H_

#include <exception>
#include <functional>
#include <memory>

#include "loop/errors.h"
#include "loop/net/protocols.h"

namespace seedloop::internal {

// Runs a protocol callback; SystemExit and KeyboardInterrupt propagate,
// anything else is returned (nullptr when it returned normally).
template <typename F>
std::exception_ptr call_protocol_callback(F&& f) {
  try {
    f();
  } catch (...) {
    std::exception_ptr e = std::current_exception();
    if (is_exit_exception(e)) throw;
    return e;
  }
  return nullptr;
}

// Whether `e` holds an OSError (or a subclass: ConnectionResetError, ...).
bool is_os_error(const std::exception_ptr& e);

// The body of _call_connection_lost: `protocol->connection_lost(exception)`
// (skipped when `protocol` is null), then `finally` whatever it raised,
// then what it raised is re-raised.
void call_connection_lost(const std::shared_ptr<BaseProtocol>& protocol, std::exception_ptr exception,
                          const std::function<void()>& finally);

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_NET_INTERNAL_PROTOCOL_CALLS_H_
