#include "loop/net/server.h"

#include <sys/socket.h>

#include <cassert>
#include <cerrno>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "loop/aio/sleep.h"
#include "loop/errors.h"
#include "loop/net/socket_transport.h"
#include "loop/net/ssl_protocol.h"
#include "loop/net/status_error.h"

namespace seedloop {

std::shared_ptr<Server> Server::create(EventLoop& loop, std::vector<int> sockets, ProtocolFactory factory,
                                       int backlog, ServerTls tls) {
  std::shared_ptr<Server> server(new Server(loop, std::move(sockets), std::move(factory), backlog));
  server->tls_ = std::move(tls);
  return server;
}

Server::Server(EventLoop& loop, std::vector<int> sockets, ProtocolFactory factory, int backlog)
    : loop_(&loop), sockets_(std::move(sockets)), factory_(std::move(factory)), backlog_(backlog) {}

Server::~Server() {
  close();
  for (TimerHandle& timer : retry_timers_) timer.cancel();
}

std::string Server::repr() const {
  std::vector<std::string> names;
  SocketOps& ops = loop_->socket_ops();
  for (int fd : sockets()) {
    // trsock.TransportSocket's repr
    std::string text = absl::StrFormat("<asyncio.TransportSocket fd=%d", fd);
    absl::StatusOr<SockAddr> name = ops.getsockname(fd);
    if (name.ok()) {
      absl::StatusOr<int> type = ops.getsockopt(fd, SOL_SOCKET, SO_TYPE);
      absl::StatusOr<int> proto = ops.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL);
      absl::StrAppendFormat(&text, ", family=%d, type=%d, proto=%d, laddr=%s", name->family(), type.value_or(0),
                            proto.value_or(0), name->family() == AF_UNIX ? "'" + name->to_string() + "'" : name->to_string());
    }
    names.push_back(text + ">");
  }
  return "<Server sockets=(" + absl::StrJoin(names, ", ") + (names.size() == 1 ? ",)>" : ")>");
}

void Server::attach() {
  assert(sockets_.has_value() && "attach to a closed server");
  ++active_count_;
}

void Server::detach() {
  assert(active_count_ > 0 && "detach without attach");
  --active_count_;
  if (active_count_ == 0 && !sockets_) wakeup();
}

void Server::wakeup() {
  if (!waiters_) return;
  std::vector<Future<void>> waiters = std::move(*waiters_);
  waiters_.reset();
  for (Future<void>& waiter : waiters) {
    if (!waiter.done()) waiter.set_result();
  }
}

void Server::start_serving_now() {
  if (serving_) return;
  serving_ = true;
  SocketOps& ops = loop_->socket_ops();
  for (int fd : *sockets_) {
    absl::Status listening = ops.listen(fd, backlog_);
    if (!listening.ok()) internal::raise_status(listening);
    loop_->add_reader(fd, [this, fd] { accept_connections(fd); });
  }
}

void Server::close() {
  if (!sockets_) return;
  std::vector<int> sockets = std::move(*sockets_);
  sockets_.reset();
  for (int fd : sockets) {
    // BaseSelectorEventLoop._stop_serving
    loop_->remove_reader(fd);
    (void)loop_->socket_ops().close(fd);
  }
  serving_ = false;
  if (serving_forever_fut_ && !serving_forever_fut_->done()) {
    serving_forever_fut_->cancel();
    serving_forever_fut_.reset();
  }
  if (active_count_ == 0) wakeup();
}

Coro<void> Server::start_serving() {
  start_serving_now();
  co_await sleep(0);
}

Coro<void> Server::serve_forever() {
  if (serving_forever_fut_) throw RuntimeError("server " + repr() + " is already being awaited on serve_forever()");
  if (!sockets_) throw RuntimeError("server " + repr() + " is closed");
  start_serving_now();
  Future<void> forever = loop_->create_future();
  serving_forever_fut_ = forever;
  bool cancelled = false;
  std::exception_ptr failure;
  try {
    co_await forever;
  } catch (const CancelledError&) {
    cancelled = true;
    failure = std::current_exception();
  } catch (...) {
    failure = std::current_exception();
  }
  // the finally clause (after the cleanup below, in CPython's order)
  if (cancelled) {
    close();
    Coro<void> waiting = wait_closed();
    try {
      co_await std::move(waiting);
    } catch (...) {
      serving_forever_fut_.reset();
      throw;
    }
  }
  serving_forever_fut_.reset();
  if (failure) std::rethrow_exception(failure);
}

Coro<void> Server::wait_closed() {
  // 3.11: `if self._sockets is None or self._waiters is None: return`.
  if (!sockets_ || !waiters_) co_return;
  Future<void> waiter = loop_->create_future();
  waiters_->push_back(waiter);
  co_await waiter;
}

// BaseSelectorEventLoop._accept_connection.
void Server::accept_connections(int fd) {
  SocketOps& ops = loop_->socket_ops();
  for (int i = 0; i < backlog_; ++i) {
    absl::StatusOr<Accepted> conn = ops.accept(fd);
    if (!conn.ok()) {
      const int err = errno_of(conn.status());
      if (internal::is_blocking_io(conn.status()) || err == ECONNABORTED) return;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        ExceptionContext context;
        context.message = "socket.accept() out of system resource";
        context.exception = internal::exception_from_status(conn.status());
        context.extra["socket"] = "<socket fd=" + std::to_string(fd) + ">";
        loop_->call_exception_handler(context);
        loop_->remove_reader(fd);
        retry_timers_.push_back(loop_->call_later(kAcceptRetryDelayS, [this, fd] {
          if (!sockets_) return;
          loop_->add_reader(fd, [this, fd] { accept_connections(fd); });
        }));
        return;
      }
      internal::raise_status(conn.status());  // the loop reports it
    }
    loop_->create_task(accept_connection2(shared_from_this(), *std::move(conn)));
  }
}

// BaseSelectorEventLoop._accept_connection2.
Coro<void> Server::accept_connection2(std::shared_ptr<Server> self, Accepted conn) {
  EventLoop& loop = *self->loop_;
  std::shared_ptr<BaseProtocol> protocol;
  std::shared_ptr<Transport> transport;
  std::exception_ptr failure;
  try {
    protocol = self->factory_();
    if (!protocol) throw TypeError("protocol_factory() returned no protocol");
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) {
    Future<void> waiter = loop.create_future();
    SocketTransport::Options options;
    options.waiter = waiter;
    options.server = self;
    options.peername = conn.address;
    try {
      if (self->tls_.ssl) {
        transport = internal::make_ssl_transport(loop, conn.fd, protocol, self->tls_.ssl, waiter,
                                                 internal::server_ssl_options(self->tls_), std::move(options));
      } else {
        transport = SocketTransport::create(loop, conn.fd, protocol, std::move(options));
      }
      co_await waiter;
    } catch (...) {
      failure = std::current_exception();
      if (transport) transport->close();
    }
  } else {
    (void)loop.socket_ops().close(conn.fd);  // CPython leaves it to the GC
  }
  if (!failure) co_return;
  if (is_exit_exception(failure)) std::rethrow_exception(failure);
  if (loop.get_debug()) {
    ExceptionContext context;
    context.message = "Error on transport creation for incoming connection";
    context.exception = failure;
    if (auto* socket = dynamic_cast<SocketTransport*>(transport.get())) context.extra["transport"] = socket->repr();
    loop.call_exception_handler(context);
  }
}

}  // namespace seedloop
