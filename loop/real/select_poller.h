// SelectPoller: a Poller on select(2) (asyncio's selectors.SelectSelector,
// the one seed 004's SelectorEventLoop(selectors.SelectSelector()) example
// picks), behind the same seam as EpollPoller and with the same contract:
//
//   auto poller = SelectPoller::Create();         // StatusOr
//   (*poller)->register_fd(fd, kReadable);
//   (*poller)->poll(std::nullopt, 64, &events);
//
// Interest: kReadable watches the read set, kWritable the write set; an fd
// in the exception set (out-of-band data) reports kReadable. select(2)
// cannot watch fds >= FD_SETSIZE (1024): register_fd rejects them with
// InvalidArgument "filedescriptor out of range in select()" (Python's
// select.select raises ValueError with that text; the loop raises
// ValueError too). An fd closed while registered makes select(2) fail with
// EBADF; the poller then reports that fd as readable and writable (errors
// report as both), so the callback that tries it sees the error.
// Timeouts, EINTR and the wakeup eventfd behave as EpollPoller's.
//
// Errors: as PollPoller's (AlreadyExists/EEXIST, NotFound/ENOENT,
// InvalidArgument).
//
// Limits: one poll reports at most min(max_events, kMaxEventsPerPoll)
// events, in fd order; the rest stay ready (level-triggered).
//
// Threads: wakeup() is thread-safe; everything else is for the loop thread.

#ifndef SEEDLOOP_LOOP_REAL_SELECT_POLLER_H_
#define SEEDLOOP_LOOP_REAL_SELECT_POLLER_H_

#include <sys/select.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loop/backend.h"
#include "loop/real/internal/wakeup_fd.h"

namespace seedloop::real {

class SelectPoller : public Poller {
 public:
  static constexpr size_t kMaxEventsPerPoll = 1024;

  // Creates the wakeup eventfd (close-on-exec); fails with
  // ResourceExhausted if even that fd is beyond FD_SETSIZE.
  static absl::StatusOr<std::unique_ptr<SelectPoller>> Create();

  absl::Status register_fd(int fd, uint32_t events) override;
  absl::Status modify_fd(int fd, uint32_t events) override;
  absl::Status unregister_fd(int fd) override;
  void poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out) override;
  void wakeup() override { wakeup_->wakeup(); }  // Thread-safe.

 private:
  explicit SelectPoller(std::unique_ptr<internal::WakeupFd> wakeup) : wakeup_(std::move(wakeup)) {}
  absl::Status check(const char* op, int fd, uint32_t events) const;
  void report_closed_fds(size_t limit, std::vector<IoEvent>* out) const;

  std::unique_ptr<internal::WakeupFd> wakeup_;
  absl::btree_map<int, uint32_t> interest_;  // fd -> IoEventMask
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_SELECT_POLLER_H_
