// SockAddr: a socket address as a value (sockaddr_storage + its length), the
// C++ form of the address tuples Python's socket module passes around.
//
//   absl::StatusOr<SockAddr> a = SockAddr::ip("127.0.0.1", 8080);
//   a->to_string();                  // "('127.0.0.1', 8080)"
//   SockAddr::ip("::1", 8080)->to_string();       // "('::1', 8080, 0, 0)"
//   SockAddr::unix_path("/tmp/s")->to_string();   // "/tmp/s"
//
// to_string() is Python's str(address): a tuple for AF_INET (host, port) and
// AF_INET6 (host, port, flowinfo, scope_id), the path itself for AF_UNIX
// (an unnamed Unix socket's address is the empty string). It is what
// asyncio's messages interpolate, e.g. "Connect call failed ('127.0.0.1', 1)".
//
// Only numeric hosts are parsed here (no name resolution: that is
// getaddrinfo's job, on the executor). Parsing and formatting are pure
// functions; nothing here talks to the operating system. The sockaddr types
// come from the platform headers because the SocketOps seam (backend.h)
// speaks them, real or simulated.
//
// Threads: a plain value; copy it freely.

#ifndef SEEDLOOP_LOOP_SOCK_ADDR_H_
#define SEEDLOOP_LOOP_SOCK_ADDR_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace seedloop {

class SockAddr {
 public:
  // An empty address (family AF_UNSPEC, size 0).
  SockAddr() = default;

  // A numeric IPv4 or IPv6 host and a port in [0, 65535]. InvalidArgument
  // otherwise (a name such as "localhost" needs getaddrinfo).
  static absl::StatusOr<SockAddr> ip(std::string_view host, int port);
  // An AF_UNIX path. InvalidArgument when it does not fit sun_path
  // (Python: OSError "AF_UNIX path too long").
  static absl::StatusOr<SockAddr> unix_path(std::string_view path);
  // A copy of `size` bytes of a system sockaddr; size is clamped to
  // sizeof(sockaddr_storage).
  static SockAddr from_raw(const sockaddr* address, socklen_t size);

  int family() const { return size_ == 0 ? AF_UNSPEC : storage_.ss_family; }
  // The port of an AF_INET/AF_INET6 address; -1 for other families.
  int port() const;
  // The numeric host of an IP address, the path of an AF_UNIX one, "" else.
  std::string host() const;
  // Python's str(address); see the header comment.
  std::string to_string() const;

  const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const { return size_; }
  // For filling by a system call: the buffer and its capacity; then
  // set_size() with the length the call reported.
  sockaddr* mutable_data() { return reinterpret_cast<sockaddr*>(&storage_); }
  static constexpr socklen_t capacity() { return sizeof(sockaddr_storage); }
  void set_size(socklen_t size);

  bool operator==(const SockAddr& other) const;

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SOCK_ADDR_H_
