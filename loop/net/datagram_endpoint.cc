// EventLoop::create_datagram_endpoint, after CPython 3.11's
// base_events.create_datagram_endpoint (texts included) for the address
// forms (local_addr and/or remote_addr, or a bare family) and the AF_UNIX
// form (local_path and/or remote_path; a stale socket file at local_path
// is removed first). The sock= form is not provided. Sockets are made and
// configured through SocketOps only.

#include <netinet/in.h>
#include <sys/socket.h>

#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/net/datagram_transport.h"
#include "loop/net/internal/connection_made.h"
#include "loop/net/protocols.h"
#include "loop/net/stale_unix_socket.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// One (family, proto) candidate with its local and remote addresses.
struct AddrPair {
  int family = 0;
  int proto = 0;
  std::optional<SockAddr> local;
  std::optional<SockAddr> remote;
};

void check(const absl::Status& status) {
  if (!status.ok()) internal::raise_status(status);
}

}  // namespace

Coro<DatagramTransportAndProtocol> EventLoop::create_datagram_endpoint(DatagramProtocolFactory factory,
                                                                       DatagramEndpointOptions options) {
  std::vector<AddrPair> pairs;
  const bool has_path = options.local_path.value_or("") != "" || options.remote_path.value_or("") != "";
  if (!options.local_addr && !options.remote_addr && !has_path) {
    if (options.family == AF_UNSPEC) throw ValueError("unexpected address family");
    pairs.push_back({.family = options.family, .proto = options.proto});
  } else if (options.family == AF_UNIX) {
    if (options.local_addr || options.remote_addr) throw TypeError("string is expected");
    AddrPair pair{.family = AF_UNIX, .proto = options.proto};
    for (int idx = 0; idx < 2; ++idx) {
      const std::string path = (idx == 0 ? options.local_path : options.remote_path).value_or("");
      if (path.empty()) continue;
      absl::StatusOr<SockAddr> address = SockAddr::unix_path(path);
      if (!address.ok()) throw OSError(0, "AF_UNIX path too long");
      (idx == 0 ? pair.local : pair.remote) = *address;
    }
    if (pair.local) internal::remove_stale_unix_socket(*this, *options.local_path);
    pairs.push_back(pair);
  } else {
    if (has_path) throw TypeError("2-tuple is expected");
    // "join address by (family, protocol)", in getaddrinfo's order.
    std::vector<AddrPair> joined;
    for (int idx = 0; idx < 2; ++idx) {
      const std::optional<HostPort>& addr = idx == 0 ? options.local_addr : options.remote_addr;
      if (!addr) continue;
      Coro<std::vector<AddrInfo>> resolving =
          ensure_resolved(addr->host, addr->port,
                          {.family = options.family, .type = SOCK_DGRAM, .proto = options.proto, .flags = options.flags});
      std::vector<AddrInfo> infos = co_await std::move(resolving);
      if (infos.empty()) throw OSError(0, "getaddrinfo() returned empty list");
      for (const AddrInfo& info : infos) {
        AddrPair* slot = nullptr;
        for (AddrPair& p : joined) {
          if (p.family == info.family && p.proto == info.proto) slot = &p;
        }
        if (slot == nullptr) {
          joined.push_back({.family = info.family, .proto = info.proto});
          slot = &joined.back();
        }
        std::optional<SockAddr>& target = idx == 0 ? slot->local : slot->remote;
        if (!target) target = info.address;
      }
    }
    // Each given address needs an entry for the (family, proto) pair.
    for (const AddrPair& p : joined) {
      if ((options.local_addr && !p.local) || (options.remote_addr && !p.remote)) continue;
      pairs.push_back(p);
    }
    if (pairs.empty()) throw ValueError("can not get address information");
  }

  SocketOps& ops = socket_ops();
  std::vector<std::exception_ptr> exceptions;
  int fd = -1;
  std::optional<SockAddr> r_addr;
  for (const AddrPair& pair : pairs) {
    int sock = -1;
    std::exception_ptr failure;
    bool os_failure = false;
    try {
      absl::StatusOr<int> made = ops.socket(pair.family, SOCK_DGRAM | SOCK_NONBLOCK, pair.proto);
      check(made.status());
      sock = *made;
      if (options.reuse_port) check(ops.setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, 1));
      if (options.allow_broadcast) check(ops.setsockopt(sock, SOL_SOCKET, SO_BROADCAST, 1));
      if (pair.local) check(ops.bind(sock, *pair.local));
    } catch (const OSError&) {
      failure = std::current_exception();
      os_failure = true;
    } catch (...) {
      failure = std::current_exception();
    }
    if (!failure && pair.remote) {
      if (!options.allow_broadcast) {
        try {
          Coro<void> connecting = sock_connect(sock, *pair.remote);
          co_await std::move(connecting);
        } catch (const OSError&) {
          failure = std::current_exception();
          os_failure = true;
        } catch (...) {
          failure = std::current_exception();
        }
      }
      r_addr = pair.remote;
    }
    if (!failure) {
      fd = sock;
      break;
    }
    if (sock >= 0) (void)ops.close(sock);
    r_addr.reset();
    if (!os_failure) std::rethrow_exception(failure);
    exceptions.push_back(failure);
  }
  if (fd < 0) std::rethrow_exception(exceptions.front());

  std::shared_ptr<DatagramProtocol> protocol;
  try {
    protocol = factory();
    if (!protocol) throw TypeError("protocol_factory() returned no protocol");
  } catch (...) {
    (void)ops.close(fd);
    throw;
  }
  Future<void> waiter = create_future();
  std::shared_ptr<DatagramTransport> transport = DatagramTransport::create(*this, fd, protocol, r_addr, waiter);
  Coro<void> made = internal::wait_connection_made(waiter, [transport] { transport->close(); });
  co_await std::move(made);
  co_return DatagramTransportAndProtocol(transport, protocol);
}

}  // namespace seedloop
