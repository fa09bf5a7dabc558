// PollPoller: a Poller on poll(2) (asyncio's selectors.PollSelector),
// behind the same seam as EpollPoller and with the same contract:
//
//   auto poller = PollPoller::Create();           // StatusOr
//   (*poller)->register_fd(fd, kReadable);
//   (*poller)->poll(std::nullopt, 64, &events);   // blocks until ready/wakeup
//
// Interest: kReadable is POLLIN, kWritable is POLLOUT. Readiness: POLLIN,
// POLLPRI and POLLRDHUP report kReadable; POLLOUT kWritable; POLLERR,
// POLLHUP and POLLNVAL (an fd closed while registered) report both.
// Timeouts, EINTR and the wakeup eventfd behave as EpollPoller's
// (epoll_poller.h). One poll costs O(registered fds), as poll(2) does.
//
// Errors: register_fd of an fd already registered is AlreadyExists (errno
// EEXIST); modify_fd/unregister_fd of an unknown fd are NotFound (ENOENT);
// an empty or unknown interest is InvalidArgument. poll(2) does not check
// fds at registration: a bad fd shows up as POLLNVAL in the next poll.
//
// Limits: one poll reports at most min(max_events, kMaxEventsPerPoll)
// events, in registration order; the rest stay ready (level-triggered).
//
// Threads: wakeup() is thread-safe; everything else is for the loop thread.

#ifndef SEEDLOOP_LOOP_REAL_POLL_POLLER_H_
#define SEEDLOOP_LOOP_REAL_POLL_POLLER_H_

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loop/backend.h"
#include "loop/real/internal/wakeup_fd.h"

namespace seedloop::real {

class PollPoller : public Poller {
 public:
  static constexpr size_t kMaxEventsPerPoll = 1024;

  // Creates the wakeup eventfd (close-on-exec).
  static absl::StatusOr<std::unique_ptr<PollPoller>> Create();

  absl::Status register_fd(int fd, uint32_t events) override;
  absl::Status modify_fd(int fd, uint32_t events) override;
  absl::Status unregister_fd(int fd) override;
  void poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out) override;
  void wakeup() override { wakeup_->wakeup(); }  // Thread-safe.

 private:
  explicit PollPoller(std::unique_ptr<internal::WakeupFd> wakeup);
  absl::Status check(const char* op, int fd, uint32_t events) const;

  std::unique_ptr<internal::WakeupFd> wakeup_;
  // pollfds_[0] is the wakeup fd; index_ maps every other fd to its slot.
  std::vector<pollfd> pollfds_;
  absl::flat_hash_map<int, size_t> index_;
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_POLL_POLLER_H_
