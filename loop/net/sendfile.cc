// EventLoop::sock_sendfile and EventLoop::sendfile (loop/net/sendfile.h),
// after CPython 3.11: base_events.sock_sendfile, _check_sendfile_params,
// _sock_sendfile_fallback, sendfile, _sendfile_fallback and
// _SendfileFallbackProtocol; unix_events._sock_sendfile_native(_impl);
// selector_events._sendfile_native. Every call goes through SocketOps.

#include "loop/net/sendfile.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "loop/net/protocols.h"
#include "loop/net/socket_transport.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// base_events._check_sendfile_params (a file fd has no text mode to refuse).
void check_sendfile_params(SocketOps& ops, int fd, const SendfileOptions& options) {
  absl::StatusOr<int> type = ops.getsockopt(fd, SOL_SOCKET, SO_TYPE);
  if (!type.ok()) internal::raise_status(type.status());
  if (*type != SOCK_STREAM) throw ValueError("only SOCK_STREAM type sockets are supported");
  if (options.count && *options.count <= 0) {
    throw ValueError("count must be a positive integer (got " + std::to_string(*options.count) + ")");
  }
  if (options.offset < 0) {
    throw ValueError("offset must be a non-negative integer (got " + std::to_string(options.offset) + ")");
  }
}

void seek_or_raise(SocketOps& ops, int file, int64_t offset) {
  absl::StatusOr<int64_t> at = ops.seek(file, offset);
  if (!at.ok()) internal::raise_status(at.status());
}

// One native sendfile: unix_events._sock_sendfile_native_impl, which runs
// again each time the socket is writable until the future is done.
class NativeSendfile : public std::enable_shared_from_this<NativeSendfile> {
 public:
  NativeSendfile(EventLoop& loop, int fd, int file, int64_t offset, std::optional<int64_t> count, int64_t blocksize)
      : loop_(&loop), fd_(fd), file_(file), offset_(offset), count_(count), blocksize_(blocksize),
        future_(loop.create_future<size_t>()) {}

  Future<size_t> future() const { return future_; }

  // `registered`: called back by the writer watch (not the first call).
  void attempt(bool registered) {
    if (registered) loop_->remove_writer(fd_);
    if (future_.cancelled()) {
      update_filepos();
      return;
    }
    if (count_) {
      blocksize_ = *count_ - total_sent_;
      if (blocksize_ <= 0) {
        update_filepos();
        future_.set_result(static_cast<size_t>(total_sent_));
        return;
      }
    }
    absl::StatusOr<size_t> sent =
        loop_->socket_ops().sendfile(fd_, file_, offset_, static_cast<size_t>(blocksize_));
    if (!sent.ok() && internal::is_blocking_io(sent.status())) {
      watch(registered);
    } else if (!sent.ok()) {
      fail(sent.status(), registered);
    } else if (*sent == 0) {  // the file's end
      update_filepos();
      future_.set_result(static_cast<size_t>(total_sent_));
    } else {
      offset_ += static_cast<int64_t>(*sent);
      total_sent_ += static_cast<int64_t>(*sent);
      watch(registered);
    }
  }

 private:
  void watch(bool registered) {
    if (!registered) {
      // _sock_add_cancellation_callback
      future_.add_done_callback([loop = loop_, fd = fd_](const Future<size_t>& f) {
        if (f.cancelled()) loop->remove_writer(fd);
      });
    }
    std::shared_ptr<NativeSendfile> self = shared_from_this();
    loop_->add_writer(fd_, [self] { self->attempt(true); });
  }

  void fail(const absl::Status& status, bool registered) {
    std::exception_ptr error = internal::exception_from_status(status);
    if (registered && errno_of(status) == ENOTCONN) {
      // "the connection was closed in the middle of the operation": CPython
      // raises ConnectionError("socket is not connected", errno.ENOTCONN),
      // whose arguments land swapped in str().
      error = std::make_exception_ptr(ConnectionError(ENOTCONN, "[Errno socket is not connected] 107"));
    }
    update_filepos();
    if (total_sent_ == 0) {
      // "the main one being 'file' is not a regular mmap(2)-like file"
      future_.set_exception(std::make_exception_ptr(SendfileNotAvailableError("os.sendfile call failed")));
    } else {
      future_.set_exception(error);
    }
  }

  // _sock_sendfile_update_filepos (offset_ has advanced past the bytes sent).
  void update_filepos() {
    if (total_sent_ > 0) (void)loop_->socket_ops().seek(file_, offset_);
  }

  EventLoop* loop_;
  int fd_;
  int file_;
  int64_t offset_;
  std::optional<int64_t> count_;
  int64_t blocksize_;
  int64_t total_sent_ = 0;
  Future<size_t> future_;
};

}  // namespace

Coro<size_t> EventLoop::sock_sendfile(int fd, int file, SendfileOptions options) {
  check_nonblocking_in_debug(fd);
  check_sendfile_params(socket_ops(), fd, options);
  try {
    Coro<size_t> native = sock_sendfile_native(fd, file, options.offset, options.count);
    size_t sent = co_await std::move(native);
    co_return sent;
  } catch (const SendfileNotAvailableError&) {
    if (!options.fallback) throw;
  }
  Coro<size_t> fallback = sock_sendfile_fallback(fd, file, options.offset, options.count);
  size_t sent = co_await std::move(fallback);
  co_return sent;
}

Coro<size_t> EventLoop::sock_sendfile_native(int fd, int file, int64_t offset, std::optional<int64_t> count) {
  absl::StatusOr<FileStat> stat = socket_ops().fstat(file);
  if (!stat.ok()) throw SendfileNotAvailableError("not a regular file");
  const int64_t blocksize = count ? *count : stat->size;
  if (blocksize == 0) co_return 0;  // "empty file"
  auto sending = std::make_shared<NativeSendfile>(*this, fd, file, offset, count, blocksize);
  Future<size_t> done = sending->future();
  sending->attempt(false);
  size_t sent = co_await done;
  co_return sent;
}

Coro<size_t> EventLoop::sock_sendfile_fallback(int fd, int file, int64_t offset, std::optional<int64_t> count) {
  SocketOps& ops = socket_ops();
  if (offset != 0) seek_or_raise(ops, file, offset);
  int64_t blocksize = static_cast<int64_t>(kSendfileFallbackReadBufferSize);
  if (count) blocksize = std::min(*count, blocksize);
  // Shared with the worker: a cancelled read may still be writing into it.
  auto buffer = std::make_shared<std::string>(static_cast<size_t>(blocksize), '\0');
  int64_t total_sent = 0;
  std::exception_ptr failure;
  try {
    for (;;) {
      if (count) {
        blocksize = std::min(*count - total_sent, blocksize);
        if (blocksize <= 0) break;
      }
      Future<size_t> reading = run_in_executor(nullptr, [&ops, file, buffer, blocksize] {
        absl::StatusOr<size_t> n = ops.read(file, absl::MakeSpan(buffer->data(), static_cast<size_t>(blocksize)));
        if (!n.ok()) internal::raise_status(n.status());
        return *n;
      });
      const size_t read = co_await reading;
      if (read == 0) break;  // EOF
      Coro<void> sending = sock_sendall(fd, buffer->substr(0, read));
      co_await std::move(sending);
      total_sent += static_cast<int64_t>(read);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (total_sent > 0) (void)ops.seek(file, offset + total_sent);
  if (failure) std::rethrow_exception(failure);
  co_return static_cast<size_t>(total_sent);
}

namespace {

// base_events._SendfileFallbackProtocol: stands in for the transport's
// protocol while the fallback writes, so that its flow control paces the
// writes; restore() puts everything back.
class SendfileFallbackProtocol final : public Protocol {
 public:
  static std::shared_ptr<SendfileFallbackProtocol> install(EventLoop& loop,
                                                           std::shared_ptr<SocketTransport> transport) {
    auto self = std::make_shared<SendfileFallbackProtocol>(loop, transport);
    transport->pause_reading();
    transport->set_protocol(self);
    return self;
  }

  SendfileFallbackProtocol(EventLoop& loop, std::shared_ptr<SocketTransport> transport)
      : loop_(&loop),
        transport_(std::move(transport)),
        proto_(transport_->get_protocol()),
        should_resume_reading_(transport_->is_reading()),
        should_resume_writing_(transport_->protocol_paused()) {
    if (should_resume_writing_) write_ready_ = loop_->create_future();
  }

  // What drain() awaits: nullopt when writing may go on now.
  std::optional<Future<void>> write_ready() const {
    if (transport_->is_closing()) throw ConnectionError(0, "Connection closed by peer");
    return write_ready_;
  }

  void connection_made(std::shared_ptr<Transport>) override {
    throw RuntimeError("Invalid state: connection should have been established already.");
  }
  void connection_lost(std::exception_ptr exception) override {
    if (write_ready_ && !write_ready_->done()) {
      // "disconnection is always an exception from user perspective"
      write_ready_->set_exception(exception ? exception
                                            : std::make_exception_ptr(
                                                  ConnectionError(0, "Connection is closed by peer")));
    }
    proto_->connection_lost(exception);
  }
  void pause_writing() override {
    if (!write_ready_) write_ready_ = loop_->create_future();
  }
  void resume_writing() override {
    if (!write_ready_) return;
    if (!write_ready_->done()) write_ready_->set_result();
    write_ready_.reset();
  }
  void data_received(std::string_view) override { throw RuntimeError("Invalid state: reading should be paused"); }
  bool eof_received() override { throw RuntimeError("Invalid state: reading should be paused"); }

  void restore() {
    transport_->set_protocol(proto_);
    if (should_resume_reading_) transport_->resume_reading();
    if (write_ready_) write_ready_->cancel();
    if (should_resume_writing_) proto_->resume_writing();
  }

 private:
  EventLoop* loop_;
  std::shared_ptr<SocketTransport> transport_;
  std::shared_ptr<BaseProtocol> proto_;
  bool should_resume_reading_;
  bool should_resume_writing_;
  std::optional<Future<void>> write_ready_;
};

// selector_events._sendfile_native.
Coro<size_t> transport_sendfile_native(EventLoop& loop, std::shared_ptr<SocketTransport> transport, int file,
                                       SendfileOptions options) {
  const bool resume_reading = transport->is_reading();
  transport->pause_reading();
  Future<void> empty = transport->make_empty_waiter();
  co_await empty;
  std::exception_ptr failure;
  size_t sent = 0;
  try {
    options.fallback = false;
    Coro<size_t> sending = loop.sock_sendfile(transport->fd(), file, options);
    sent = co_await std::move(sending);
  } catch (...) {
    failure = std::current_exception();
  }
  transport->reset_empty_waiter();
  if (resume_reading) transport->resume_reading();
  if (failure) std::rethrow_exception(failure);
  co_return sent;
}

// base_events._sendfile_fallback.
Coro<size_t> transport_sendfile_fallback(EventLoop& loop, std::shared_ptr<SocketTransport> transport, int file,
                                         int64_t offset, std::optional<int64_t> count) {
  SocketOps& ops = loop.socket_ops();
  if (offset != 0) seek_or_raise(ops, file, offset);
  int64_t blocksize = static_cast<int64_t>(kTransportSendfileFallbackBlockSize);
  if (count) blocksize = std::min(*count, blocksize);
  auto buffer = std::make_shared<std::string>(static_cast<size_t>(blocksize), '\0');
  int64_t total_sent = 0;
  std::shared_ptr<SendfileFallbackProtocol> proto = SendfileFallbackProtocol::install(loop, transport);
  std::exception_ptr failure;
  try {
    for (;;) {
      if (count) {
        blocksize = std::min(*count - total_sent, blocksize);
        if (blocksize <= 0) break;
      }
      Future<size_t> reading = loop.run_in_executor(nullptr, [&ops, file, buffer, blocksize] {
        absl::StatusOr<size_t> n = ops.read(file, absl::MakeSpan(buffer->data(), static_cast<size_t>(blocksize)));
        if (!n.ok()) internal::raise_status(n.status());
        return *n;
      });
      const size_t read = co_await reading;
      if (read == 0) break;  // EOF
      if (std::optional<Future<void>> ready = proto->write_ready()) co_await *ready;  // proto.drain()
      transport->write(std::string_view(buffer->data(), read));
      total_sent += static_cast<int64_t>(read);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (total_sent > 0) (void)ops.seek(file, offset + total_sent);
  proto->restore();
  if (failure) std::rethrow_exception(failure);
  co_return static_cast<size_t>(total_sent);
}

}  // namespace

Coro<size_t> EventLoop::sendfile(std::shared_ptr<Transport> transport, int file, SendfileOptions options) {
  if (transport->is_closing()) throw RuntimeError("Transport is closing");
  std::shared_ptr<SocketTransport> socket_transport = std::dynamic_pointer_cast<SocketTransport>(transport);
  if (!socket_transport) throw RuntimeError("sendfile is not supported for transport <Transport>");
  try {
    // _SelectorSocketTransport._sendfile_compatible is TRY_NATIVE.
    Coro<size_t> native = transport_sendfile_native(*this, socket_transport, file, options);
    size_t sent = co_await std::move(native);
    co_return sent;
  } catch (const SendfileNotAvailableError&) {
    if (!options.fallback) throw;
  }
  Coro<size_t> fallback = transport_sendfile_fallback(*this, socket_transport, file, options.offset, options.count);
  size_t sent = co_await std::move(fallback);
  co_return sent;
}

}  // namespace seedloop
