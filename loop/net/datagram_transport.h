// DatagramTransport: asyncio's _SelectorDatagramTransport (CPython 3.11
// Lib/asyncio/selector_events.py, with transports._FlowControlMixin): a
// transport over a non-blocking datagram (UDP) socket, driven by the loop's
// add_reader / add_writer and the backend's SocketOps only. Made by
// EventLoop::create_datagram_endpoint.
//
//   auto [transport, protocol] = co_await loop.create_datagram_endpoint(
//       [] { return std::make_shared<Echo>(); }, {.local_addr = HostPort{"127.0.0.1", 0}});
//   transport->sendto("ping", *SockAddr::ip("127.0.0.1", 9999));
//
// Behaviour, as asyncio's:
//   - Made: connection_made, then reading, then the waiter's result, each
//     scheduled with call_soon.
//   - Reading: each readiness receives one datagram (up to 256 KiB) and
//     hands it to datagram_received with the sender's address. An OSError
//     from recvfrom (ConnectionRefusedError on a connected socket whose
//     peer port is closed) goes to error_received; the transport stays open.
//   - Writing: sendto() sends at once when nothing is buffered; a datagram
//     that would block is buffered whole and sent when the socket is
//     writable. Above the high water mark the protocol gets pause_writing,
//     back at or below the low one resume_writing. An OSError from sending
//     goes to error_received. On a connected transport (remote_addr),
//     `addr` must be none or the peer: ValueError "Invalid address: must be
//     None or ('127.0.0.1', 9999)" otherwise.
//   - Closing: close() stops reading and lets the buffer drain first;
//     abort() drops it. connection_lost runs exactly once, from call_soon,
//     and the fd is closed right after it. Datagrams sent after that are
//     dropped; from the fifth on, each is reported as "socket.send() raised
//     exception." to the exception handler (CPython 3.12 drops them on
//     unconnected transports too; 3.11 sent them on the closed socket).
//   - A datagram_received or error_received that throws propagates to the
//     loop's callback error handling, as in asyncio.
//
// Ownership: see loop/net/protocols.h; the fd is the transport's from
// create() on.
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_DATAGRAM_TRANSPORT_H_
#define SEEDLOOP_LOOP_NET_DATAGRAM_TRANSPORT_H_

#include <cstddef>
#include <deque>
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

class DatagramTransport final : public std::enable_shared_from_this<DatagramTransport> {
 public:
  static constexpr size_t kMaxReadSize = 256 * 1024;
  static constexpr size_t kDefaultHighWater = 64 * 1024;
  static constexpr int kLogThresholdForConnLostWrites = 5;

  // Takes `fd` (a non-blocking datagram socket); `address` is remote_addr
  // (the connected peer, or with allow_broadcast the default destination). `waiter` is set once connection_made has run.
  static std::shared_ptr<DatagramTransport> create(EventLoop& loop, int fd,
                                                   std::shared_ptr<DatagramProtocol> protocol,
                                                   std::optional<SockAddr> address,
                                                   std::optional<Future<void>> waiter);
  ~DatagramTransport();
  DatagramTransport(const DatagramTransport&) = delete;
  DatagramTransport& operator=(const DatagramTransport&) = delete;

  // "peername" (a connected socket's), "sockname" (SockAddr), "socket" (the fd).
  ExtraInfo get_extra_info(std::string_view name) const;
  bool is_closing() const { return closing_; }
  void close();
  void abort() { force_close(nullptr); }
  std::shared_ptr<DatagramProtocol> get_protocol() const { return protocol_; }

  // Sends one datagram to `addr` (none: the connected peer). Empty data
  // sends nothing, as in asyncio.
  void sendto(std::string_view data, std::optional<SockAddr> addr = std::nullopt);
  size_t get_write_buffer_size() const { return buffer_size_; }
  std::pair<size_t, size_t> get_write_buffer_limits() const { return flow_.limits(); }
  void set_write_buffer_limits(std::optional<size_t> high = std::nullopt, std::optional<size_t> low = std::nullopt);

 private:
  DatagramTransport(EventLoop& loop, int fd, std::shared_ptr<DatagramProtocol> protocol,
                    std::optional<SockAddr> address);

  void start(std::optional<Future<void>> waiter);
  // One datagram: send on a connected socket, sendto otherwise.
  absl::StatusOr<size_t> send_one(std::string_view data, const std::optional<SockAddr>& addr);
  void read_ready();
  void sendto_ready();
  void error_received(const absl::Status& status);
  void maybe_pause_protocol();
  void maybe_resume_protocol();
  void force_close(std::exception_ptr exception);
  void call_connection_lost(std::exception_ptr exception);

  EventLoop* loop_;
  int fd_;
  std::shared_ptr<DatagramProtocol> protocol_;
  std::optional<SockAddr> address_;  // remote_addr: the only destination
  std::optional<SockAddr> peername_;  // set when the socket is connected
  std::optional<SockAddr> sockname_;
  std::shared_ptr<DatagramTransport> self_;  // alive while open

  std::string read_buffer_;  // kMaxReadSize once the first datagram comes
  std::deque<std::pair<std::string, std::optional<SockAddr>>> buffer_;
  size_t buffer_size_ = 0;
  int conn_lost_ = 0;
  bool closing_ = false;
  bool fd_closed_ = false;
  internal::FlowControl flow_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_DATAGRAM_TRANSPORT_H_
