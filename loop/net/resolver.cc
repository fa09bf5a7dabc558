// EventLoop: getaddrinfo and getnameinfo, on the default executor as
// asyncio's BaseEventLoop.getaddrinfo / getnameinfo run socket.getaddrinfo
// there (run_in_executor(None, ...)), through the backend's SocketOps.

#include <string>
#include <utility>
#include <vector>

#include "loop/event_loop.h"
#include "loop/net/status_error.h"

namespace seedloop {

Coro<std::vector<AddrInfo>> EventLoop::getaddrinfo(std::string host, std::string port, AddrInfoHints hints) {
  SocketOps* sockets = backend_.sockets.get();
  Future<std::vector<AddrInfo>> found =
      run_in_executor(nullptr, [sockets, host = std::move(host), port = std::move(port), hints] {
        absl::StatusOr<std::vector<AddrInfo>> infos = sockets->getaddrinfo(host, port, hints);
        if (!infos.ok()) internal::raise_status(infos.status());
        return std::move(infos).value();
      });
  std::vector<AddrInfo> result = co_await found;
  co_return result;
}

Coro<std::vector<AddrInfo>> EventLoop::getaddrinfo(std::string host, int port, AddrInfoHints hints) {
  Coro<std::vector<AddrInfo>> inner = getaddrinfo(std::move(host), std::to_string(port), hints);
  std::vector<AddrInfo> result = co_await std::move(inner);
  co_return result;
}

Coro<NameInfo> EventLoop::getnameinfo(SockAddr address, int flags) {
  SocketOps* sockets = backend_.sockets.get();
  Future<NameInfo> named = run_in_executor(nullptr, [sockets, address, flags] {
    absl::StatusOr<NameInfo> info = sockets->getnameinfo(address, flags);
    if (!info.ok()) internal::raise_status(info.status());
    return std::move(info).value();
  });
  NameInfo result = co_await named;
  co_return result;
}

}  // namespace seedloop
