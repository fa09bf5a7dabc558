#include "loop/real/select_poller.h"

#include <errno.h>
#include <fcntl.h>

#include <algorithm>
#include <cassert>

#include "absl/strings/str_format.h"

namespace seedloop::real {
namespace {
constexpr uint32_t kKnownInterest = kReadable | kWritable;
}  // namespace

absl::StatusOr<std::unique_ptr<SelectPoller>> SelectPoller::Create() {
  auto wakeup = internal::WakeupFd::Create();
  if (!wakeup.ok()) return wakeup.status();
  if ((*wakeup)->fd() >= FD_SETSIZE) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("select poller: wakeup eventfd %d is beyond FD_SETSIZE (%d)", (*wakeup)->fd(), FD_SETSIZE));
  }
  return std::unique_ptr<SelectPoller>(new SelectPoller(std::move(wakeup).value()));
}

absl::Status SelectPoller::check(const char* op, int fd, uint32_t events) const {
  if (events == 0 || (events & ~kKnownInterest) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("select %s(fd %d): interest 0x%x is not a non-empty IoEventMask", op, fd, events));
  }
  // Python's select.select: ValueError("filedescriptor out of range in select()").
  if (fd < 0 || fd >= FD_SETSIZE) return absl::InvalidArgumentError("filedescriptor out of range in select()");
  if (fd == wakeup_->fd()) {
    return absl::InvalidArgumentError(absl::StrFormat("select %s(fd %d): fd is the poller's own wakeup fd", op, fd));
  }
  return absl::OkStatus();
}

absl::Status SelectPoller::register_fd(int fd, uint32_t events) {
  if (absl::Status s = check("register", fd, events); !s.ok()) return s;
  if (!interest_.emplace(fd, events).second) {
    return with_errno(absl::AlreadyExistsError(absl::StrFormat("select register(fd %d): already registered", fd)),
                      EEXIST);
  }
  return absl::OkStatus();
}

absl::Status SelectPoller::modify_fd(int fd, uint32_t events) {
  if (absl::Status s = check("modify", fd, events); !s.ok()) return s;
  auto it = interest_.find(fd);
  if (it == interest_.end()) {
    return with_errno(absl::NotFoundError(absl::StrFormat("select modify(fd %d): not registered", fd)), ENOENT);
  }
  it->second = events;
  return absl::OkStatus();
}

absl::Status SelectPoller::unregister_fd(int fd) {
  if (interest_.erase(fd) == 0) {
    return with_errno(absl::NotFoundError(absl::StrFormat("select unregister(fd %d): not registered", fd)), ENOENT);
  }
  return absl::OkStatus();
}

void SelectPoller::poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out) {
  assert(out != nullptr);
  const int timeout_ms = internal::timeout_ms_for(timeout_ns);
  if (timeout_ms == 0 && interest_.empty()) return;  // as EpollPoller: nothing to report
  const size_t limit = std::min(max_events, kMaxEventsPerPoll);
  fd_set readers, writers, errors;
  int n = -1;
  for (;;) {
    FD_ZERO(&readers);
    FD_ZERO(&writers);
    FD_ZERO(&errors);
    FD_SET(wakeup_->fd(), &readers);
    int max_fd = wakeup_->fd();
    for (const auto& [fd, events] : interest_) {
      if (events & kReadable) FD_SET(fd, &readers);
      if (events & kWritable) FD_SET(fd, &writers);
      FD_SET(fd, &errors);
      max_fd = std::max(max_fd, fd);
    }
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    n = ::select(max_fd + 1, &readers, &writers, &errors, timeout_ms < 0 ? nullptr : &tv);
    if (n >= 0) break;
    if (errno == EBADF) return report_closed_fds(limit, out);
    if (errno != EINTR) internal::die("SelectPoller", "select", errno);
    if (timeout_ms >= 0) return;  // early return; the loop recomputes its timeout
  }
  if (n == 0) return;
  if (FD_ISSET(wakeup_->fd(), &readers)) wakeup_->drain();
  size_t reported = 0;
  for (const auto& [fd, interest] : interest_) {
    if (reported == limit) break;
    uint32_t events = 0;
    if (FD_ISSET(fd, &readers) || FD_ISSET(fd, &errors)) events |= kReadable;
    if (FD_ISSET(fd, &writers)) events |= kWritable;
    if (events == 0) continue;
    out->push_back(IoEvent{fd, events});
    ++reported;
  }
}

// select(2) failed with EBADF: some registered fd was closed. Reports each
// such fd as both readable and writable.
void SelectPoller::report_closed_fds(size_t limit, std::vector<IoEvent>* out) const {
  size_t reported = 0;
  for (const auto& [fd, interest] : interest_) {
    if (reported == limit) break;
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    out->push_back(IoEvent{fd, kReadable | kWritable});
    ++reported;
  }
  if (reported == 0 && limit > 0) internal::die("SelectPoller", "select: EBADF on no registered fd", EBADF);
}

}  // namespace seedloop::real
