// WritePipeTransport (loop/net/pipe_transport.h), after CPython 3.11's
// unix_events._UnixWritePipeTransport with transports._FlowControlMixin.

#include <cassert>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "loop/errors.h"
#include "loop/net/internal/protocol_calls.h"
#include "loop/net/pipe_transport.h"
#include "loop/net/status_error.h"

namespace seedloop {

std::shared_ptr<WritePipeTransport> WritePipeTransport::create(EventLoop& loop, int fd,
                                                               std::shared_ptr<BaseProtocol> protocol,
                                                               std::optional<Future<void>> waiter) {
  assert(protocol != nullptr && "a transport needs a protocol");
  ProcessOps& ops = loop.process_ops();
  absl::StatusOr<FdType> type = ops.fd_type(fd);
  if (!type.ok()) internal::raise_status(type.status());
  if (*type == FdType::kOther) throw ValueError("Pipe transport is only for pipes, sockets and character devices");
  if (absl::Status s = ops.set_blocking(fd, Blocking::kNonBlocking); !s.ok()) internal::raise_status(s);

  std::shared_ptr<WritePipeTransport> t(new WritePipeTransport(loop, fd, std::move(protocol)));
  t->self_ = t;
  loop.call_soon([t] {
    if (t->protocol_) t->protocol_->connection_made(t);
  });
  // The reader closing its end makes ours readable (an error): watch for
  // it on FIFOs and sockets (a character device may never say so).
  if (*type == FdType::kFifo || *type == FdType::kSocket) {
    loop.call_soon([t] {
      if (!t->fd_closed_ && !t->lost_scheduled_) t->loop_->add_reader(t->fd_, [raw = t.get()] { raw->read_ready(); });
    });
  }
  if (waiter) {
    loop.call_soon([waiter = *waiter] {
      if (!waiter.cancelled()) waiter.set_result();
    });
  }
  return t;
}

WritePipeTransport::WritePipeTransport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol)
    : loop_(&loop), fd_(fd), protocol_(std::move(protocol)), flow_(loop) {}

WritePipeTransport::~WritePipeTransport() {
  assert((fd_closed_ || loop_->is_closed()) && "a pipe transport was destroyed while open");
}

ExtraInfo WritePipeTransport::get_extra_info(std::string_view name) const {
  if (name == "pipe" && !fd_closed_) return fd_;
  return {};
}

void WritePipeTransport::pause_reading() {
  throw NotImplementedError("a write pipe transport cannot pause_reading()");
}
void WritePipeTransport::resume_reading() {
  throw NotImplementedError("a write pipe transport cannot resume_reading()");
}

void WritePipeTransport::read_ready() {
  // Only an error or the reader's close wakes a write end for reading.
  if (get_write_buffer_size() != 0) {
    close_with(std::make_exception_ptr(BrokenPipeError(0, "")));
  } else {
    close_with(nullptr);
  }
}

void WritePipeTransport::write(std::string_view data) {
  if (data.empty()) return;
  if (conn_lost_ != 0 || closing_) {
    if (conn_lost_ >= kLogThresholdForConnLostWrites) {
      ExceptionContext context;
      context.message = "pipe closed by peer or os.write(pipe, data) raised exception.";
      loop_->call_exception_handler(context);
    }
    ++conn_lost_;
    return;
  }
  if (get_write_buffer_size() == 0) {
    absl::StatusOr<size_t> n = loop_->process_ops().write(fd_, absl::MakeConstSpan(data.data(), data.size()));
    if (n.ok()) {
      data.remove_prefix(*n);
      if (data.empty()) return;
    } else if (!internal::is_blocking_io(n.status())) {
      ++conn_lost_;
      fatal_error(internal::exception_from_status(n.status()), "Fatal write error on pipe transport");
      return;
    }
    loop_->add_writer(fd_, [this] { write_ready(); });
  }
  buffer_.append(data);
  maybe_pause_protocol();
}

void WritePipeTransport::write_ready() {
  assert(get_write_buffer_size() > 0 && "Data should not be empty");
  std::shared_ptr<WritePipeTransport> keep = self_;
  absl::StatusOr<size_t> n = loop_->process_ops().write(fd_, absl::MakeConstSpan(buffer_).subspan(buffer_offset_));
  if (!n.ok()) {
    if (internal::is_blocking_io(n.status())) return;
    clear_buffer();
    ++conn_lost_;
    loop_->remove_writer(fd_);
    fatal_error(internal::exception_from_status(n.status()), "Fatal write error on pipe transport");
    return;
  }
  buffer_offset_ += *n;
  if (buffer_offset_ != buffer_.size()) {
    if (buffer_offset_ > buffer_.size() / 2) {
      buffer_.erase(0, buffer_offset_);  // compact: each byte moves O(1) times
      buffer_offset_ = 0;
    }
    return;
  }
  clear_buffer();
  loop_->remove_writer(fd_);
  maybe_resume_protocol();  // may append to the buffer
  if (closing_ && get_write_buffer_size() == 0) {
    loop_->remove_reader(fd_);
    call_connection_lost(nullptr);
  }
}

void WritePipeTransport::write_eof() {
  if (closing_) return;
  closing_ = true;
  if (get_write_buffer_size() == 0) {
    loop_->remove_reader(fd_);
    lost_scheduled_ = true;
    std::shared_ptr<WritePipeTransport> self = self_;
    loop_->call_soon([self] { self->call_connection_lost(nullptr); });
  }
}

// write_eof is all a pipe needs to close.
void WritePipeTransport::close() {
  if (!fd_closed_ && !closing_) write_eof();
}

void WritePipeTransport::clear_buffer() {
  buffer_.clear();
  buffer_offset_ = 0;
}

// ---- Flow control (transports._FlowControlMixin) ----

void WritePipeTransport::set_write_buffer_limits(std::optional<size_t> high, std::optional<size_t> low) {
  flow_.set_limits(high, low);
  maybe_pause_protocol();
}

void WritePipeTransport::maybe_pause_protocol() { flow_.maybe_pause(get_write_buffer_size(), protocol_); }

void WritePipeTransport::maybe_resume_protocol() { flow_.maybe_resume(get_write_buffer_size(), protocol_); }

// ---- Closing ----

void WritePipeTransport::fatal_error(std::exception_ptr exception, const char* message) {
  // An OSError (EPIPE: the reader is gone) is only logged in debug mode.
  if (!internal::is_os_error(exception)) {
    ExceptionContext context;
    context.message = message;
    context.exception = exception;
    context.extra["transport"] = "<_UnixWritePipeTransport fd=" + std::to_string(fd_) + ">";
    loop_->call_exception_handler(context);
  }
  close_with(std::move(exception));
}

// _UnixWritePipeTransport._close.
void WritePipeTransport::close_with(std::exception_ptr exception) {
  if (fd_closed_ || lost_scheduled_) return;
  closing_ = true;
  if (get_write_buffer_size() != 0) loop_->remove_writer(fd_);
  clear_buffer();
  loop_->remove_reader(fd_);
  lost_scheduled_ = true;
  std::shared_ptr<WritePipeTransport> self = self_;
  loop_->call_soon([self, exception] { self->call_connection_lost(exception); });
}

void WritePipeTransport::call_connection_lost(std::exception_ptr exception) {
  if (fd_closed_) return;
  std::shared_ptr<WritePipeTransport> keep = std::move(self_);
  std::shared_ptr<BaseProtocol> protocol = std::move(protocol_);
  internal::call_connection_lost(protocol, exception, [this] {
    (void)loop_->process_ops().close(fd_);
    fd_closed_ = true;
  });
}

}  // namespace seedloop
