#include "loop/real/epoll_poller.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>

#include "absl/strings/str_format.h"

namespace seedloop::real {
namespace {

constexpr uint32_t kKnownInterest = kReadable | kWritable;

const char* op_name(int op) {
  switch (op) {
    case EPOLL_CTL_ADD:
      return "ADD";
    case EPOLL_CTL_MOD:
      return "MOD";
    case EPOLL_CTL_DEL:
      return "DEL";
  }
  return "?";
}

uint32_t to_epoll_interest(uint32_t events) {
  uint32_t out = 0;
  if (events & kReadable) out |= EPOLLIN;
  if (events & kWritable) out |= EPOLLOUT;
  return out;
}

uint32_t from_epoll_readiness(uint32_t revents) {
  uint32_t out = 0;
  if (revents & (EPOLLIN | EPOLLPRI | EPOLLRDHUP)) out |= kReadable;
  if (revents & EPOLLOUT) out |= kWritable;
  if (revents & (EPOLLERR | EPOLLHUP)) out |= kReadable | kWritable;
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpollPoller>> EpollPoller::Create() {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return absl::ErrnoToStatus(errno, "epoll_create1");
  auto wakeup = internal::WakeupFd::Create();
  if (!wakeup.ok()) {
    close(epoll_fd);
    return wakeup.status();
  }
  // From here the poller owns both fds and closes them on every path.
  std::unique_ptr<EpollPoller> poller(new EpollPoller(epoll_fd, std::move(wakeup).value()));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = poller->wakeup_->fd();
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, ev.data.fd, &ev) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrFormat("epoll_ctl(ADD, wakeup fd %d)", ev.data.fd));
  }
  return poller;
}

EpollPoller::EpollPoller(int epoll_fd, std::unique_ptr<internal::WakeupFd> wakeup)
    : epoll_fd_(epoll_fd), wakeup_(std::move(wakeup)), ready_(kMaxEventsPerPoll) {
  assert(epoll_fd_ >= 0);
  assert(wakeup_ != nullptr);
}

EpollPoller::~EpollPoller() { close(epoll_fd_); }

absl::Status EpollPoller::register_fd(int fd, uint32_t events) {
  return control(EPOLL_CTL_ADD, fd, events);
}

absl::Status EpollPoller::modify_fd(int fd, uint32_t events) {
  return control(EPOLL_CTL_MOD, fd, events);
}

absl::Status EpollPoller::unregister_fd(int fd) { return control(EPOLL_CTL_DEL, fd, 0); }

absl::Status EpollPoller::control(int op, int fd, uint32_t events) {
  if (op != EPOLL_CTL_DEL && (events == 0 || (events & ~kKnownInterest) != 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "epoll_ctl(%s, fd %d): interest 0x%x is not a non-empty IoEventMask", op_name(op), fd,
        events));
  }
  if (fd == wakeup_->fd()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("epoll_ctl(%s, fd %d): fd is the poller's own wakeup fd", op_name(op), fd));
  }
  epoll_event ev{};
  ev.events = to_epoll_interest(events);
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, op, fd, &ev) != 0) {
    const int err = errno;
    // DEL of a closed fd: closing it already removed it from the set (unless
    // a dup keeps the file open), so it no longer counts. Best effort: the
    // count only gates the zero-timeout shortcut in poll().
    if (op == EPOLL_CTL_DEL && err == EBADF && registered_fds_ > 0) --registered_fds_;
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("epoll_ctl(%s, fd %d)", op_name(op), fd)), err);
  }
  if (op == EPOLL_CTL_ADD) ++registered_fds_;
  if (op == EPOLL_CTL_DEL) --registered_fds_;
  return absl::OkStatus();
}

void EpollPoller::poll(std::optional<int64_t> timeout_ns, size_t max_events,
                       std::vector<IoEvent>* out) {
  assert(out != nullptr);
  const int timeout_ms = timeout_ms_for(timeout_ns);
  // A zero-timeout poll with no fd registered can report nothing: skip the
  // syscall (BENCHMARKS.md: it was half the cost of a future handoff). A
  // pending wakeup stays readable on the eventfd and ends the next blocking
  // poll at once, which is harmless.
  if (timeout_ms == 0 && registered_fds_ == 0) return;
  // epoll_wait needs at least one slot; with max_events == 0 a real event in
  // it is dropped here and reported again later (level-triggered).
  const size_t slots = std::clamp<size_t>(max_events, 1, kMaxEventsPerPoll);
  assert(slots <= ready_.size());
  int n = -1;
  for (;;) {
    n = epoll_wait(epoll_fd_, ready_.data(), static_cast<int>(slots), timeout_ms);
    if (n >= 0) break;
    if (errno != EINTR) internal::die("EpollPoller", "epoll_wait", errno);
    if (timeout_ms >= 0) return;  // early return; the loop recomputes its timeout
  }
  assert(static_cast<size_t>(n) <= slots);
  size_t reported = 0;
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = ready_[static_cast<size_t>(i)];
    if (ev.data.fd == wakeup_->fd()) {
      wakeup_->drain();
      continue;
    }
    if (reported == max_events) continue;
    uint32_t events = from_epoll_readiness(ev.events);
    assert(events != 0 && "epoll reported an fd with no readiness bits");
    out->push_back(IoEvent{ev.data.fd, events});
    ++reported;
  }
  assert(reported <= max_events);
}

}  // namespace seedloop::real
