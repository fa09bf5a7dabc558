#include "loop/real/epoll_poller.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_format.h"

namespace seedloop::real {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
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

[[noreturn]] void die(const char* what, int err) {
  std::fprintf(stderr, "seedloop: EpollPoller: %s: %s\n", what, std::strerror(err));
  std::abort();
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpollPoller>> EpollPoller::Create() {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return absl::ErrnoToStatus(errno, "epoll_create1");
  int wakeup_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeup_fd < 0) {
    int err = errno;
    close(epoll_fd);
    return absl::ErrnoToStatus(err, "eventfd");
  }
  // From here the poller owns both fds and closes them on every path.
  std::unique_ptr<EpollPoller> poller(new EpollPoller(epoll_fd, wakeup_fd));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wakeup_fd;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wakeup_fd, &ev) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrFormat("epoll_ctl(ADD, wakeup fd %d)", wakeup_fd));
  }
  return poller;
}

EpollPoller::EpollPoller(int epoll_fd, int wakeup_fd)
    : epoll_fd_(epoll_fd), wakeup_fd_(wakeup_fd), ready_(kMaxEventsPerPoll) {
  assert(epoll_fd_ >= 0);
  assert(wakeup_fd_ >= 0);
}

EpollPoller::~EpollPoller() {
  close(wakeup_fd_);
  close(epoll_fd_);
}

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
  if (fd == wakeup_fd_) {
    return absl::InvalidArgumentError(
        absl::StrFormat("epoll_ctl(%s, fd %d): fd is the poller's own wakeup fd", op_name(op), fd));
  }
  epoll_event ev{};
  ev.events = to_epoll_interest(events);
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, op, fd, &ev) != 0) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("epoll_ctl(%s, fd %d)", op_name(op), fd)), err);
  }
  if (op == EPOLL_CTL_ADD) ++registered_fds_;
  if (op == EPOLL_CTL_DEL) --registered_fds_;
  return absl::OkStatus();
}

int EpollPoller::timeout_ms_for(std::optional<int64_t> timeout_ns) {
  if (!timeout_ns.has_value()) return -1;
  int64_t ns = *timeout_ns;
  if (ns <= 0) return 0;
  int64_t ms = ns / kNsPerMs + (ns % kNsPerMs != 0 ? 1 : 0);  // ceil, without overflow
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
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
    if (errno != EINTR) die("epoll_wait", errno);
    if (timeout_ms >= 0) return;  // early return; the loop recomputes its timeout
  }
  assert(static_cast<size_t>(n) <= slots);
  size_t reported = 0;
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = ready_[static_cast<size_t>(i)];
    if (ev.data.fd == wakeup_fd_) {
      drain_wakeup_fd();
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

void EpollPoller::drain_wakeup_fd() {
  uint64_t count = 0;
  for (;;) {
    ssize_t r = read(wakeup_fd_, &count, sizeof count);
    if (r == static_cast<ssize_t>(sizeof count)) break;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) break;  // already drained: harmless
    die("read(wakeup eventfd)", r < 0 ? errno : EIO);
  }
  // Clear the flag only after the read: a wakeup() that lands between the two
  // is absorbed by this (returning) poll, and the next wakeup() writes again.
  wakeup_pending_.store(false);
}

void EpollPoller::wakeup() {
  if (wakeup_pending_.exchange(true)) return;  // a write is already on its way
  const uint64_t one = 1;
  for (;;) {
    ssize_t w = write(wakeup_fd_, &one, sizeof one);
    if (w == static_cast<ssize_t>(sizeof one)) return;
    if (w < 0 && errno == EINTR) continue;
    // EAGAIN means the counter is near 2^64: the fd is readable anyway.
    if (w < 0 && errno == EAGAIN) return;
    die("write(wakeup eventfd)", w < 0 ? errno : EIO);
  }
}

}  // namespace seedloop::real
