#include "loop/real/socket_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_format.h"

namespace seedloop::real {
namespace {

absl::Status errno_status(int err, const char* call, int fd) {
  return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("%s(fd %d)", call, fd)), err);
}

// Runs `call` until it does not fail with EINTR; returns its result.
template <typename F>
auto retry_eintr(F call) {
  for (;;) {
    auto r = call();
    if (r >= 0 || errno != EINTR) return r;
  }
}

}  // namespace

absl::StatusOr<int> RealSocketOps::socket(int family, int type, int proto) {
  const int fd = ::socket(family, type | SOCK_CLOEXEC, proto);
  if (fd < 0) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("socket(%d, %d, %d)", family, type, proto)), err);
  }
  return fd;
}

absl::StatusOr<std::pair<int, int>> RealSocketOps::socketpair(int family, int type, int proto) {
  int fds[2] = {-1, -1};
  if (::socketpair(family, type | SOCK_CLOEXEC, proto, fds) != 0) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("socketpair(%d, %d, %d)", family, type, proto)), err);
  }
  return std::make_pair(fds[0], fds[1]);
}

absl::Status RealSocketOps::bind(int fd, const SockAddr& address) {
  if (::bind(fd, address.data(), address.size()) != 0) return errno_status(errno, "bind", fd);
  return absl::OkStatus();
}

absl::Status RealSocketOps::listen(int fd, int backlog) {
  if (::listen(fd, backlog) != 0) return errno_status(errno, "listen", fd);
  return absl::OkStatus();
}

absl::StatusOr<Accepted> RealSocketOps::accept(int fd) {
  Accepted out;
  socklen_t size = SockAddr::capacity();
  out.fd = retry_eintr([&] { return ::accept4(fd, out.address.mutable_data(), &size, SOCK_NONBLOCK | SOCK_CLOEXEC); });
  if (out.fd < 0) return errno_status(errno, "accept", fd);
  out.address.set_size(size);
  return out;
}

absl::Status RealSocketOps::connect(int fd, const SockAddr& address) {
  if (::connect(fd, address.data(), address.size()) == 0) return absl::OkStatus();
  const int err = errno == EINTR ? EINPROGRESS : errno;
  return errno_status(err, "connect", fd);
}

absl::StatusOr<size_t> RealSocketOps::send(int fd, absl::Span<const char> data) {
  const ssize_t n = retry_eintr([&] { return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL); });
  if (n < 0) return errno_status(errno, "send", fd);
  return static_cast<size_t>(n);
}

absl::StatusOr<size_t> RealSocketOps::recv(int fd, absl::Span<char> buffer) {
  const ssize_t n = retry_eintr([&] { return ::recv(fd, buffer.data(), buffer.size(), 0); });
  if (n < 0) return errno_status(errno, "recv", fd);
  return static_cast<size_t>(n);
}

absl::StatusOr<size_t> RealSocketOps::sendto(int fd, absl::Span<const char> data, const SockAddr& address) {
  const ssize_t n = retry_eintr(
      [&] { return ::sendto(fd, data.data(), data.size(), MSG_NOSIGNAL, address.data(), address.size()); });
  if (n < 0) return errno_status(errno, "sendto", fd);
  return static_cast<size_t>(n);
}

absl::StatusOr<std::pair<size_t, SockAddr>> RealSocketOps::recvfrom(int fd, absl::Span<char> buffer) {
  SockAddr from;
  socklen_t size = SockAddr::capacity();
  const ssize_t n =
      retry_eintr([&] { return ::recvfrom(fd, buffer.data(), buffer.size(), 0, from.mutable_data(), &size); });
  if (n < 0) return errno_status(errno, "recvfrom", fd);
  from.set_size(size);
  return std::make_pair(static_cast<size_t>(n), from);
}

absl::Status RealSocketOps::shutdown(int fd, int how) {
  if (::shutdown(fd, how) != 0) return errno_status(errno, "shutdown", fd);
  return absl::OkStatus();
}

absl::Status RealSocketOps::close(int fd) {
  if (::close(fd) != 0 && errno != EINTR) return errno_status(errno, "close", fd);
  return absl::OkStatus();
}

absl::StatusOr<int> RealSocketOps::getsockopt(int fd, int level, int name) {
  int value = 0;
  socklen_t size = sizeof value;
  if (::getsockopt(fd, level, name, &value, &size) != 0) return errno_status(errno, "getsockopt", fd);
  return value;
}

absl::Status RealSocketOps::setsockopt(int fd, int level, int name, int value) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) return errno_status(errno, "setsockopt", fd);
  return absl::OkStatus();
}

absl::StatusOr<SockAddr> RealSocketOps::getsockname(int fd) {
  SockAddr out;
  socklen_t size = SockAddr::capacity();
  if (::getsockname(fd, out.mutable_data(), &size) != 0) return errno_status(errno, "getsockname", fd);
  out.set_size(size);
  return out;
}

absl::StatusOr<SockAddr> RealSocketOps::getpeername(int fd) {
  SockAddr out;
  socklen_t size = SockAddr::capacity();
  if (::getpeername(fd, out.mutable_data(), &size) != 0) return errno_status(errno, "getpeername", fd);
  out.set_size(size);
  return out;
}

absl::Status RealSocketOps::set_blocking(int fd, Blocking mode) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return errno_status(errno, "fcntl(F_GETFL)", fd);
  const int wanted = mode == Blocking::kNonBlocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) != 0) return errno_status(errno, "fcntl(F_SETFL)", fd);
  return absl::OkStatus();
}

absl::StatusOr<Blocking> RealSocketOps::get_blocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return errno_status(errno, "fcntl(F_GETFL)", fd);
  return (flags & O_NONBLOCK) != 0 ? Blocking::kNonBlocking : Blocking::kBlocking;
}

absl::StatusOr<std::vector<AddrInfo>> RealSocketOps::getaddrinfo(const std::string& host, const std::string& port,
                                                                 const AddrInfoHints& wanted) {
  addrinfo hints{};
  hints.ai_family = wanted.family;
  hints.ai_socktype = wanted.type;
  hints.ai_protocol = wanted.proto;
  hints.ai_flags = wanted.flags;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.empty() ? nullptr : port.c_str(), &hints,
                               &found);
  if (rc == EAI_SYSTEM) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("getaddrinfo('%s', '%s')", host, port)), err);
  }
  if (rc != 0) return with_gai_error(absl::UnavailableError(::gai_strerror(rc)), rc);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  std::vector<AddrInfo> out;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    AddrInfo info;
    info.family = ai->ai_family;
    info.type = ai->ai_socktype;
    info.proto = ai->ai_protocol;
    if (ai->ai_canonname != nullptr) info.canonname = ai->ai_canonname;
    info.address = SockAddr::from_raw(ai->ai_addr, ai->ai_addrlen);
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<NameInfo> RealSocketOps::getnameinfo(const SockAddr& address, int flags) {
  char host[NI_MAXHOST] = {};
  char port[NI_MAXSERV] = {};
  const int rc = ::getnameinfo(address.data(), address.size(), host, sizeof host, port, sizeof port, flags);
  if (rc == EAI_SYSTEM) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, "getnameinfo"), err);
  }
  if (rc != 0) return with_gai_error(absl::UnavailableError(::gai_strerror(rc)), rc);
  return NameInfo{host, port};
}

}  // namespace seedloop::real
