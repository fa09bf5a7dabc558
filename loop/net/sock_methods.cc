// EventLoop: asyncio's low-level socket methods (loop.sock_recv,
// sock_recv_into, sock_sendall, sock_connect, sock_accept, and 3.11's
// sock_recvfrom, sock_recvfrom_into, sock_sendto), after CPython
// 3.11's Lib/asyncio/selector_events.py. Every call goes through the
// backend's SocketOps; nothing here talks to the operating system.
//
// The shape of each (BaseSelectorEventLoop.sock_recv and friends): try the
// call at once; if it would block (BlockingIOError, InterruptedError), make
// a future, watch the fd with a callback that retries the call, and await
// the future. When the future is done, for whatever reason (a result, an
// error, or the awaiting task's cancellation), a done callback stops the
// watch, unless the watch was replaced meanwhile (_sock_read_done /
// _sock_write_done check `handle.cancelled()`).
//
// Not yet here: _ensure_fd_no_transport (there are no transports yet) and
// sock_connect's name resolution (it takes a resolved SockAddr).
// sock_sendfile is in loop/net/sendfile.cc.

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include "loop/event_loop.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// The watch callback of sock_recvfrom / sock_recvfrom_into: retries
// `attempt` (nullopt: it would block again) on every readiness until
// `future` is done, then settles it with the result or what it raised.
template <typename T, typename Attempt>
auto settle_when_received(Future<T> future, Attempt attempt) {
  return [future, attempt] {
    if (future.done()) return;
    try {
      if (std::optional<T> got = attempt()) future.set_result(*std::move(got));
    } catch (...) {
      future.set_exception(std::current_exception());
    }
  };
}

}  // namespace

void EventLoop::watch_until_done(int fd, IoEventMask which, Callback attempt, FutureBase& future) {
  Handle handle = watch_fd(fd, which, std::move(attempt));
  future.add_done_callback(
      [this, fd, which, handle](FutureBase&) {
        if (!handle.cancelled()) unwatch_fd(fd, which);
      },
      internal::ContextBinding::current());
}

// selector_events.py: `if self._debug and sock.gettimeout() != 0: raise
// ValueError("the socket must be non-blocking")`.
void EventLoop::check_nonblocking_in_debug(int fd) {
  if (!debug_) return;
  absl::StatusOr<Blocking> mode = backend_.sockets->get_blocking(fd);
  if (!mode.ok()) internal::raise_status(mode.status());
  if (*mode != Blocking::kNonBlocking) throw ValueError("the socket must be non-blocking");
}

Coro<std::string> EventLoop::sock_recv(int fd, size_t nbytes) {
  check_nonblocking_in_debug(fd);
  std::string data(nbytes, '\0');
  absl::StatusOr<size_t> got = backend_.sockets->recv(fd, absl::MakeSpan(data));
  if (got.ok()) {
    data.resize(*got);
    co_return data;
  }
  if (!internal::is_blocking_io(got.status())) internal::raise_status(got.status());
  Future<std::string> future = create_future<std::string>();
  // _sock_recv: retried on every readiness until the future is done.
  watch_until_done(
      fd, kReadable,
      [this, future, fd, nbytes] {
        if (future.done()) return;
        std::string buffer(nbytes, '\0');
        absl::StatusOr<size_t> n = backend_.sockets->recv(fd, absl::MakeSpan(buffer));
        if (n.ok()) {
          buffer.resize(*n);
          future.set_result(std::move(buffer));
        } else if (!internal::is_blocking_io(n.status())) {
          future.set_exception(internal::exception_from_status(n.status()));
        }
      },
      *future.base());
  std::string result = co_await future;
  co_return result;
}

Coro<size_t> EventLoop::sock_recv_into(int fd, absl::Span<char> buffer) {
  check_nonblocking_in_debug(fd);
  absl::StatusOr<size_t> got = backend_.sockets->recv(fd, buffer);
  if (got.ok()) co_return *got;
  if (!internal::is_blocking_io(got.status())) internal::raise_status(got.status());
  Future<size_t> future = create_future<size_t>();
  watch_until_done(
      fd, kReadable,
      [this, future, fd, buffer] {
        if (future.done()) return;
        absl::StatusOr<size_t> n = backend_.sockets->recv(fd, buffer);
        if (n.ok()) {
          future.set_result(*n);
        } else if (!internal::is_blocking_io(n.status())) {
          future.set_exception(internal::exception_from_status(n.status()));
        }
      },
      *future.base());
  size_t result = co_await future;
  co_return result;
}

Coro<void> EventLoop::sock_sendall(int fd, std::string data) {
  check_nonblocking_in_debug(fd);
  size_t sent = 0;
  absl::StatusOr<size_t> n = backend_.sockets->send(fd, absl::MakeConstSpan(data));
  if (n.ok()) {
    sent = *n;
  } else if (!internal::is_blocking_io(n.status())) {
    internal::raise_status(n.status());
  }
  if (sent == data.size()) co_return;
  Future<void> future = create_future<void>();
  // _sock_sendall: sends the rest on every writability until all is sent.
  watch_until_done(
      fd, kWritable,
      [this, future, fd, data = std::move(data), sent]() mutable {
        if (future.done()) return;
        absl::StatusOr<size_t> more = backend_.sockets->send(fd, absl::MakeConstSpan(data).subspan(sent));
        if (!more.ok()) {
          if (!internal::is_blocking_io(more.status())) {
            future.set_exception(internal::exception_from_status(more.status()));
          }
          return;
        }
        sent += *more;
        if (sent == data.size()) future.set_result();
      },
      *future.base());
  co_await future;
}

Coro<void> EventLoop::sock_connect(int fd, SockAddr address) {
  check_nonblocking_in_debug(fd);
  absl::Status started = backend_.sockets->connect(fd, address);
  if (started.ok()) co_return;
  if (!internal::is_blocking_io(started)) internal::raise_status(started);
  Future<void> future = create_future<void>();
  // _sock_connect_cb: once writable, SO_ERROR tells how the connect ended.
  watch_until_done(
      fd, kWritable,
      [this, future, fd, address] {
        if (future.done()) return;
        absl::StatusOr<int> err = backend_.sockets->getsockopt(fd, SOL_SOCKET, SO_ERROR);
        if (!err.ok()) {
          if (!internal::is_blocking_io(err.status())) {
            future.set_exception(internal::exception_from_status(err.status()));
          }
        } else if (*err != 0) {
          // raise OSError(err, f'Connect call failed {address}')
          future.set_exception(make_os_error(*err, "Connect call failed " + address.to_string()));
        } else {
          future.set_result();
        }
      },
      *future.base());
  co_await future;
}

Coro<Accepted> EventLoop::sock_accept(int fd) {
  check_nonblocking_in_debug(fd);
  absl::StatusOr<Accepted> accepted = backend_.sockets->accept(fd);
  if (accepted.ok()) co_return *std::move(accepted);
  if (!internal::is_blocking_io(accepted.status())) internal::raise_status(accepted.status());
  Future<Accepted> future = create_future<Accepted>();
  // _sock_accept: the accepted socket is already non-blocking (SocketOps).
  watch_until_done(
      fd, kReadable,
      [this, future, fd] {
        if (future.done()) return;
        absl::StatusOr<Accepted> next = backend_.sockets->accept(fd);
        if (next.ok()) {
          future.set_result(*std::move(next));
        } else if (!internal::is_blocking_io(next.status())) {
          future.set_exception(internal::exception_from_status(next.status()));
        }
      },
      *future.base());
  Accepted result = co_await future;
  co_return result;
}

// ---- Datagram sockets (3.11) ----

Coro<std::pair<std::string, SockAddr>> EventLoop::sock_recvfrom(int fd, size_t bufsize) {
  using Received = std::pair<std::string, SockAddr>;
  check_nonblocking_in_debug(fd);
  // One attempt: nullopt if it would block.
  auto attempt = [this, fd, bufsize]() -> std::optional<Received> {
    std::string data(bufsize, '\0');
    absl::StatusOr<std::pair<size_t, SockAddr>> got = backend_.sockets->recvfrom(fd, absl::MakeSpan(data));
    if (!got.ok()) {
      if (internal::is_blocking_io(got.status())) return std::nullopt;
      internal::raise_status(got.status());
    }
    data.resize(got->first);
    return Received(std::move(data), got->second);
  };
  if (std::optional<Received> now = attempt()) co_return *std::move(now);
  Future<Received> future = create_future<Received>();
  // _sock_recvfrom: retried on every readiness until the future is done.
  watch_until_done(
      fd, kReadable,
      settle_when_received(future, attempt), *future.base());
  Received result = co_await future;
  co_return result;
}

Coro<std::pair<size_t, SockAddr>> EventLoop::sock_recvfrom_into(int fd, absl::Span<char> buffer, size_t nbytes) {
  using Received = std::pair<size_t, SockAddr>;
  check_nonblocking_in_debug(fd);
  if (nbytes == 0) nbytes = buffer.size();
  // socket.recvfrom_into's own check.
  if (nbytes > buffer.size()) throw ValueError("nbytes is greater than the length of the buffer");
  absl::Span<char> into = buffer.subspan(0, nbytes);
  auto attempt = [this, fd, into]() -> std::optional<Received> {
    absl::StatusOr<std::pair<size_t, SockAddr>> got = backend_.sockets->recvfrom(fd, into);
    if (!got.ok()) {
      if (internal::is_blocking_io(got.status())) return std::nullopt;
      internal::raise_status(got.status());
    }
    return *std::move(got);
  };
  if (std::optional<Received> now = attempt()) co_return *std::move(now);
  Future<Received> future = create_future<Received>();
  watch_until_done(
      fd, kReadable,
      settle_when_received(future, attempt), *future.base());
  Received result = co_await future;
  co_return result;
}

Coro<size_t> EventLoop::sock_sendto(int fd, std::string data, SockAddr address) {
  check_nonblocking_in_debug(fd);
  absl::StatusOr<size_t> n = backend_.sockets->sendto(fd, absl::MakeConstSpan(data), address);
  if (n.ok()) co_return *n;
  if (!internal::is_blocking_io(n.status())) internal::raise_status(n.status());
  Future<size_t> future = create_future<size_t>();
  // _sock_sendto: one datagram, sent whole or not at all, once writable.
  watch_until_done(
      fd, kWritable,
      [this, future, fd, data = std::move(data), address] {
        if (future.done()) return;
        absl::StatusOr<size_t> sent = backend_.sockets->sendto(fd, absl::MakeConstSpan(data), address);
        if (sent.ok()) {
          future.set_result(*sent);
        } else if (!internal::is_blocking_io(sent.status())) {
          future.set_exception(internal::exception_from_status(sent.status()));
        }
      },
      *future.base());
  size_t result = co_await future;
  co_return result;
}

}  // namespace seedloop
