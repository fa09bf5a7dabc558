// Sending a file over a socket or a transport: EventLoop::sock_sendfile and
// EventLoop::sendfile (declared in loop/event_loop.h, defined in
// loop/net/sendfile.cc), after CPython 3.11's base_events.py,
// selector_events.py and unix_events.py.
//
//   int file = ::open("page.html", O_RDONLY);            // the caller's fd
//   size_t n = co_await loop.sock_sendfile(sock, file);  // the whole file
//   size_t m = co_await loop.sendfile(transport, file, {.offset = 10, .count = 100});
//
// The file is any fd SocketOps::read can read; os.sendfile (the native
// path) needs a regular file. Both calls:
//   - check the arguments first: ValueError "only SOCK_STREAM type sockets
//     are supported", "count must be a positive integer (got 0)", "offset
//     must be a non-negative integer (got -1)";
//   - try the native path: SocketOps::sendfile from `offset`, retried each
//     time the socket is writable, until `count` bytes or the file's end.
//     When it cannot be used (no fstat, or the first sendfile call fails)
//     it raises SendfileNotAvailableError, and the call falls back, unless
//     fallback is false: then that error is the result;
//   - the fallback reads the file from its position (after seeking to
//     `offset`, if not 0) in blocks on the default executor and sends them:
//     sock_sendall for a socket; write(), paced by the protocol's flow
//     control, for a transport;
//   - leave the file position just after the bytes sent (unless none were).
// A ConnectionError from the native path after some bytes went ("socket is
// not connected", errno ENOTCONN) means the peer went away.
//
// sendfile(transport) works on the loop's socket transports only
// (RuntimeError "sendfile is not supported for transport ..." otherwise),
// and raises RuntimeError "Transport is closing" on a closing one. While it
// runs, the transport's reading is paused and write() raises RuntimeError
// ("unable to write; sendfile is in progress" on the native path); the
// native path first waits for the transport's write buffer to drain.
//
// Threads: the loop's thread only. The file must stay open until the
// call returns.

#ifndef SEEDLOOP_LOOP_NET_SENDFILE_H_
#define SEEDLOOP_LOOP_NET_SENDFILE_H_

#include <cstddef>

#include "loop/errors.h"
#include "loop/event_loop.h"

namespace seedloop {

// asyncio.SendfileNotAvailableError (a RuntimeError): os.sendfile cannot be
// used for this socket and file.
class SendfileNotAvailableError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
  const char* type_name() const override { return "SendfileNotAvailableError"; }
};

// constants.SENDFILE_FALLBACK_READBUFFER_SIZE: sock_sendfile's fallback
// reads blocks of this size; sendfile(transport)'s reads 16 KiB blocks.
inline constexpr size_t kSendfileFallbackReadBufferSize = 256 * 1024;
inline constexpr size_t kTransportSendfileFallbackBlockSize = 16 * 1024;

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SENDFILE_H_
