// EpollPoller: the production Poller, on Linux epoll (asyncio's
// EpollSelector), level-triggered.
//
//   auto poller = EpollPoller::Create();          // StatusOr
//   (*poller)->register_fd(fd, kReadable);
//   (*poller)->poll(std::nullopt, 64, &events);   // blocks until ready/wakeup
//
// Interest: kReadable is EPOLLIN, kWritable is EPOLLOUT. Readiness: EPOLLIN,
// EPOLLPRI and EPOLLRDHUP report kReadable; EPOLLOUT reports kWritable;
// EPOLLERR and EPOLLHUP report both (backend.h: errors report as both), so
// the callback that tries the fd sees the error. Events are not masked by
// interest; the loop dispatches only to the callbacks it has.
//
// Timeouts: nullopt blocks; 0 never blocks; anything else is rounded UP to
// whole milliseconds (as asyncio's selectors do with math.ceil), so a 0.5 ms
// timer wait sleeps 1 ms instead of busy-spinning on a 0 ms poll, and is
// clamped to INT_MAX ms (~24.8 days); the loop simply polls again. A negative
// timeout counts as 0. A signal (EINTR) during a blocking poll with no
// timeout retries; during a finite one it returns early with no events (the
// loop recomputes its timeout from its clock, so nothing is lost).
//
// Wakeup: an internal eventfd (internal::WakeupFd, shared with the poll and
// select pollers) is registered at creation. wakeup() writes to it at most
// once between two polls (an atomic flag coalesces bursts); the poll that
// sees it drains it and does not report it as an event.
//
// Limits: one poll returns at most min(max_events, kMaxEventsPerPoll)
// events; ready fds beyond that stay ready and are reported by a later poll
// (level-triggered). The event array is allocated once, at creation.
//
// Errors: register_fd/modify_fd/unregister_fd return absl::Status with the
// errno's canonical code (absl::ErrnoToStatus) and a message naming the
// operation and the fd, e.g. "epoll_ctl(ADD, fd 7): Bad file descriptor".
// A failing epoll_wait (EBADF, EFAULT, EINVAL: only a bug can cause them)
// aborts with a message.
//
// Threads: wakeup() is thread-safe. Every other method, and destruction, is
// for the loop's thread only.

#ifndef SEEDLOOP_LOOP_REAL_EPOLL_POLLER_H_
#define SEEDLOOP_LOOP_REAL_EPOLL_POLLER_H_

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loop/backend.h"
#include "loop/real/internal/wakeup_fd.h"

namespace seedloop::real {

class EpollPoller : public Poller {
 public:
  // The most events one poll() reports, whatever max_events asks for: the
  // size of the array handed to epoll_wait (12 bytes each), and as many
  // callbacks as one iteration should take from I/O at once.
  static constexpr size_t kMaxEventsPerPoll = 1024;

  // Creates the epoll instance and the wakeup eventfd (both close-on-exec).
  // Fails with the errno's canonical code, e.g. ResourceExhausted when the
  // process is out of file descriptors (EMFILE).
  static absl::StatusOr<std::unique_ptr<EpollPoller>> Create();

  ~EpollPoller() override;
  EpollPoller(const EpollPoller&) = delete;
  EpollPoller& operator=(const EpollPoller&) = delete;

  absl::Status register_fd(int fd, uint32_t events) override;
  absl::Status modify_fd(int fd, uint32_t events) override;
  absl::Status unregister_fd(int fd) override;
  void poll(std::optional<int64_t> timeout_ns, size_t max_events,
            std::vector<IoEvent>* out) override;
  void wakeup() override { wakeup_->wakeup(); }  // Thread-safe.

  // The epoll_wait timeout for a poll() timeout: -1, 0, or ms rounded up and
  // clamped to INT_MAX. Exposed for tests.
  static int timeout_ms_for(std::optional<int64_t> timeout_ns) { return internal::timeout_ms_for(timeout_ns); }

 private:
  EpollPoller(int epoll_fd, std::unique_ptr<internal::WakeupFd> wakeup);

  absl::Status control(int op, int fd, uint32_t events);

  const int epoll_fd_;
  const std::unique_ptr<internal::WakeupFd> wakeup_;
  size_t registered_fds_ = 0;  // fds added and not removed (loop thread)
  std::vector<epoll_event> ready_;  // size kMaxEventsPerPoll, loop thread only
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_EPOLL_POLLER_H_
