#include "loop/real/internal/wakeup_fd.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace seedloop::real::internal {

absl::StatusOr<std::unique_ptr<WakeupFd>> WakeupFd::Create() {
  const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "eventfd");
  return std::unique_ptr<WakeupFd>(new WakeupFd(fd));
}

WakeupFd::~WakeupFd() { close(fd_); }

void WakeupFd::wakeup() {
  if (pending_.exchange(true)) return;  // a write is already on its way
  const uint64_t one = 1;
  for (;;) {
    const ssize_t w = write(fd_, &one, sizeof one);
    if (w == static_cast<ssize_t>(sizeof one)) return;
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return;  // counter near 2^64: readable anyway
    die("WakeupFd", "write(eventfd)", w < 0 ? errno : EIO);
  }
}

void WakeupFd::drain() {
  uint64_t count = 0;
  for (;;) {
    const ssize_t r = read(fd_, &count, sizeof count);
    if (r == static_cast<ssize_t>(sizeof count)) break;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) break;  // already drained: harmless
    die("WakeupFd", "read(eventfd)", r < 0 ? errno : EIO);
  }
  // Cleared after the read: a wakeup() landing between the two is absorbed
  // by this (returning) poll, and the next wakeup() writes again.
  pending_.store(false);
}

int timeout_ms_for(std::optional<int64_t> timeout_ns) {
  constexpr int64_t kNsPerMs = 1'000'000;
  if (!timeout_ns.has_value()) return -1;
  const int64_t ns = *timeout_ns;
  if (ns <= 0) return 0;
  const int64_t ms = ns / kNsPerMs + (ns % kNsPerMs != 0 ? 1 : 0);  // ceil, without overflow
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

void die(const char* who, const char* what, int err) {
  std::fprintf(stderr, "seedloop: %s: %s: %s\n", who, what, std::strerror(err));
  std::abort();
}

}  // namespace seedloop::real::internal
