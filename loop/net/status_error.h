// How loop/net turns a seam's absl::Status (backend.h) into the exception
// asyncio would raise, with Python's text:
//
//   errno payload (with_errno)        make_os_error: the OSError subclass the
//                                     errno selects, "[Errno 111] Connection
//                                     refused"
//   getaddrinfo code (with_gai_error) gaierror, "[Errno -2] Name or service
//                                     not known"
//   Unimplemented, no errno           NotImplementedError(message) (the
//                                     simulated backend's sockets)
//   anything else                     OSError(0, message)
//
//   absl::StatusOr<size_t> n = loop.socket_ops().recv(fd, buffer);
//   if (!n.ok() && !internal::is_blocking_io(n.status())) internal::raise_status(n.status());
//
// Threads: pure functions; any thread (getaddrinfo raises on a worker).

#ifndef SEEDLOOP_LOOP_NET_STATUS_ERROR_H_
#define SEEDLOOP_LOOP_NET_STATUS_ERROR_H_

#include <exception>

#include "absl/status/status.h"

namespace seedloop::internal {

// The exception for a failed status (see the header comment). `status`
// must not be OK.
std::exception_ptr exception_from_status(const absl::Status& status);
[[noreturn]] void raise_status(const absl::Status& status);

// Python's `except (BlockingIOError, InterruptedError)`, the errors after
// which selector_events.py waits for readiness and tries again: errno
// EAGAIN, EALREADY, EINPROGRESS or EINTR.
bool is_blocking_io(const absl::Status& status);

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_NET_STATUS_ERROR_H_
