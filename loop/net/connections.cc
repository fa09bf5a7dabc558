// EventLoop: create_connection, create_server, create_unix_connection,
// create_unix_server, connect_accepted_socket, after CPython 3.11's
// base_events.py and unix_events.py (texts included). Sockets are made and
// configured through SocketOps only.
//
// create_unix_server removes a stale socket file at the path first
// (loop/net/stale_unix_socket.h) and, as 3.11 does, leaves the file in
// place when the server closes. One difference from CPython: the socket
// of a failing protocol_factory is closed at once rather than left to the
// garbage collector.

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "loop/aio/sleep.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/net/internal/connection_made.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "loop/net/socket_transport.h"
#include "loop/net/ssl_protocol.h"
#include "loop/net/stale_unix_socket.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// Python's repr() of a str: 'text'.
std::string py_repr(const std::string& s) { return "'" + s + "'"; }

// The sockets made so far, closed unless release()d (the `finally: if not
// completed: sock.close()` of create_server).
class SocketsGuard {
 public:
  explicit SocketsGuard(SocketOps& ops) : ops_(ops) {}
  ~SocketsGuard() {
    for (int fd : fds_) (void)ops_.close(fd);
  }
  void add(int fd) { fds_.push_back(fd); }
  std::vector<int> release() { return std::exchange(fds_, {}); }

 private:
  SocketOps& ops_;
  std::vector<int> fds_;
};

void check(const absl::Status& status) {
  if (!status.ok()) internal::raise_status(status);
}

// base_events._ipaddr_info: a numeric host needs no getaddrinfo.
std::optional<AddrInfo> numeric_addr_info(const std::string& host, int port, const AddrInfoHints& hints) {
  if (host.empty() || (hints.type != SOCK_STREAM && hints.type != SOCK_DGRAM)) return std::nullopt;
  absl::StatusOr<SockAddr> address = SockAddr::ip(host, port);
  if (!address.ok()) return std::nullopt;
  if (hints.family != AF_UNSPEC && hints.family != address->family()) return std::nullopt;
  const int proto = hints.type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  if (hints.proto != 0 && hints.proto != proto) return std::nullopt;
  AddrInfo info;
  info.family = address->family();
  info.type = hints.type;
  info.proto = proto;
  info.address = *address;
  return info;
}

}  // namespace

Coro<std::vector<AddrInfo>> EventLoop::ensure_resolved(std::string host, int port, AddrInfoHints hints) {
  if (std::optional<AddrInfo> info = numeric_addr_info(host, port, hints)) co_return std::vector<AddrInfo>{*info};
  Coro<std::vector<AddrInfo>> resolving = getaddrinfo(std::move(host), port, hints);
  std::vector<AddrInfo> infos = co_await std::move(resolving);
  co_return infos;
}

// base_events._create_connection_transport.
Coro<TransportAndProtocol> EventLoop::create_connection_transport(int fd, ProtocolFactory factory,
                                                                  ConnectionOptions tls) {
  std::shared_ptr<BaseProtocol> protocol;
  try {
    check(socket_ops().set_blocking(fd, Blocking::kNonBlocking));
    protocol = factory();
    if (!protocol) throw TypeError("protocol_factory() returned no protocol");
  } catch (...) {
    (void)socket_ops().close(fd);
    throw;
  }
  Future<void> waiter = create_future();
  SocketTransport::Options options;
  options.waiter = waiter;
  std::shared_ptr<Transport> transport =
      tls.ssl ? internal::make_ssl_transport(*this, fd, protocol, tls.ssl, waiter, internal::client_ssl_options(tls), {})
              : SocketTransport::create(*this, fd, protocol, std::move(options));
  Coro<void> made = internal::wait_connection_made(waiter, [transport] { transport->close(); });
  co_await std::move(made);
  co_return TransportAndProtocol(transport, protocol);
}

Coro<TransportAndProtocol> EventLoop::create_connection(ProtocolFactory factory, std::string host, int port,
                                                       ConnectionOptions options) {
  internal::check_tls_options(host, &options);
  // "If using happy eyeballs, default to interleave addresses by family."
  if (options.happy_eyeballs_delay && !options.interleave) options.interleave = 1;
  int fd = -1;
  if (!host.empty() || port != 0) {
    if (options.sock) throw ValueError("host/port and sock can not be specified at the same time");
    const AddrInfoHints hints{.family = options.family, .type = SOCK_STREAM, .proto = options.proto,
                              .flags = options.flags};
    Coro<std::vector<AddrInfo>> resolving = ensure_resolved(host, port, hints);
    std::vector<AddrInfo> infos = co_await std::move(resolving);
    if (infos.empty()) throw OSError(0, "getaddrinfo() returned empty list");
    std::optional<std::vector<AddrInfo>> local_infos;
    if (options.local_addr) {
      Coro<std::vector<AddrInfo>> resolving_local = ensure_resolved(options.local_addr->host, options.local_addr->port, hints);
      local_infos = co_await std::move(resolving_local);
      if (local_infos->empty()) throw OSError(0, "getaddrinfo() returned empty list");
    }
    Coro<int> connecting = connect_first(std::move(infos), std::move(local_infos), options);
    fd = co_await std::move(connecting);
  } else {
    if (!options.sock) throw ValueError("host and port was not specified and no sock specified");
    absl::StatusOr<int> type = socket_ops().getsockopt(*options.sock, SOL_SOCKET, SO_TYPE);
    if (!type.ok()) internal::raise_status(type.status());
    if (*type != SOCK_STREAM) {
      throw ValueError("A Stream Socket was expected, got <socket fd=" + std::to_string(*options.sock) + ">");
    }
    fd = *options.sock;
  }
  Coro<TransportAndProtocol> making = create_connection_transport(fd, std::move(factory), std::move(options));
  TransportAndProtocol result = co_await std::move(making);
  co_return result;
}

Coro<std::shared_ptr<Server>> EventLoop::create_server(ProtocolFactory factory, std::string host, int port,
                                                      ServerOptions options) {
  internal::check_tls_options(options);
  if (options.sock) {
    if (!host.empty() || port != 0) throw ValueError("host/port and sock can not be specified at the same time");
    absl::StatusOr<int> type = socket_ops().getsockopt(*options.sock, SOL_SOCKET, SO_TYPE);
    if (!type.ok()) internal::raise_status(type.status());
    if (*type != SOCK_STREAM) {
      throw ValueError("A Stream Socket was expected, got <socket fd=" + std::to_string(*options.sock) + ">");
    }
    check(socket_ops().set_blocking(*options.sock, Blocking::kNonBlocking));
    Coro<std::shared_ptr<Server>> finishing = finish_server({*options.sock}, std::move(factory), options);
    std::shared_ptr<Server> server = co_await std::move(finishing);
    co_return server;
  }
  Coro<std::shared_ptr<Server>> creating =
      create_server(std::move(factory), std::vector<std::string>{std::move(host)}, port, std::move(options));
  std::shared_ptr<Server> server = co_await std::move(creating);
  co_return server;
}

Coro<std::shared_ptr<Server>> EventLoop::create_server(ProtocolFactory factory, std::vector<std::string> hosts,
                                                      int port, ServerOptions options) {
  internal::check_tls_options(options);
  if (options.sock) throw ValueError("host/port and sock can not be specified at the same time");
  // `infos = set(chain(*gather(...)))`: duplicates dropped; the hosts' and
  // getaddrinfo's order kept where Python's set order is arbitrary.
  std::vector<AddrInfo> infos;
  for (const std::string& host : hosts) {
    Coro<std::vector<AddrInfo>> resolving =
        ensure_resolved(host, port, {.family = options.family, .type = SOCK_STREAM, .flags = options.flags});
    std::vector<AddrInfo> found = co_await std::move(resolving);
    if (found.empty()) {
      throw OSError(0, "getaddrinfo(" + (host.empty() ? "None" : py_repr(host)) + ") returned empty list");
    }
    for (const AddrInfo& info : found) {
      if (std::none_of(infos.begin(), infos.end(), [&](const AddrInfo& seen) {
            return seen.family == info.family && seen.type == info.type && seen.proto == info.proto &&
                   seen.address == info.address;
          })) {
        infos.push_back(info);
      }
    }
  }
  SocketOps& ops = socket_ops();
  SocketsGuard sockets(ops);
  const bool reuse_address = options.reuse_address.value_or(true);
  for (const AddrInfo& info : infos) {
    absl::StatusOr<int> fd = ops.socket(info.family, info.type | SOCK_NONBLOCK, info.proto);
    if (!fd.ok()) continue;  // "Assume it's a bad family/type/protocol combination."
    sockets.add(*fd);
    if (reuse_address) check(ops.setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, 1));
    if (options.reuse_port) check(ops.setsockopt(*fd, SOL_SOCKET, SO_REUSEPORT, 1));
    // No dual stack: an AF_INET6 socket listens on IPv6 only.
    if (info.family == AF_INET6) check(ops.setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, 1));
    absl::Status bound = ops.bind(*fd, info.address);
    if (!bound.ok()) {
      const int err = errno_of(bound);
      std::string reason = std::strerror(err);
      std::transform(reason.begin(), reason.end(), reason.begin(), [](unsigned char c) { return std::tolower(c); });
      std::rethrow_exception(make_os_error(
          err, "error while attempting to bind on address " + info.address.to_string() + ": " + reason));
    }
  }
  Coro<std::shared_ptr<Server>> finishing = finish_server(sockets.release(), std::move(factory), options);
  std::shared_ptr<Server> server = co_await std::move(finishing);
  co_return server;
}

Coro<std::shared_ptr<Server>> EventLoop::finish_server(std::vector<int> sockets, ProtocolFactory factory,
                                                      const ServerOptions& options) {
  std::shared_ptr<Server> server =
      Server::create(*this, std::move(sockets), std::move(factory), options.backlog,
                     ServerTls{options.ssl, options.ssl_handshake_timeout, options.ssl_shutdown_timeout});
  if (options.start_serving) {
    server->start_serving_now();
    co_await sleep(0);  // "so that all 'loop.add_reader' go through"
  }
  co_return server;
}

Coro<TransportAndProtocol> EventLoop::create_unix_connection(ProtocolFactory factory, std::string path) {
  absl::StatusOr<SockAddr> address = SockAddr::unix_path(path);
  if (!address.ok()) throw OSError(0, "AF_UNIX path too long");
  absl::StatusOr<int> fd = socket_ops().socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (!fd.ok()) internal::raise_status(fd.status());
  std::exception_ptr failure;
  try {
    Coro<void> connecting = sock_connect(*fd, *address);
    co_await std::move(connecting);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    (void)socket_ops().close(*fd);
    std::rethrow_exception(failure);
  }
  Coro<TransportAndProtocol> making = create_connection_transport(*fd, std::move(factory));
  TransportAndProtocol result = co_await std::move(making);
  co_return result;
}

Coro<std::shared_ptr<Server>> EventLoop::create_unix_server(ProtocolFactory factory, std::string path,
                                                           ServerOptions options) {
  SocketOps& ops = socket_ops();
  if (options.sock) {
    if (!path.empty()) throw ValueError("path and sock can not be specified at the same time");
    absl::StatusOr<SockAddr> name = ops.getsockname(*options.sock);
    absl::StatusOr<int> type = ops.getsockopt(*options.sock, SOL_SOCKET, SO_TYPE);
    if (!name.ok() || !type.ok() || name->family() != AF_UNIX || *type != SOCK_STREAM) {
      throw ValueError("A UNIX Domain Stream Socket was expected, got <socket fd=" + std::to_string(*options.sock) +
                       ">");
    }
    check(ops.set_blocking(*options.sock, Blocking::kNonBlocking));
    Coro<std::shared_ptr<Server>> finishing = finish_server({*options.sock}, std::move(factory), options);
    std::shared_ptr<Server> server = co_await std::move(finishing);
    co_return server;
  }
  if (path.empty()) throw ValueError("path was not specified, and no sock specified");
  absl::StatusOr<SockAddr> address = SockAddr::unix_path(path);
  if (!address.ok()) throw OSError(0, "AF_UNIX path too long");
  absl::StatusOr<int> fd = ops.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (!fd.ok()) internal::raise_status(fd.status());
  SocketsGuard sockets(ops);
  sockets.add(*fd);
  internal::remove_stale_unix_socket(*this, path);
  absl::Status bound = ops.bind(*fd, *address);
  if (!bound.ok()) {
    if (errno_of(bound) == EADDRINUSE) {
      std::rethrow_exception(make_os_error(EADDRINUSE, "Address " + py_repr(path) + " is already in use"));
    }
    internal::raise_status(bound);
  }
  Coro<std::shared_ptr<Server>> finishing = finish_server(sockets.release(), std::move(factory), options);
  std::shared_ptr<Server> server = co_await std::move(finishing);
  co_return server;
}

Coro<TransportAndProtocol> EventLoop::connect_accepted_socket(ProtocolFactory factory, int fd) {
  absl::StatusOr<int> type = socket_ops().getsockopt(fd, SOL_SOCKET, SO_TYPE);
  if (!type.ok()) internal::raise_status(type.status());
  if (*type != SOCK_STREAM) {
    throw ValueError("A Stream Socket was expected, got <socket fd=" + std::to_string(fd) + ">");
  }
  Coro<TransportAndProtocol> making = create_connection_transport(fd, std::move(factory));
  TransportAndProtocol result = co_await std::move(making);
  co_return result;
}

}  // namespace seedloop
