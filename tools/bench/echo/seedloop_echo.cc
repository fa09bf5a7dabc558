// seedloop_echo: the echo workload (echo_params.h) on seedloop's loop, real
// epoll backend, in the style that exists today: loop.sock_recv_into /
// sock_sendall / sock_accept / sock_connect coroutines on non-blocking
// sockets (loop/net/sock_methods.cc; asyncio_echo.py --style=sock is the
// same code on asyncio and uvloop). The Protocol (callback) and streams
// styles of issue 8 come with the transports.
//
//   seedloop_echo [--connections=32 --round_trips=5000 --payload=64]
//   -> seedloop sock_coroutine round_trips_per_s: N
//
// One thread: everything runs in run_until_complete. Each server connection
// and each client is a task; the clock starts when every client is
// connected and stops when the last one has its last reply.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "tools/bench/echo/echo_params.h"

namespace seedloop {
namespace {

template <typename T>
T checked(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    std::fprintf(stderr, "seedloop_echo: %s: %s\n", what, value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}

void checked(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "seedloop_echo: %s: %s\n", what, status.ToString().c_str());
    std::exit(1);
  }
}

// Echoes until the client closes, then closes its end.
Coro<void> serve(EventLoop& loop, int fd) {
  std::vector<char> buffer(ECHO_MAX_PAYLOAD);
  for (;;) {
    Coro<size_t> receiving = loop.sock_recv_into(fd, absl::MakeSpan(buffer));
    const size_t n = co_await std::move(receiving);
    if (n == 0) break;
    Coro<void> sending = loop.sock_sendall(fd, std::string(buffer.data(), n));
    co_await std::move(sending);
  }
  checked(loop.socket_ops().close(fd), "close");
}

Coro<void> accept_all(EventLoop& loop, int listener, int count, std::vector<Task<void>>* servers) {
  for (int i = 0; i < count; ++i) {
    Coro<Accepted> accepting = loop.sock_accept(listener);
    Accepted conn = co_await std::move(accepting);
    checked(loop.socket_ops().setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, 1), "setsockopt");
    servers->push_back(loop.create_task(serve(loop, conn.fd)));
  }
}

Coro<void> client(EventLoop& loop, int fd, const EchoParams& params, const std::string& payload) {
  std::vector<char> buffer(ECHO_MAX_PAYLOAD);
  for (int i = 0; i < params.round_trips; ++i) {
    Coro<void> sending = loop.sock_sendall(fd, payload);
    co_await std::move(sending);
    size_t got = 0;
    while (got < payload.size()) {
      Coro<size_t> receiving = loop.sock_recv_into(fd, absl::MakeSpan(buffer));
      const size_t n = co_await std::move(receiving);
      if (n == 0) {
        std::fprintf(stderr, "seedloop_echo: the server closed early\n");
        std::exit(1);
      }
      got += n;
    }
  }
  checked(loop.socket_ops().close(fd), "close");
}

// Returns the seconds the round trips took.
Coro<double> run(EventLoop& loop, EchoParams params) {
  SocketOps& ops = loop.socket_ops();
  const std::string payload(static_cast<size_t>(params.payload), 'x');
  const int listener = checked(ops.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), "socket");
  checked(ops.bind(listener, checked(SockAddr::ip("127.0.0.1", 0), "address")), "bind");
  checked(ops.listen(listener, 1024), "listen");
  const SockAddr address = checked(ops.getsockname(listener), "getsockname");

  std::vector<Task<void>> servers;
  Task<void> accepting = loop.create_task(accept_all(loop, listener, params.connections, &servers));
  std::vector<int> client_fds;
  for (int i = 0; i < params.connections; ++i) {
    const int fd = checked(ops.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), "socket");
    Coro<void> connecting = loop.sock_connect(fd, address);
    co_await std::move(connecting);
    checked(ops.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1), "setsockopt");
    client_fds.push_back(fd);
  }
  const double start_s = echo_now_s();
  std::vector<Task<void>> clients;
  for (int fd : client_fds) clients.push_back(loop.create_task(client(loop, fd, params, payload)));
  for (Task<void>& c : clients) co_await c;
  const double elapsed_s = echo_now_s() - start_s;
  co_await accepting;
  for (Task<void>& s : servers) co_await s;
  checked(ops.close(listener), "close");
  co_return elapsed_s;
}

}  // namespace
}  // namespace seedloop

int main(int argc, char** argv) {
  const EchoParams params = echo_parse_params(argc, argv);
  auto loop = seedloop::new_event_loop();
  const double elapsed_s = loop->run_until_complete(seedloop::run(*loop, params));
  loop->close();
  echo_report("seedloop", "sock_coroutine", &params, elapsed_s);
  return 0;
}
