// Protocols and transports: asyncio's callback-style networking API
// (Lib/asyncio/protocols.py, transports.py).
//
//   class Echo : public Protocol {
//     void connection_made(std::shared_ptr<Transport> t) override { transport_ = std::move(t); }
//     void data_received(std::string_view data) override { transport_->write(data); }
//     std::shared_ptr<Transport> transport_;
//   };
//   std::shared_ptr<Server> server = co_await loop.create_server(
//       [] { return std::make_shared<Echo>(); }, "127.0.0.1", 8888);
//
// The transport calls the protocol, as in asyncio: connection_made once,
// then data_received (or, for a BufferedProtocol, get_buffer +
// buffer_updated) any number of times, eof_received at most once, and
// connection_lost exactly once, always from a loop callback (never from
// inside a Transport method the protocol called). pause_writing and
// resume_writing alternate, starting with pause, when the write buffer
// crosses the high and then the low water mark.
//
// Ownership (the C++ part asyncio leaves to its garbage collector):
//   - A protocol is a std::shared_ptr made by the ProtocolFactory. Its
//     transport holds it until connection_lost has returned, then lets go.
//   - A transport is a std::shared_ptr too; it holds itself alive while it
//     is open (from creation until connection_lost has run), so a protocol
//     may keep the shared_ptr connection_made gave it without making a
//     cycle that outlives the connection. After connection_lost, a
//     transport is an inert closed object: writes are counted and dropped,
//     is_closing() is true.
//   - The socket fd belongs to the transport from the moment it is made,
//     and is closed right after connection_lost.
//   - Transports and servers hold a raw EventLoop*: close them (and let the
//     loop run their connection_lost) before the loop is closed. An open
//     transport at loop close keeps its fd: the C++ form of asyncio's
//     "unclosed transport" ResourceWarning.
//
// Data: data_received's string_view is valid only during the call (copy
// what you keep). write() copies what it cannot send at once.
//
// Threads: everything here is for the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_PROTOCOLS_H_
#define SEEDLOOP_LOOP_NET_PROTOCOLS_H_

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/types/span.h"
#include "loop/event_loop.h"
#include "loop/net/tls_info.h"
#include "loop/sock_addr.h"

namespace seedloop {

class Transport;

// asyncio.BaseProtocol: what every protocol receives.
class BaseProtocol {
 public:
  virtual ~BaseProtocol() = default;
  virtual void connection_made(std::shared_ptr<Transport> transport) { (void)transport; }
  // `exception` is null for a regular EOF or close(), else the error
  // (ConnectionResetError, ...) that ended the connection.
  virtual void connection_lost(std::exception_ptr exception) { (void)exception; }
  virtual void pause_writing() {}
  virtual void resume_writing() {}
};

// asyncio.Protocol: a byte stream.
class Protocol : public BaseProtocol {
 public:
  virtual void data_received(std::string_view data) { (void)data; }
  // The peer sent EOF. Return true to keep the connection open for writing
  // (the transport stops reading); false (the default) closes it.
  virtual bool eof_received() { return false; }
};

// asyncio.BufferedProtocol: the transport reads straight into the
// protocol's buffer. get_buffer's span must be non-empty and stay valid
// until buffer_updated (or the next get_buffer).
class BufferedProtocol : public BaseProtocol {
 public:
  // `sizehint` is a suggestion; asyncio passes -1 ("any size"): here 0.
  virtual absl::Span<char> get_buffer(size_t sizehint) = 0;
  virtual void buffer_updated(size_t nbytes) = 0;
  virtual bool eof_received() { return false; }
};

// get_extra_info's answer: nothing (Python's None), an int ("socket": the
// fd), or an address ("peername", "sockname"); a TLS transport adds the
// types of loop/net/tls_info.h ("cipher", "peercert", "ssl_object",
// "sslcontext").
using ExtraInfo =
    std::variant<std::monostate, int, SockAddr, CipherInfo, PeerCert, SslObject, std::shared_ptr<SSLContext>>;

// asyncio.Transport (a ReadTransport and a WriteTransport). Errors raise
// asyncio's exceptions with its texts (write() after write_eof():
// RuntimeError "Cannot call write() after write_eof()").
class Transport {
 public:
  virtual ~Transport() = default;

  // "peername" and "sockname" (SockAddr), "socket" (the fd); anything
  // else, or an address the socket did not have: std::monostate.
  virtual ExtraInfo get_extra_info(std::string_view name) const = 0;
  virtual bool is_closing() const = 0;
  // Closes after the buffered data is sent; connection_lost(nullptr) follows.
  virtual void close() = 0;
  // Closes at once, dropping buffered data; connection_lost(nullptr) follows.
  virtual void abort() = 0;
  // asyncio's private _force_close(exc): abort(), but connection_lost gets
  // `exception`. Used by a protocol layered on the transport (TLS).
  virtual void force_close(std::exception_ptr exception) {
    (void)exception;
    abort();
  }

  virtual void set_protocol(std::shared_ptr<BaseProtocol> protocol) = 0;
  virtual std::shared_ptr<BaseProtocol> get_protocol() const = 0;

  // Reading.
  virtual bool is_reading() const = 0;
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;

  // Writing.
  virtual void write(std::string_view data) = 0;
  // WriteTransport.writelines: the pieces joined, one write().
  virtual void writelines(absl::Span<const std::string> pieces) {
    std::string joined;
    for (const std::string& piece : pieces) joined += piece;
    write(joined);
  }
  virtual void write_eof() = 0;
  virtual bool can_write_eof() const = 0;
  virtual size_t get_write_buffer_size() const = 0;
  // (low, high), as asyncio returns them.
  virtual std::pair<size_t, size_t> get_write_buffer_limits() const = 0;
  // asyncio's defaults: high 64 KiB, low high/4; given only low, high is
  // 4*low. ValueError "high (H) must be >= low (L) must be >= 0" otherwise.
  virtual void set_write_buffer_limits(std::optional<size_t> high = std::nullopt,
                                       std::optional<size_t> low = std::nullopt) = 0;
};

class DatagramTransport;

// asyncio.DatagramProtocol: the transport calls connection_made (this
// overload, with the datagram transport) once, then datagram_received and
// error_received any number of times, then connection_lost once.
// error_received gets the OSError a send or receive raised (a
// ConnectionRefusedError after an ICMP port unreachable, on a connected
// socket); the transport stays open.
class DatagramProtocol : public BaseProtocol {
 public:
  using BaseProtocol::connection_made;
  virtual void connection_made(std::shared_ptr<DatagramTransport> transport) { (void)transport; }
  // `data` is valid only during the call.
  virtual void datagram_received(std::string_view data, const SockAddr& addr) {
    (void)data;
    (void)addr;
  }
  virtual void error_received(std::exception_ptr exception) { (void)exception; }
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_PROTOCOLS_H_
