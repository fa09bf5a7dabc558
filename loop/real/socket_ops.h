// RealSocketOps: the production SocketOps (backend.h), one Linux system
// call per method (the file methods are in socket_file_ops.cc).
//
//   RealSocketOps ops;
//   absl::StatusOr<int> fd = ops.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
//   absl::Status s = ops.connect(*fd, *SockAddr::ip("127.0.0.1", 8080));
//   // s fails with errno EINPROGRESS: wait for writable, then SO_ERROR.
//
// Every socket it makes is close-on-exec (socket() adds SOCK_CLOEXEC,
// accept() is accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC). send() passes
// MSG_NOSIGNAL, so a closed peer is EPIPE instead of SIGPIPE. Calls
// interrupted by a signal (EINTR) are retried, except connect(), whose
// EINTR means the connection goes on in the background (CPython issue
// #23618): it is reported as EINPROGRESS. close() is not retried (Linux
// releases the fd even when close reports EINTR).
//
// Errors: absl::ErrnoToStatus's code, a message naming the call and the fd
// ("recv(fd 7): Connection reset by peer"), and the errno (with_errno).
// getaddrinfo failures carry the EAI_* code (with_gai_error) and
// gai_strerror's text as the message; EAI_SYSTEM carries the errno instead.
//
// Threads: stateless; every method may be called from any thread.

#ifndef SEEDLOOP_LOOP_REAL_SOCKET_OPS_H_
#define SEEDLOOP_LOOP_REAL_SOCKET_OPS_H_

#include <string>
#include <utility>
#include <vector>

#include "loop/backend.h"

namespace seedloop::real {

class RealSocketOps : public SocketOps {
 public:
  absl::StatusOr<int> socket(int family, int type, int proto) override;
  absl::StatusOr<std::pair<int, int>> socketpair(int family, int type, int proto) override;
  absl::Status bind(int fd, const SockAddr& address) override;
  absl::Status listen(int fd, int backlog) override;
  absl::StatusOr<Accepted> accept(int fd) override;
  absl::Status connect(int fd, const SockAddr& address) override;
  absl::StatusOr<size_t> send(int fd, absl::Span<const char> data) override;
  absl::StatusOr<size_t> recv(int fd, absl::Span<char> buffer) override;
  absl::StatusOr<size_t> sendto(int fd, absl::Span<const char> data, const SockAddr& address) override;
  absl::StatusOr<std::pair<size_t, SockAddr>> recvfrom(int fd, absl::Span<char> buffer) override;
  absl::Status shutdown(int fd, int how) override;
  absl::Status close(int fd) override;
  absl::StatusOr<int> getsockopt(int fd, int level, int name) override;
  absl::Status setsockopt(int fd, int level, int name, int value) override;
  absl::StatusOr<SockAddr> getsockname(int fd) override;
  absl::StatusOr<SockAddr> getpeername(int fd) override;
  absl::Status set_blocking(int fd, Blocking mode) override;
  absl::StatusOr<Blocking> get_blocking(int fd) override;
  absl::StatusOr<std::vector<AddrInfo>> getaddrinfo(const std::string& host, const std::string& port,
                                                    const AddrInfoHints& hints) override;
  absl::StatusOr<NameInfo> getnameinfo(const SockAddr& address, int flags) override;
  absl::StatusOr<size_t> sendfile(int out_fd, int in_fd, int64_t offset, size_t count) override;
  absl::StatusOr<size_t> read(int fd, absl::Span<char> buffer) override;
  absl::StatusOr<int64_t> seek(int fd, int64_t offset) override;
  absl::StatusOr<FileStat> fstat(int fd) override;
  absl::StatusOr<FileStat> stat(const std::string& path) override;
  absl::Status unlink(const std::string& path) override;
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_SOCKET_OPS_H_
