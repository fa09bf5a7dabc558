// ReadPipeTransport and WritePipeTransport: asyncio's
// _UnixReadPipeTransport and _UnixWritePipeTransport (CPython 3.11
// Lib/asyncio/unix_events.py), what loop.connect_read_pipe and
// loop.connect_write_pipe (loop/net/pipes.cc) wrap a pipe's end in. They
// use the backend's ProcessOps and the loop's add_reader / add_writer only.
//
//   auto [r, w] = *loop.process_ops().pipe(Blocking::kNonBlocking);
//   TransportAndProtocol in = co_await loop.connect_read_pipe(factory, r);
//   TransportAndProtocol out = co_await loop.connect_write_pipe(factory, w);
//   out.first->write("hello");
//   out.first->close();      // the reader then gets eof_received, connection_lost(nullptr)
//
// Both accept only a FIFO, a socket or a character device (ValueError
// "Pipe transport is for pipes/sockets only." / "Pipe transport is only for
// pipes, sockets and character devices", the fd left to the caller), make
// the fd non-blocking, and schedule connection_made, then (the write side:
// for a FIFO or socket) the reader, then the waiter, each with call_soon.
//
// Reading: each readiness reads up to 256 KiB and hands it to
// data_received. At end of file the transport is closing at once and
// eof_received (its answer ignored), then connection_lost(nullptr) follow
// as two callbacks. pause_reading / resume_reading stop and restart
// watching. A read error other than EAGAIN/EINTR goes to connection_lost
// (and, unless it is EIO, to the exception handler: "Fatal read error on
// pipe transport").
//
// Writing: write() writes at once when nothing is buffered and buffers the
// rest, with the water marks, pause_writing and resume_writing of
// SocketTransport (64 KiB high, a quarter low). write_eof() and close() are
// the same thing on a pipe: the transport is closing, and connection_lost
// (nullptr) runs once the buffer is written, after which the fd is closed
// (the reader sees EOF). abort() drops the buffer. The reader closing its
// end makes the write end readable (an error): then connection_lost gets
// BrokenPipeError if data was still buffered, nullptr otherwise. A failed
// write (EPIPE: BrokenPipeError "[Errno 32] Broken pipe") goes to
// connection_lost. Writes after closing are dropped; from the fifth on each
// is reported ("os.write(pipe, data) raised exception.").
//
// Transport methods a pipe end lacks (write on the read side, reading on
// the write side) raise NotImplementedError; can_write_eof() is false on
// the read side. get_extra_info("pipe") is the fd while it is open.
//
// Ownership: as loop/net/protocols.h: shared_ptr transports that hold
// themselves while open; the fd is the transport's from create() on and is
// closed right after connection_lost.
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_PIPE_TRANSPORT_H_
#define SEEDLOOP_LOOP_NET_PIPE_TRANSPORT_H_

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

class ReadPipeTransport final : public Transport, public std::enable_shared_from_this<ReadPipeTransport> {
 public:
  // _UnixReadPipeTransport.max_size.
  static constexpr size_t kMaxReadSize = 256 * 1024;

  // `protocol` must be a Protocol (TypeError otherwise).
  static std::shared_ptr<ReadPipeTransport> create(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol,
                                                   std::optional<Future<void>> waiter = std::nullopt);
  ~ReadPipeTransport() override;
  ReadPipeTransport(const ReadPipeTransport&) = delete;
  ReadPipeTransport& operator=(const ReadPipeTransport&) = delete;

  ExtraInfo get_extra_info(std::string_view name) const override;
  bool is_closing() const override { return closing_; }
  void close() override;
  // A read pipe has no abort() in asyncio; here it is close().
  void abort() override { close(); }
  void set_protocol(std::shared_ptr<BaseProtocol> protocol) override;
  std::shared_ptr<BaseProtocol> get_protocol() const override { return protocol_; }

  bool is_reading() const override { return !paused_ && !closing_; }
  void pause_reading() override;
  void resume_reading() override;

  void write(std::string_view data) override;
  void write_eof() override;
  bool can_write_eof() const override { return false; }
  size_t get_write_buffer_size() const override { return 0; }
  std::pair<size_t, size_t> get_write_buffer_limits() const override { return {0, 0}; }
  void set_write_buffer_limits(std::optional<size_t> high = std::nullopt,
                               std::optional<size_t> low = std::nullopt) override;

 private:
  ReadPipeTransport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol);
  void read_ready();
  void fatal_error(std::exception_ptr exception, const char* message);
  void close_with(std::exception_ptr exception);
  void call_connection_lost(std::exception_ptr exception);

  EventLoop* loop_;
  int fd_;
  std::shared_ptr<BaseProtocol> protocol_;
  std::shared_ptr<ReadPipeTransport> self_;  // while open
  bool closing_ = false;
  bool paused_ = false;
  bool fd_closed_ = false;
};

class WritePipeTransport final : public Transport, public std::enable_shared_from_this<WritePipeTransport> {
 public:
  static constexpr size_t kDefaultHighWater = 64 * 1024;
  static constexpr int kLogThresholdForConnLostWrites = 5;

  static std::shared_ptr<WritePipeTransport> create(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol,
                                                    std::optional<Future<void>> waiter = std::nullopt);
  ~WritePipeTransport() override;
  WritePipeTransport(const WritePipeTransport&) = delete;
  WritePipeTransport& operator=(const WritePipeTransport&) = delete;

  ExtraInfo get_extra_info(std::string_view name) const override;
  bool is_closing() const override { return closing_; }
  void close() override;
  void abort() override { close_with(nullptr); }
  void set_protocol(std::shared_ptr<BaseProtocol> protocol) override { protocol_ = std::move(protocol); }
  std::shared_ptr<BaseProtocol> get_protocol() const override { return protocol_; }

  bool is_reading() const override { return false; }
  void pause_reading() override;
  void resume_reading() override;

  void write(std::string_view data) override;
  void write_eof() override;
  bool can_write_eof() const override { return true; }
  size_t get_write_buffer_size() const override { return buffer_.size() - buffer_offset_; }
  std::pair<size_t, size_t> get_write_buffer_limits() const override { return flow_.limits(); }
  void set_write_buffer_limits(std::optional<size_t> high = std::nullopt,
                               std::optional<size_t> low = std::nullopt) override;

 private:
  WritePipeTransport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol);
  void read_ready();
  void write_ready();
  void maybe_pause_protocol();
  void maybe_resume_protocol();
  void fatal_error(std::exception_ptr exception, const char* message);
  void close_with(std::exception_ptr exception);
  void call_connection_lost(std::exception_ptr exception);
  void clear_buffer();

  EventLoop* loop_;
  int fd_;
  std::shared_ptr<BaseProtocol> protocol_;
  std::shared_ptr<WritePipeTransport> self_;  // while open
  std::string buffer_;  // unwritten bytes start at buffer_offset_
  size_t buffer_offset_ = 0;
  int conn_lost_ = 0;
  bool closing_ = false;  // close() or write_eof() called
  bool fd_closed_ = false;
  bool lost_scheduled_ = false;
  internal::FlowControl flow_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_PIPE_TRANSPORT_H_
