#include "loop/net/socket_transport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cassert>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "loop/errors.h"
#include "loop/net/internal/protocol_calls.h"
#include "loop/net/server.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// base_events._set_nodelay: TCP sockets get TCP_NODELAY.
void set_nodelay(SocketOps& ops, int fd, const std::optional<SockAddr>& sockname) {
  if (!sockname || (sockname->family() != AF_INET && sockname->family() != AF_INET6)) return;
  absl::StatusOr<int> type = ops.getsockopt(fd, SOL_SOCKET, SO_TYPE);
  if (!type.ok() || *type != SOCK_STREAM) return;
  (void)ops.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
}

}  // namespace

std::shared_ptr<SocketTransport> SocketTransport::create(EventLoop& loop, int fd,
                                                         std::shared_ptr<BaseProtocol> protocol, Options options) {
  assert(protocol != nullptr && "a transport needs a protocol");
  std::optional<Future<void>> waiter = std::move(options.waiter);
  std::shared_ptr<SocketTransport> t(new SocketTransport(loop, fd, std::move(protocol), std::move(options)));
  t->self_ = t;
  t->start(std::move(waiter));
  return t;
}

SocketTransport::SocketTransport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol, Options options)
    : loop_(&loop),
      fd_(fd),
      server_(std::move(options.server)),
      peername_(std::move(options.peername)),
      flow_(loop, [this](ExceptionContext& context) { describe(context); }) {
  SocketOps& ops = loop.socket_ops();
  if (absl::StatusOr<SockAddr> name = ops.getsockname(fd); name.ok()) sockname_ = *name;
  if (!peername_) {
    if (absl::StatusOr<SockAddr> peer = ops.getpeername(fd); peer.ok()) peername_ = *peer;
  }
  set_protocol(std::move(protocol));
  if (server_) server_->attach();
  set_nodelay(ops, fd, sockname_);
}

SocketTransport::~SocketTransport() {
  // Only a transport whose connection_lost ran (or whose loop closed with
  // it open: see protocols.h) is destroyed; the first has closed its fd.
  assert((fd_closed_ || loop_->is_closed()) && "a transport was destroyed while open");
}

void SocketTransport::start(std::optional<Future<void>> waiter) {
  std::shared_ptr<SocketTransport> self = shared_from_this();
  loop_->call_soon([self] {
    if (self->protocol_) self->protocol_->connection_made(self);
  });
  loop_->call_soon([self] { self->add_reader_if_reading(); });
  if (waiter) {
    // futures._set_result_unless_cancelled
    loop_->call_soon([waiter = *waiter] {
      if (!waiter.cancelled()) waiter.set_result();
    });
  }
}

ExtraInfo SocketTransport::get_extra_info(std::string_view name) const {
  if (name == "socket") return fd_closed_ ? ExtraInfo() : ExtraInfo(fd_);
  if (name == "sockname" && sockname_) return *sockname_;
  if (name == "peername" && peername_) return *peername_;
  return {};
}

void SocketTransport::set_protocol(std::shared_ptr<BaseProtocol> protocol) {
  protocol_ = std::move(protocol);
  protocol_connected_ = true;
}

std::string SocketTransport::repr() const {
  if (fd_closed_) return "<_SelectorSocketTransport closed>";
  return absl::StrFormat("<_SelectorSocketTransport fd=%d read=%s write=<%s, bufsize=%d>>", fd_,
                         is_reading() ? "polling" : "idle", get_write_buffer_size() ? "polling" : "idle",
                         get_write_buffer_size());
}

// ---- Reading ----

void SocketTransport::add_reader_if_reading() {
  if (!is_reading()) return;
  loop_->add_reader(fd_, [this] { read_ready(); });
}

void SocketTransport::pause_reading() {
  if (!is_reading()) return;
  paused_ = true;
  loop_->remove_reader(fd_);
}

void SocketTransport::resume_reading() {
  if (closing_ || !paused_) return;
  paused_ = false;
  add_reader_if_reading();
}

void SocketTransport::read_ready() {
  if (conn_lost_ != 0) return;
  std::shared_ptr<SocketTransport> keep = self_;  // the protocol may close us
  std::shared_ptr<BaseProtocol> protocol = protocol_;
  if (auto* buffered = dynamic_cast<BufferedProtocol*>(protocol.get())) {
    read_ready_buffered(*buffered);
  } else if (auto* plain = dynamic_cast<Protocol*>(protocol.get())) {
    read_ready_data(*plain);
  } else {
    fatal_error(std::make_exception_ptr(TypeError("the protocol is neither a Protocol nor a BufferedProtocol")),
                "Fatal error on transport");
  }
}

void SocketTransport::read_ready_data(Protocol& protocol) {
  char data[kMaxReadSize];
  absl::StatusOr<size_t> n = loop_->socket_ops().recv(fd_, absl::MakeSpan(data, sizeof data));
  if (!n.ok()) {
    if (internal::is_blocking_io(n.status())) return;
    fatal_error(internal::exception_from_status(n.status()), "Fatal read error on socket transport");
    return;
  }
  if (*n == 0) {
    read_ready_on_eof();
    return;
  }
  if (std::exception_ptr e = internal::call_protocol_callback([&] { protocol.data_received(std::string_view(data, *n)); })) {
    fatal_error(e, "Fatal error: protocol.data_received() call failed.");
  }
}

void SocketTransport::read_ready_buffered(BufferedProtocol& protocol) {
  absl::Span<char> buffer;
  std::exception_ptr e = internal::call_protocol_callback([&] {
    buffer = protocol.get_buffer(0);
    if (buffer.empty()) throw RuntimeError("get_buffer() returned an empty buffer");
  });
  if (e) {
    fatal_error(e, "Fatal error: protocol.get_buffer() call failed.");
    return;
  }
  absl::StatusOr<size_t> n = loop_->socket_ops().recv(fd_, buffer);
  if (!n.ok()) {
    if (internal::is_blocking_io(n.status())) return;
    fatal_error(internal::exception_from_status(n.status()), "Fatal read error on socket transport");
    return;
  }
  if (*n == 0) {
    read_ready_on_eof();
    return;
  }
  if (std::exception_ptr f = internal::call_protocol_callback([&] { protocol.buffer_updated(*n); })) {
    fatal_error(f, "Fatal error: protocol.buffer_updated() call failed.");
  }
}

void SocketTransport::read_ready_on_eof() {
  bool keep_open = false;
  std::shared_ptr<BaseProtocol> protocol = protocol_;
  std::exception_ptr e = internal::call_protocol_callback([&] {
    if (auto* buffered = dynamic_cast<BufferedProtocol*>(protocol.get())) {
      keep_open = buffered->eof_received();
    } else {
      keep_open = static_cast<Protocol*>(protocol.get())->eof_received();
    }
  });
  if (e) {
    fatal_error(e, "Fatal error: protocol.eof_received() call failed.");
    return;
  }
  if (keep_open) {
    loop_->remove_reader(fd_);
  } else {
    close();
  }
}

// ---- Writing ----

void SocketTransport::write(std::string_view data) {
  if (eof_) throw RuntimeError("Cannot call write() after write_eof()");
  if (empty_waiter_) throw RuntimeError("unable to write; sendfile is in progress");
  if (data.empty()) return;
  if (conn_lost_ != 0) {
    if (conn_lost_ >= kLogThresholdForConnLostWrites) {
      ExceptionContext context;
      context.message = "socket.send() raised exception.";
      loop_->call_exception_handler(context);
    }
    ++conn_lost_;
    return;
  }
  if (get_write_buffer_size() == 0) {
    absl::StatusOr<size_t> n = loop_->socket_ops().send(fd_, absl::MakeConstSpan(data.data(), data.size()));
    if (n.ok()) {
      data.remove_prefix(*n);
      if (data.empty()) return;
    } else if (!internal::is_blocking_io(n.status())) {
      fatal_error(internal::exception_from_status(n.status()), "Fatal write error on socket transport");
      return;
    }
    loop_->add_writer(fd_, [this] { write_ready(); });
  }
  buffer_.append(data);
  maybe_pause_protocol();
}

void SocketTransport::write_ready() {
  assert(get_write_buffer_size() > 0 && "Data should not be empty");
  if (conn_lost_ != 0) return;
  std::shared_ptr<SocketTransport> keep = self_;
  absl::StatusOr<size_t> n =
      loop_->socket_ops().send(fd_, absl::MakeConstSpan(buffer_).subspan(buffer_offset_));
  if (!n.ok()) {
    if (internal::is_blocking_io(n.status())) return;
    loop_->remove_writer(fd_);
    clear_buffer();
    std::exception_ptr error = internal::exception_from_status(n.status());
    fatal_error(error, "Fatal write error on socket transport");
    if (empty_waiter_ && !empty_waiter_->done()) empty_waiter_->set_exception(error);
    return;
  }
  buffer_offset_ += *n;
  if (buffer_offset_ == buffer_.size()) {
    clear_buffer();
  } else if (buffer_offset_ > buffer_.size() / 2) {
    buffer_.erase(0, buffer_offset_);  // compact: each byte moves O(1) times
    buffer_offset_ = 0;
  }
  maybe_resume_protocol();  // may append to the buffer
  if (get_write_buffer_size() != 0) return;
  loop_->remove_writer(fd_);
  if (empty_waiter_ && !empty_waiter_->done()) empty_waiter_->set_result();
  if (closing_) {
    call_connection_lost(nullptr);
  } else if (eof_) {
    (void)loop_->socket_ops().shutdown(fd_, SHUT_WR);
  }
}

void SocketTransport::write_eof() {
  if (closing_ || eof_) return;
  eof_ = true;
  if (get_write_buffer_size() == 0) {
    absl::Status status = loop_->socket_ops().shutdown(fd_, SHUT_WR);
    if (!status.ok()) internal::raise_status(status);
  }
}

void SocketTransport::clear_buffer() {
  buffer_.clear();
  buffer_offset_ = 0;
}

// ---- Flow control (transports._FlowControlMixin) ----

void SocketTransport::set_write_buffer_limits(std::optional<size_t> high, std::optional<size_t> low) {
  flow_.set_limits(high, low);
  maybe_pause_protocol();
}

void SocketTransport::maybe_pause_protocol() { flow_.maybe_pause(get_write_buffer_size(), protocol_); }

void SocketTransport::maybe_resume_protocol() { flow_.maybe_resume(get_write_buffer_size(), protocol_); }

// ---- Closing ----

void SocketTransport::close() {
  if (closing_) return;
  closing_ = true;
  loop_->remove_reader(fd_);
  if (get_write_buffer_size() == 0) {
    ++conn_lost_;
    loop_->remove_writer(fd_);
    std::shared_ptr<SocketTransport> self = self_;
    loop_->call_soon([self] { self->call_connection_lost(nullptr); });
  }
}

void SocketTransport::report(const char* message, std::exception_ptr exception) {
  ExceptionContext context;
  context.message = message;
  context.exception = std::move(exception);
  describe(context);
  loop_->call_exception_handler(context);
}

void SocketTransport::describe(ExceptionContext& context) const {
  context.extra["transport"] = repr();
  context.extra["protocol"] = "<protocol>";
}

void SocketTransport::fatal_error(std::exception_ptr exception, const char* message) {
  // selector_events._SelectorTransport._fatal_error: an OSError (a reset
  // peer, a broken pipe) is only logged in debug mode; connection_lost
  // gets it either way.
  if (!internal::is_os_error(exception)) report(message, exception);
  force_close(std::move(exception));
}

void SocketTransport::force_close(std::exception_ptr exception) {
  if (conn_lost_ != 0) return;
  if (get_write_buffer_size() != 0) {
    clear_buffer();
    loop_->remove_writer(fd_);
  }
  if (!closing_) {
    closing_ = true;
    loop_->remove_reader(fd_);
  }
  ++conn_lost_;
  std::shared_ptr<SocketTransport> self = self_;
  loop_->call_soon([self, exception] { self->call_connection_lost(exception); });
}

void SocketTransport::call_connection_lost(std::exception_ptr exception) {
  if (fd_closed_) return;
  std::shared_ptr<SocketTransport> keep = std::move(self_);
  std::shared_ptr<BaseProtocol> protocol = std::move(protocol_);
  // The finally clause: the socket closes and the server detaches whatever
  // connection_lost did.
  internal::call_connection_lost(protocol_connected_ ? protocol : nullptr, exception, [this] {
    (void)loop_->socket_ops().close(fd_);
    fd_closed_ = true;
    if (std::shared_ptr<Server> server = std::move(server_)) server->detach();
    if (empty_waiter_ && !empty_waiter_->done()) {
      empty_waiter_->set_exception(std::make_exception_ptr(ConnectionError(0, "Connection is closed by peer")));
    }
  });
}

Future<void> SocketTransport::make_empty_waiter() {
  if (empty_waiter_) throw RuntimeError("Empty waiter is already set");
  empty_waiter_ = loop_->create_future();
  if (get_write_buffer_size() == 0) empty_waiter_->set_result();
  return *empty_waiter_;
}

}  // namespace seedloop
