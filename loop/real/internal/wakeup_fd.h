// WakeupFd: the wakeup mechanism the poll(2) and select(2) pollers share,
// the same as EpollPoller's: a non-blocking eventfd that the poller watches
// for reading, written at most once between two polls (an atomic flag
// coalesces bursts of wakeup()), drained by the poll that sees it.
//
//   auto w = WakeupFd::Create();   // StatusOr
//   (*w)->fd();                    // watch it for reading
//   (*w)->wakeup();                // any thread
//   (*w)->drain();                 // the poll that saw it readable
//
// Also: timeout_ms_for(), the poller timeout rounding (asyncio's selectors:
// math.ceil to milliseconds; nullopt is -1, clamped to INT_MAX).
//
// Threads: wakeup() is thread-safe; drain() and destruction are for the
// loop's thread.

#ifndef SEEDLOOP_LOOP_REAL_INTERNAL_WAKEUP_FD_H_
#define SEEDLOOP_LOOP_REAL_INTERNAL_WAKEUP_FD_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"

namespace seedloop::real::internal {

class WakeupFd {
 public:
  static absl::StatusOr<std::unique_ptr<WakeupFd>> Create();
  ~WakeupFd();
  WakeupFd(const WakeupFd&) = delete;
  WakeupFd& operator=(const WakeupFd&) = delete;

  int fd() const { return fd_; }
  void wakeup();  // Thread-safe.
  void drain();

 private:
  explicit WakeupFd(int fd) : fd_(fd) {}
  const int fd_;
  std::atomic<bool> pending_{false};
};

// The poll(2) timeout for a Poller::poll timeout: -1, 0, or milliseconds
// rounded up and clamped to INT_MAX.
int timeout_ms_for(std::optional<int64_t> timeout_ns);

// Prints "seedloop: <who>: <what>: <strerror>" and aborts: for system-call
// failures only a bug can cause.
[[noreturn]] void die(const char* who, const char* what, int err);

}  // namespace seedloop::real::internal

#endif  // SEEDLOOP_LOOP_REAL_INTERNAL_WAKEUP_FD_H_
