#include "loop/real/poll_poller.h"

#include <errno.h>

#include <algorithm>
#include <cassert>

#include "absl/strings/str_format.h"

namespace seedloop::real {
namespace {

constexpr uint32_t kKnownInterest = kReadable | kWritable;

short to_poll_interest(uint32_t events) {
  short out = 0;
  if (events & kReadable) out |= POLLIN;
  if (events & kWritable) out |= POLLOUT;
  return out;
}

uint32_t from_poll_readiness(short revents) {
  uint32_t out = 0;
  if (revents & (POLLIN | POLLPRI | POLLRDHUP)) out |= kReadable;
  if (revents & POLLOUT) out |= kWritable;
  if (revents & (POLLERR | POLLHUP | POLLNVAL)) out |= kReadable | kWritable;
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PollPoller>> PollPoller::Create() {
  auto wakeup = internal::WakeupFd::Create();
  if (!wakeup.ok()) return wakeup.status();
  return std::unique_ptr<PollPoller>(new PollPoller(std::move(wakeup).value()));
}

PollPoller::PollPoller(std::unique_ptr<internal::WakeupFd> wakeup) : wakeup_(std::move(wakeup)) {
  pollfds_.push_back(pollfd{wakeup_->fd(), POLLIN, 0});
}

absl::Status PollPoller::check(const char* op, int fd, uint32_t events) const {
  if (events == 0 || (events & ~kKnownInterest) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("poll %s(fd %d): interest 0x%x is not a non-empty IoEventMask", op, fd, events));
  }
  if (fd < 0) return absl::InvalidArgumentError(absl::StrFormat("poll %s(fd %d): negative fd", op, fd));
  if (fd == wakeup_->fd()) {
    return absl::InvalidArgumentError(absl::StrFormat("poll %s(fd %d): fd is the poller's own wakeup fd", op, fd));
  }
  return absl::OkStatus();
}

absl::Status PollPoller::register_fd(int fd, uint32_t events) {
  if (absl::Status s = check("register", fd, events); !s.ok()) return s;
  if (index_.contains(fd)) {
    return with_errno(absl::AlreadyExistsError(absl::StrFormat("poll register(fd %d): already registered", fd)),
                      EEXIST);
  }
  index_[fd] = pollfds_.size();
  pollfds_.push_back(pollfd{fd, to_poll_interest(events), 0});
  return absl::OkStatus();
}

absl::Status PollPoller::modify_fd(int fd, uint32_t events) {
  if (absl::Status s = check("modify", fd, events); !s.ok()) return s;
  auto it = index_.find(fd);
  if (it == index_.end()) {
    return with_errno(absl::NotFoundError(absl::StrFormat("poll modify(fd %d): not registered", fd)), ENOENT);
  }
  pollfds_[it->second].events = to_poll_interest(events);
  return absl::OkStatus();
}

absl::Status PollPoller::unregister_fd(int fd) {
  auto it = index_.find(fd);
  if (it == index_.end()) {
    return with_errno(absl::NotFoundError(absl::StrFormat("poll unregister(fd %d): not registered", fd)), ENOENT);
  }
  const size_t slot = it->second;
  assert(slot > 0 && slot < pollfds_.size());
  index_.erase(it);
  if (slot != pollfds_.size() - 1) {
    pollfds_[slot] = pollfds_.back();
    index_[pollfds_[slot].fd] = slot;
  }
  pollfds_.pop_back();
  assert(pollfds_.size() == index_.size() + 1);
  return absl::OkStatus();
}

void PollPoller::poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out) {
  assert(out != nullptr);
  const int timeout_ms = internal::timeout_ms_for(timeout_ns);
  if (timeout_ms == 0 && index_.empty()) return;  // as EpollPoller: nothing to report
  int n = -1;
  for (;;) {
    n = ::poll(pollfds_.data(), pollfds_.size(), timeout_ms);
    if (n >= 0) break;
    if (errno != EINTR) internal::die("PollPoller", "poll", errno);
    if (timeout_ms >= 0) return;  // early return; the loop recomputes its timeout
  }
  if (n == 0) return;
  if (pollfds_[0].revents != 0) wakeup_->drain();
  const size_t limit = std::min(max_events, kMaxEventsPerPoll);
  size_t reported = 0;
  for (size_t i = 1; i < pollfds_.size() && reported < limit; ++i) {
    if (pollfds_[i].revents == 0) continue;
    const uint32_t events = from_poll_readiness(pollfds_[i].revents);
    assert(events != 0 && "poll reported an fd with no readiness bits");
    out->push_back(IoEvent{pollfds_[i].fd, events});
    ++reported;
  }
}

}  // namespace seedloop::real
