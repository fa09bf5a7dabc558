// SocketTransport: asyncio's _SelectorSocketTransport (CPython 3.11
// Lib/asyncio/selector_events.py, with transports._FlowControlMixin): a
// Transport over a connected non-blocking stream socket, driven by the
// loop's add_reader / add_writer and the backend's SocketOps only.
//
//   Future<void> waiter = loop.create_future();
//   std::shared_ptr<SocketTransport> t =
//       SocketTransport::create(loop, fd, protocol, {.waiter = waiter});
//   co_await waiter;   // connection_made has run
//
// Behaviour, as asyncio's:
//   - Made: TCP_NODELAY is set on TCP sockets; connection_made, then
//     reading, then the waiter's result are scheduled with call_soon.
//   - Reading: each readiness reads up to 256 KiB (max_size) and hands it
//     to data_received (or get_buffer/buffer_updated). EOF calls
//     eof_received: false closes the transport, true stops reading only.
//   - Writing: write() sends at once when nothing is buffered, buffers the
//     rest and watches writability. Above the high water mark the protocol
//     gets pause_writing, back at or below the low one resume_writing.
//     write_eof() shuts the socket down for writing once the buffer drains.
//   - Closing: close() stops reading and lets the buffer drain first;
//     abort() drops the buffer. connection_lost runs exactly once, from
//     call_soon, and the fd is closed right after it.
//   - Errors (_fatal_error): an OSError (ConnectionResetError,
//     BrokenPipeError, ...) goes to connection_lost only; any other error
//     (a protocol callback that throws) is also reported to the loop's
//     exception handler, with asyncio's message ("Fatal error:
//     protocol.data_received() call failed.").
//   - Writes after the connection was lost are dropped; from the fifth on,
//     each is reported as asyncio logs "socket.send() raised exception."
//     (to the exception handler here).
//
// Ownership: see loop/net/protocols.h. The fd is the transport's from
// create() on. `server`, if given, is attached for as long as the
// transport is open (Server::wait_closed waits for it).
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_SOCKET_TRANSPORT_H_
#define SEEDLOOP_LOOP_NET_SOCKET_TRANSPORT_H_

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/net/internal/flow_control.h"
#include "loop/net/protocols.h"

namespace seedloop {

class Server;

class SocketTransport final : public Transport, public std::enable_shared_from_this<SocketTransport> {
 public:
  // asyncio's _SelectorTransport.max_size: bytes read per readiness.
  static constexpr size_t kMaxReadSize = 256 * 1024;
  // transports._FlowControlMixin's default high water mark.
  static constexpr size_t kDefaultHighWater = 64 * 1024;
  // constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES.
  static constexpr int kLogThresholdForConnLostWrites = 5;

  struct Options {
    // Set (unless cancelled) once connection_made has run.
    std::optional<Future<void>> waiter;
    // Attached while the transport is open.
    std::shared_ptr<Server> server;
    // The peer's address when already known (sock_accept gave it).
    std::optional<SockAddr> peername;
  };

  // Takes `fd` (a connected, non-blocking stream socket). Raises what
  // add_reader raises only from the scheduled callback, as asyncio does.
  static std::shared_ptr<SocketTransport> create(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol,
                                                 Options options);
  ~SocketTransport() override;
  SocketTransport(const SocketTransport&) = delete;
  SocketTransport& operator=(const SocketTransport&) = delete;

  ExtraInfo get_extra_info(std::string_view name) const override;
  bool is_closing() const override { return closing_; }
  void close() override;
  void abort() override { force_close(nullptr); }
  void force_close(std::exception_ptr exception) override;
  void set_protocol(std::shared_ptr<BaseProtocol> protocol) override;
  std::shared_ptr<BaseProtocol> get_protocol() const override { return protocol_; }

  bool is_reading() const override { return !closing_ && !paused_; }
  void pause_reading() override;
  void resume_reading() override;

  void write(std::string_view data) override;
  void write_eof() override;
  bool can_write_eof() const override { return true; }
  size_t get_write_buffer_size() const override { return buffer_.size() - buffer_offset_; }
  std::pair<size_t, size_t> get_write_buffer_limits() const override { return flow_.limits(); }
  void set_write_buffer_limits(std::optional<size_t> high = std::nullopt,
                               std::optional<size_t> low = std::nullopt) override;

  // asyncio's repr: "<_SelectorSocketTransport fd=7 read=polling write=<idle, bufsize=0>>".
  std::string repr() const;

  // For EventLoop::sendfile (loop/net/sendfile.cc), as selector_events'
  // _make_empty_waiter / _reset_empty_waiter: while the waiter is set,
  // write() raises RuntimeError("unable to write; sendfile is in
  // progress"); it is done once the write buffer is empty, and fails when
  // a write fails or the connection is lost.
  Future<void> make_empty_waiter();
  void reset_empty_waiter() { empty_waiter_.reset(); }
  // The socket (while open), and whether the protocol's writing is paused.
  int fd() const { return fd_; }
  bool protocol_paused() const { return flow_.protocol_paused(); }

 private:
  SocketTransport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol, Options options);

  void start(std::optional<Future<void>> waiter);
  void add_reader_if_reading();
  void read_ready();
  void read_ready_buffered(BufferedProtocol& protocol);
  void read_ready_data(Protocol& protocol);
  void read_ready_on_eof();
  void write_ready();
  void maybe_pause_protocol();
  void maybe_resume_protocol();
  // _fatal_error: report non-OSErrors, then force_close.
  void fatal_error(std::exception_ptr exception, const char* message);
  void call_connection_lost(std::exception_ptr exception);
  void report(const char* message, std::exception_ptr exception);
  // A failed callback's report names the transport as asyncio does.
  void describe(ExceptionContext& context) const;
  void clear_buffer();

  EventLoop* loop_;
  int fd_;
  std::shared_ptr<BaseProtocol> protocol_;
  bool protocol_connected_ = false;
  std::shared_ptr<Server> server_;
  std::optional<SockAddr> sockname_;
  std::optional<SockAddr> peername_;
  // Keeps the transport alive while it is open (see protocols.h).
  std::shared_ptr<SocketTransport> self_;

  std::string buffer_;  // unsent bytes start at buffer_offset_
  size_t buffer_offset_ = 0;
  int conn_lost_ = 0;
  bool closing_ = false;
  bool paused_ = false;  // reading paused
  bool eof_ = false;     // write_eof called
  bool fd_closed_ = false;
  internal::FlowControl flow_;
  std::optional<Future<void>> empty_waiter_;  // while a sendfile runs
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SOCKET_TRANSPORT_H_
