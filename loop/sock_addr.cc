#include "loop/sock_addr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"

namespace seedloop {

absl::StatusOr<SockAddr> SockAddr::ip(std::string_view host, int port) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrFormat("port must be 0-65535, got %d", port));
  }
  const std::string text(host);
  SockAddr out;
  sockaddr_in v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(port));
    std::memcpy(&out.storage_, &v4, sizeof v4);
    out.size_ = sizeof v4;
    return out;
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(port));
    std::memcpy(&out.storage_, &v6, sizeof v6);
    out.size_ = sizeof v6;
    return out;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("'%s' is not a numeric IPv4 or IPv6 address (resolve names with getaddrinfo)", text));
}

absl::StatusOr<SockAddr> SockAddr::unix_path(std::string_view path) {
  sockaddr_un un{};
  if (path.size() >= sizeof un.sun_path) return absl::InvalidArgumentError("AF_UNIX path too long");
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  SockAddr out;
  std::memcpy(&out.storage_, &un, sizeof un);
  out.size_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return out;
}

SockAddr SockAddr::from_raw(const sockaddr* address, socklen_t size) {
  SockAddr out;
  out.set_size(size);
  if (out.size_ > 0) std::memcpy(&out.storage_, address, out.size_);
  return out;
}

void SockAddr::set_size(socklen_t size) { size_ = std::min<socklen_t>(size, capacity()); }

int SockAddr::port() const {
  switch (family()) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return -1;
}

std::string SockAddr::host() const {
  char text[INET6_ADDRSTRLEN] = {};
  switch (family()) {
    case AF_INET:
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text, sizeof text);
      return text;
    case AF_INET6:
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text, sizeof text);
      return text;
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
      const size_t offset = offsetof(sockaddr_un, sun_path);
      if (size_ <= offset) return "";
      const size_t max = size_ - offset;
      return std::string(un->sun_path, strnlen(un->sun_path, max));
    }
  }
  return "";
}

std::string SockAddr::to_string() const {
  switch (family()) {
    case AF_INET:
      return absl::StrFormat("('%s', %d)", host(), port());
    case AF_INET6: {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
      return absl::StrFormat("('%s', %d, %u, %u)", host(), port(), ntohl(v6->sin6_flowinfo), v6->sin6_scope_id);
    }
    case AF_UNIX:
      return host();
  }
  return absl::StrFormat("<address family %d>", family());
}

bool SockAddr::operator==(const SockAddr& other) const {
  return size_ == other.size_ && std::memcmp(&storage_, &other.storage_, size_) == 0;
}

}  // namespace seedloop
