// wait_connection_made: the last step of every loop method that makes a
// transport (create_connection, connect_read_pipe, create_datagram_endpoint,
// start_tls, ...): await the waiter the transport sets once its protocol's
// connection_made has run, and if that fails (the waiter raised, or the
// awaiting task was cancelled) close the transport and re-raise, as
// base_events does with
//     try: await waiter
//     except: transport.close(); raise
//
//   Future<void> waiter = create_future();
//   std::shared_ptr<SocketTransport> transport = SocketTransport::create(*this, fd, protocol, {.waiter = waiter});
//   Coro<void> made = internal::wait_connection_made(waiter, [transport] { transport->close(); });
//   co_await std::move(made);
//
// `close` runs only on failure, before the exception is re-raised; it may
// do more than close (start_tls also cancels its scheduled callbacks).
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_INTERNAL_CONNECTION_MADE_H_
#define SEEDLOOP_LOOP_NET_INTERNAL_CONNECTION_MADE_H_

#include <functional>

#include "loop/coro.h"
#include "loop/future.h"

namespace seedloop::internal {

Coro<void> wait_connection_made(Future<void> waiter, std::function<void()> close);

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_NET_INTERNAL_CONNECTION_MADE_H_
