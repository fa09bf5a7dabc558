// ReadPipeTransport (loop/net/pipe_transport.h), after CPython 3.11's
// unix_events._UnixReadPipeTransport.

#include <cassert>
#include <cerrno>
#include <string>
#include <utility>

#include "loop/errors.h"
#include "loop/net/internal/protocol_calls.h"
#include "loop/net/pipe_transport.h"
#include "loop/net/status_error.h"

namespace seedloop {

std::shared_ptr<ReadPipeTransport> ReadPipeTransport::create(EventLoop& loop, int fd,
                                                             std::shared_ptr<BaseProtocol> protocol,
                                                             std::optional<Future<void>> waiter) {
  assert(protocol != nullptr && "a transport needs a protocol");
  if (dynamic_cast<Protocol*>(protocol.get()) == nullptr) {
    throw TypeError("a read pipe transport needs a Protocol (data_received)");
  }
  ProcessOps& ops = loop.process_ops();
  absl::StatusOr<FdType> type = ops.fd_type(fd);
  if (!type.ok()) internal::raise_status(type.status());
  if (*type == FdType::kOther) throw ValueError("Pipe transport is for pipes/sockets only.");
  if (absl::Status s = ops.set_blocking(fd, Blocking::kNonBlocking); !s.ok()) internal::raise_status(s);

  std::shared_ptr<ReadPipeTransport> t(new ReadPipeTransport(loop, fd, std::move(protocol)));
  t->self_ = t;
  loop.call_soon([t] {
    if (t->protocol_) t->protocol_->connection_made(t);
  });
  loop.call_soon([t] {
    if (t->is_reading()) t->loop_->add_reader(t->fd_, [raw = t.get()] { raw->read_ready(); });
  });
  if (waiter) {
    loop.call_soon([waiter = *waiter] {
      if (!waiter.cancelled()) waiter.set_result();
    });
  }
  return t;
}

ReadPipeTransport::ReadPipeTransport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol)
    : loop_(&loop), fd_(fd), protocol_(std::move(protocol)) {}

ReadPipeTransport::~ReadPipeTransport() {
  assert((fd_closed_ || loop_->is_closed()) && "a pipe transport was destroyed while open");
}

ExtraInfo ReadPipeTransport::get_extra_info(std::string_view name) const {
  if (name == "pipe" && !fd_closed_) return fd_;
  return {};
}

void ReadPipeTransport::set_protocol(std::shared_ptr<BaseProtocol> protocol) {
  if (dynamic_cast<Protocol*>(protocol.get()) == nullptr) throw TypeError("a read pipe needs a Protocol");
  protocol_ = std::move(protocol);
}

void ReadPipeTransport::read_ready() {
  if (fd_closed_ || closing_) return;
  std::shared_ptr<ReadPipeTransport> keep = self_;  // the protocol may close us
  char data[kMaxReadSize];
  absl::StatusOr<size_t> n = loop_->process_ops().read(fd_, absl::MakeSpan(data, sizeof data));
  if (!n.ok()) {
    if (internal::is_blocking_io(n.status())) return;
    fatal_error(internal::exception_from_status(n.status()), "Fatal read error on pipe transport");
    return;
  }
  if (*n > 0) {
    // As in CPython, an exception from data_received leaves through the
    // reader callback (the loop reports it); the transport stays open.
    std::shared_ptr<BaseProtocol> protocol = protocol_;
    static_cast<Protocol*>(protocol.get())->data_received(std::string_view(data, *n));
    return;
  }
  // End of file: eof_received (answer ignored), then connection_lost.
  closing_ = true;
  loop_->remove_reader(fd_);
  loop_->call_soon([keep] {
    if (auto* plain = dynamic_cast<Protocol*>(keep->protocol_.get())) (void)plain->eof_received();
  });
  loop_->call_soon([keep] { keep->call_connection_lost(nullptr); });
}

void ReadPipeTransport::pause_reading() {
  if (!is_reading()) return;
  paused_ = true;
  loop_->remove_reader(fd_);
}

void ReadPipeTransport::resume_reading() {
  if (closing_ || !paused_) return;
  paused_ = false;
  loop_->add_reader(fd_, [this] { read_ready(); });
}

void ReadPipeTransport::write(std::string_view) { throw NotImplementedError("a read pipe transport cannot write()"); }
void ReadPipeTransport::write_eof() { throw NotImplementedError("a read pipe transport cannot write_eof()"); }
void ReadPipeTransport::set_write_buffer_limits(std::optional<size_t>, std::optional<size_t>) {
  throw NotImplementedError("a read pipe transport has no write buffer");
}

void ReadPipeTransport::close() {
  if (!closing_) close_with(nullptr);
}

void ReadPipeTransport::fatal_error(std::exception_ptr exception, const char* message) {
  // _UnixReadPipeTransport._fatal_error: EIO (a pty's other side closed) is
  // only logged in debug mode; anything else goes to the handler.
  bool eio = false;
  try {
    std::rethrow_exception(exception);
  } catch (const OSError& e) {
    eio = e.error_number() == EIO;
  } catch (...) {
  }
  if (!eio) {
    ExceptionContext context;
    context.message = message;
    context.exception = exception;
    context.extra["transport"] = "<_UnixReadPipeTransport fd=" + std::to_string(fd_) + ">";
    loop_->call_exception_handler(context);
  }
  close_with(std::move(exception));
}

void ReadPipeTransport::close_with(std::exception_ptr exception) {
  if (fd_closed_) return;
  const bool was_closing = closing_;
  closing_ = true;
  loop_->remove_reader(fd_);
  if (was_closing && !exception) return;  // connection_lost is already on its way
  std::shared_ptr<ReadPipeTransport> self = self_;
  loop_->call_soon([self, exception] { self->call_connection_lost(exception); });
}

void ReadPipeTransport::call_connection_lost(std::exception_ptr exception) {
  if (fd_closed_) return;
  std::shared_ptr<ReadPipeTransport> keep = std::move(self_);
  std::shared_ptr<BaseProtocol> protocol = std::move(protocol_);
  internal::call_connection_lost(protocol, exception, [this] {
    (void)loop_->process_ops().close(fd_);
    fd_closed_ = true;
  });
}

}  // namespace seedloop
