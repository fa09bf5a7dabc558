#include "loop/net/datagram_transport.h"

#include <cassert>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "loop/errors.h"
#include "loop/net/internal/protocol_calls.h"
#include "loop/net/status_error.h"

namespace seedloop {

std::shared_ptr<DatagramTransport> DatagramTransport::create(EventLoop& loop, int fd,
                                                             std::shared_ptr<DatagramProtocol> protocol,
                                                             std::optional<SockAddr> address,
                                                             std::optional<Future<void>> waiter) {
  assert(protocol != nullptr && "a transport needs a protocol");
  std::shared_ptr<DatagramTransport> t(new DatagramTransport(loop, fd, std::move(protocol), std::move(address)));
  t->self_ = t;
  t->start(std::move(waiter));
  return t;
}

DatagramTransport::DatagramTransport(EventLoop& loop, int fd, std::shared_ptr<DatagramProtocol> protocol,
                                     std::optional<SockAddr> address)
    : loop_(&loop), fd_(fd), protocol_(std::move(protocol)), address_(std::move(address)), flow_(loop) {
  if (absl::StatusOr<SockAddr> name = loop.socket_ops().getsockname(fd); name.ok()) sockname_ = *name;
  if (absl::StatusOr<SockAddr> peer = loop.socket_ops().getpeername(fd); peer.ok()) peername_ = *peer;
}

DatagramTransport::~DatagramTransport() {
  assert((fd_closed_ || loop_->is_closed()) && "a transport was destroyed while open");
}

void DatagramTransport::start(std::optional<Future<void>> waiter) {
  std::shared_ptr<DatagramTransport> self = shared_from_this();
  loop_->call_soon([self] {
    if (self->protocol_) self->protocol_->connection_made(self);
  });
  // Only start reading once connection_made has run.
  loop_->call_soon([self] {
    if (!self->closing_) self->loop_->add_reader(self->fd_, [t = self.get()] { t->read_ready(); });
  });
  if (waiter) {
    loop_->call_soon([waiter = *waiter] {
      if (!waiter.cancelled()) waiter.set_result();
    });
  }
}

ExtraInfo DatagramTransport::get_extra_info(std::string_view name) const {
  if (name == "socket") return fd_closed_ ? ExtraInfo() : ExtraInfo(fd_);
  if (name == "sockname" && sockname_) return *sockname_;
  if (name == "peername" && peername_) return *peername_;
  return {};
}

// ---- Reading ----

void DatagramTransport::read_ready() {
  if (conn_lost_ != 0) return;
  std::shared_ptr<DatagramTransport> keep = self_;  // the protocol may close us
  std::shared_ptr<DatagramProtocol> protocol = protocol_;
  if (read_buffer_.empty()) read_buffer_.resize(kMaxReadSize);
  std::string& data = read_buffer_;
  absl::StatusOr<std::pair<size_t, SockAddr>> got = loop_->socket_ops().recvfrom(fd_, absl::MakeSpan(data));
  if (!got.ok()) {
    if (!internal::is_blocking_io(got.status())) error_received(got.status());
    return;
  }
  protocol->datagram_received(std::string_view(data.data(), got->first), got->second);
}

void DatagramTransport::error_received(const absl::Status& status) {
  std::shared_ptr<DatagramProtocol> protocol = protocol_;
  if (protocol) protocol->error_received(internal::exception_from_status(status));
}

// ---- Writing ----

absl::StatusOr<size_t> DatagramTransport::send_one(std::string_view data, const std::optional<SockAddr>& addr) {
  absl::Span<const char> bytes = absl::MakeConstSpan(data.data(), data.size());
  // asyncio: send() when the socket has a peer, else sendto(addr) (with
  // allow_broadcast, remote_addr is not connected but is the default addr).
  if (peername_ || !addr) return loop_->socket_ops().send(fd_, bytes);
  return loop_->socket_ops().sendto(fd_, bytes, *addr);
}

void DatagramTransport::sendto(std::string_view data, std::optional<SockAddr> addr) {
  if (data.empty()) return;
  if (address_) {
    if (addr && !(*addr == *address_)) {
      throw ValueError("Invalid address: must be None or " + address_->to_string());
    }
    addr = address_;
  }
  // CPython 3.12's form: writes after the connection was lost are dropped.
  if (conn_lost_ != 0) {
    if (conn_lost_ >= kLogThresholdForConnLostWrites) {
      ExceptionContext context;
      context.message = "socket.send() raised exception.";
      loop_->call_exception_handler(context);
    }
    ++conn_lost_;
    return;
  }
  if (buffer_.empty()) {
    absl::StatusOr<size_t> n = send_one(data, addr);
    if (n.ok()) return;
    if (!internal::is_blocking_io(n.status())) {
      error_received(n.status());
      return;
    }
    loop_->add_writer(fd_, [this] { sendto_ready(); });
  }
  buffer_.emplace_back(std::string(data), std::move(addr));
  buffer_size_ += data.size();
  maybe_pause_protocol();
}

void DatagramTransport::sendto_ready() {
  std::shared_ptr<DatagramTransport> keep = self_;
  while (!buffer_.empty()) {
    absl::StatusOr<size_t> n = send_one(buffer_.front().first, buffer_.front().second);
    if (!n.ok() && internal::is_blocking_io(n.status())) break;  // try again later
    buffer_size_ -= buffer_.front().first.size();
    buffer_.pop_front();
    if (!n.ok()) {
      error_received(n.status());
      return;
    }
  }
  maybe_resume_protocol();  // may append to the buffer
  if (!buffer_.empty()) return;
  loop_->remove_writer(fd_);
  if (closing_) call_connection_lost(nullptr);
}

// ---- Flow control (transports._FlowControlMixin) ----

void DatagramTransport::set_write_buffer_limits(std::optional<size_t> high, std::optional<size_t> low) {
  flow_.set_limits(high, low);
  maybe_pause_protocol();
}

void DatagramTransport::maybe_pause_protocol() { flow_.maybe_pause(buffer_size_, protocol_); }

void DatagramTransport::maybe_resume_protocol() { flow_.maybe_resume(buffer_size_, protocol_); }

// ---- Closing ----

void DatagramTransport::close() {
  if (closing_) return;
  closing_ = true;
  loop_->remove_reader(fd_);
  if (buffer_.empty()) {
    ++conn_lost_;
    std::shared_ptr<DatagramTransport> self = self_;
    loop_->call_soon([self] { self->call_connection_lost(nullptr); });
  }
}

void DatagramTransport::force_close(std::exception_ptr exception) {
  if (conn_lost_ != 0) return;
  if (!buffer_.empty()) {
    buffer_.clear();
    buffer_size_ = 0;
    loop_->remove_writer(fd_);
  }
  if (!closing_) {
    closing_ = true;
    loop_->remove_reader(fd_);
  }
  ++conn_lost_;
  std::shared_ptr<DatagramTransport> self = self_;
  loop_->call_soon([self, exception] { self->call_connection_lost(exception); });
}

void DatagramTransport::call_connection_lost(std::exception_ptr exception) {
  if (fd_closed_) return;
  std::shared_ptr<DatagramTransport> keep = std::move(self_);
  std::shared_ptr<DatagramProtocol> protocol = std::move(protocol_);
  internal::call_connection_lost(protocol, exception, [this] {
    (void)loop_->socket_ops().close(fd_);
    fd_closed_ = true;
  });
}

}  // namespace seedloop
