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

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace seedloop {

class BaseProtocol;
class Transport;
class Server;
class DatagramProtocol;
class DatagramTransport;

// asyncio's protocol_factory: a new protocol for each connection.
using ProtocolFactory = std::function<std::shared_ptr<BaseProtocol>()>;

// create_connection's (transport, protocol).
using TransportAndProtocol = std::pair<std::shared_ptr<Transport>, std::shared_ptr<BaseProtocol>>;

// create_connection's keyword arguments (asyncio's defaults).
struct ConnectionOptions {
  int family = AF_UNSPEC;
  int proto = 0;
  int flags = 0;  // AI_* for getaddrinfo
};

// create_server's / create_unix_server's keyword arguments (asyncio's
// defaults: backlog 100, reuse_address on POSIX, start_serving true).
struct ServerOptions {
  int family = AF_UNSPEC;
  int flags = AI_PASSIVE;
  int backlog = 100;
  std::optional<bool> reuse_address;  // nullopt: true (POSIX)
  bool reuse_port = false;
  bool start_serving = true;
};

// create_datagram_endpoint's protocol_factory and (transport, protocol).
using DatagramProtocolFactory = std::function<std::shared_ptr<DatagramProtocol>()>;
using DatagramTransportAndProtocol =
    std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>;

// A (host, port) pair, as asyncio's local_addr / remote_addr tuples.
struct HostPort {
  std::string host;
  int port = 0;
};

// create_datagram_endpoint's keyword arguments (asyncio's defaults).
struct DatagramEndpointOptions {
  std::optional<HostPort> local_addr;
  std::optional<HostPort> remote_addr;
  int family = AF_UNSPEC;
  int proto = 0;
  int flags = 0;  // AI_* for getaddrinfo
  bool reuse_port = false;
  bool allow_broadcast = false;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SERVER_OPTIONS_H_
