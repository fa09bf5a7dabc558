// Server: asyncio.Server (CPython 3.11 Lib/asyncio/base_events.py), the
// listening sockets create_server / create_unix_server made, and the
// accepting of connections on them (BaseSelectorEventLoop._accept_connection).
//
//   std::shared_ptr<Server> server = co_await loop.create_server(factory, "127.0.0.1", 0);
//   SockAddr where = *loop.socket_ops().getsockname(server->sockets()[0]);
//   Coro<void> forever = server->serve_forever();   // until cancelled
//   ...
//   server->close();
//   co_await server->wait_closed();
//
// Each accepted connection gets a protocol from the factory and a
// SocketTransport, made in a task of its own as asyncio does
// (_accept_connection2). At most `backlog` connections are accepted per
// readiness. Out of file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM) the
// server reports "socket.accept() out of system resource" to the exception
// handler and stops accepting for one second.
//
// wait_closed follows 3.11 exactly: it waits only if called while the
// server is open, and then until close() has been called and every
// connection the server accepted has been lost. (Called after close() it
// returns at once: CPython 3.12 changed that.)
//
// RAII: destroying the Server closes it (its listening sockets; the
// accepted connections stay open). Each open transport it accepted keeps
// it alive. A Server must be destroyed before its loop's EventLoop object.
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_SERVER_H_
#define SEEDLOOP_LOOP_NET_SERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/net/server_options.h"

namespace seedloop {

class Server : public std::enable_shared_from_this<Server> {
 public:
  // asyncio's constants.ACCEPT_RETRY_DELAY.
  static constexpr double kAcceptRetryDelayS = 1.0;

  // Takes the (bound, non-blocking) sockets; they listen once serving
  // starts. Most code gets a Server from create_server. `tls.ssl` set:
  // each accepted connection is TLS (loop/net/ssl_protocol.h).
  static std::shared_ptr<Server> create(EventLoop& loop, std::vector<int> sockets, ProtocolFactory factory,
                                        int backlog, ServerTls tls = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  EventLoop* get_loop() const { return loop_; }
  bool is_serving() const { return serving_; }
  // The listening fds; empty once closed.
  std::vector<int> sockets() const { return sockets_ ? *sockets_ : std::vector<int>(); }

  // Stops listening and closes the listening sockets; cancels
  // serve_forever. Connections already accepted stay open.
  void close();
  // Starts accepting (if not already), then yields one iteration.
  Coro<void> start_serving();
  // Accepts until cancelled; then closes and waits as wait_closed does,
  // and raises the CancelledError. RuntimeError if already awaited
  // ("server <Server sockets=(...)> is already being awaited on
  // serve_forever()") or closed ("server ... is closed").
  Coro<void> serve_forever();
  Coro<void> wait_closed();

  std::string repr() const;

  // Transport bookkeeping (Server._attach / _detach).
  void attach();
  void detach();
  // Server._start_serving: listen and watch each socket.
  void start_serving_now();

 private:
  Server(EventLoop& loop, std::vector<int> sockets, ProtocolFactory factory, int backlog);
  void accept_connections(int fd);
  Coro<void> accept_connection2(std::shared_ptr<Server> self, Accepted conn);
  void wakeup();

  EventLoop* loop_;
  std::optional<std::vector<int>> sockets_;  // nullopt once closed
  ProtocolFactory factory_;
  int backlog_;
  ServerTls tls_;
  int active_count_ = 0;
  std::optional<std::vector<Future<void>>> waiters_{std::in_place};  // nullopt once woken
  bool serving_ = false;
  std::optional<Future<void>> serving_forever_fut_;
  std::vector<TimerHandle> retry_timers_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SERVER_H_
