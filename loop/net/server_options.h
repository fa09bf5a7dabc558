// The argument and result types of the loop's transport methods
// (EventLoop::create_connection, create_server, create_unix_connection,
// create_unix_server, connect_accepted_socket: loop/net/connections.cc).
// Kept apart so that loop/event_loop.h can declare those methods without
// including the transports.
//
//   auto server = co_await loop.create_server(factory, "127.0.0.1", 0, {.backlog = 10});
//   auto [transport, protocol] = co_await loop.create_connection(factory, "127.0.0.1", port);
//
// Threads: plain values.

#ifndef SEEDLOOP_LOOP_NET_SERVER_OPTIONS_H_
#define SEEDLOOP_LOOP_NET_SERVER_OPTIONS_H_

#include <netdb.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace seedloop {

class BaseProtocol;
class Transport;
class Server;
class DatagramProtocol;
class DatagramTransport;
class SSLContext;

// asyncio's protocol_factory: a new protocol for each connection.
using ProtocolFactory = std::function<std::shared_ptr<BaseProtocol>()>;

// create_connection's (transport, protocol).
using TransportAndProtocol = std::pair<std::shared_ptr<Transport>, std::shared_ptr<BaseProtocol>>;

// A (host, port) pair, as asyncio's local_addr / remote_addr tuples.
struct HostPort {
  std::string host;
  int port = 0;
};

// create_connection's keyword arguments (asyncio's defaults).
struct ConnectionOptions {
  int family = AF_UNSPEC;
  int proto = 0;
  int flags = 0;  // AI_* for getaddrinfo
  // TLS (loop/net/ssl_context.h, ssl_protocol.h): a client SSLContext
  // makes this a TLS connection. server_hostname: nullopt means `host`
  // (ValueError "You must set server_hostname when using ssl without a
  // host" if that is empty); "" turns the name check and SNI off. The
  // server_hostname and timeouts are ValueErrors without ssl ("... is only
  // meaningful with ssl"). Timeouts: nullopt is 60 s / 30 s.
  std::shared_ptr<SSLContext> ssl = nullptr;
  std::optional<std::string> server_hostname = std::nullopt;
  std::optional<double> ssl_handshake_timeout = std::nullopt;
  std::optional<double> ssl_shutdown_timeout = std::nullopt;
  // The local address to bind before connecting (resolved like the host).
  std::optional<HostPort> local_addr = std::nullopt;
  // An already connected stream socket to wrap instead (host "" and port
  // 0 then); taken over by the transport.
  std::optional<int> sock = std::nullopt;
  // Happy Eyeballs (RFC 8305): start the next address's attempt after this
  // many seconds, or when the previous one fails; the first to connect
  // wins. nullopt: one address after the other.
  std::optional<double> happy_eyeballs_delay = std::nullopt;
  // Interleave the addresses by family, this many of the first family
  // first (base_events._interleave_addrinfos); with happy_eyeballs_delay
  // it defaults to 1.
  std::optional<int> interleave = std::nullopt;
};

// create_server's / create_unix_server's keyword arguments (asyncio's
// defaults: backlog 100, reuse_address on POSIX, start_serving true).
struct ServerOptions {
  int family = AF_UNSPEC;
  int flags = AI_PASSIVE;
  int backlog = 100;
  std::optional<bool> reuse_address = std::nullopt;  // nullopt: true (POSIX)
  bool reuse_port = false;
  bool start_serving = true;
  // An already bound stream socket to listen on instead of making one
  // (host "" and port 0 / no path then); the server takes it over.
  std::optional<int> sock = std::nullopt;
  // TLS: a server SSLContext makes every accepted connection TLS. The
  // timeouts are ValueErrors without ssl. nullopt: 60 s / 30 s.
  std::shared_ptr<SSLContext> ssl = nullptr;
  std::optional<double> ssl_handshake_timeout = std::nullopt;
  std::optional<double> ssl_shutdown_timeout = std::nullopt;
};

// The TLS part of ServerOptions, as a Server keeps it for each accepted
// connection.
struct ServerTls {
  std::shared_ptr<SSLContext> ssl = nullptr;
  std::optional<double> ssl_handshake_timeout = std::nullopt;
  std::optional<double> ssl_shutdown_timeout = std::nullopt;
};

// start_tls's keyword arguments (asyncio's defaults). server_hostname ""
// is Python's None.
struct StartTlsOptions {
  bool server_side = false;
  std::string server_hostname;
  std::optional<double> ssl_handshake_timeout = std::nullopt;
  std::optional<double> ssl_shutdown_timeout = std::nullopt;
};

// create_datagram_endpoint's protocol_factory and (transport, protocol).
using DatagramProtocolFactory = std::function<std::shared_ptr<DatagramProtocol>()>;
using DatagramTransportAndProtocol =
    std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>;

// create_datagram_endpoint's keyword arguments (asyncio's defaults).
struct DatagramEndpointOptions {
  std::optional<HostPort> local_addr = std::nullopt;
  std::optional<HostPort> remote_addr = std::nullopt;
  int family = AF_UNSPEC;
  int proto = 0;
  int flags = 0;  // AI_* for getaddrinfo
  bool reuse_port = false;
  bool allow_broadcast = false;
  // AF_UNIX endpoints (family = AF_UNIX): socket file paths in place of
  // local_addr / remote_addr. A stale socket file at local_path is
  // removed before binding, as asyncio does.
  std::optional<std::string> local_path = std::nullopt;
  std::optional<std::string> remote_path = std::nullopt;
};

// sock_sendfile's / sendfile's arguments (asyncio's defaults): from byte
// `offset` of the file, `count` bytes (nullopt: to the end); fallback
// false raises SendfileNotAvailableError where os.sendfile cannot be used.
struct SendfileOptions {
  int64_t offset = 0;
  std::optional<int64_t> count = std::nullopt;
  bool fallback = true;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SERVER_OPTIONS_H_
