#include "loop/real/signal_ops.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "absl/base/attributes.h"
#include "absl/strings/str_format.h"

namespace seedloop::real {

namespace {

// The process's wakeup target (see the header) and the number of handlers
// using it right now. Lock-free atomics: the only state a signal handler may
// touch. Trivially destructible, constant-initialized.
static_assert(std::atomic<int>::is_always_lock_free);
ABSL_CONST_INIT std::atomic<int> g_wakeup_fd{-1};
ABSL_CONST_INIT std::atomic<int> g_handlers_running{0};

// Async-signal-safe: atomics and write(2) only; errno is preserved.
extern "C" void record_signal(int sig) {
  const int saved_errno = errno;
  g_handlers_running.fetch_add(1);
  const int fd = g_wakeup_fd.load();
  if (fd >= 0) {
    const unsigned char byte = static_cast<unsigned char>(sig);
    ssize_t n;
    do {
      n = ::write(fd, &byte, 1);
    } while (n < 0 && errno == EINTR);
  }
  g_handlers_running.fetch_sub(1);
  errno = saved_errno;
}

absl::Status errno_status(int err, const std::string& what) {
  return with_errno(absl::ErrnoToStatus(err, what), err);
}

}  // namespace

RealSignalOps::~RealSignalOps() {
  while (!previous_.empty()) (void)restore_signal(previous_.begin()->first);
  stop();
}

bool RealSignalOps::is_valid(int sig) const {
  // signal.valid_signals(): the members of a full signal set (glibc leaves
  // out the two its threads use).
  sigset_t all;
  sigfillset(&all);
  return sig > 0 && sig < NSIG && sigismember(&all, sig) == 1;
}

absl::StatusOr<int> RealSignalOps::start() {
  if (::gettid() != ::getpid()) {
    return absl::FailedPreconditionError("set_wakeup_fd only works in main thread of the main interpreter");
  }
  if (read_fd_ < 0) {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return errno_status(errno, "pipe2 for signals");
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  g_wakeup_fd.store(write_fd_);
  return read_fd_;
}

void RealSignalOps::stop() {
  if (read_fd_ < 0) return;
  int mine = write_fd_;
  g_wakeup_fd.compare_exchange_strong(mine, -1);
  // A handler on another thread may have loaded the fd just before: let it
  // finish before the fd number can be reused. (One interrupting this
  // thread runs to its end before this loop resumes.)
  while (g_handlers_running.load() > 0) sched_yield();
  ::close(read_fd_);
  ::close(write_fd_);
  read_fd_ = -1;
  write_fd_ = -1;
}

absl::Status RealSignalOps::catch_signal(int sig) {
  struct sigaction action = {};
  action.sa_handler = record_signal;
  action.sa_flags = SA_RESTART;  // signal.siginterrupt(sig, False)
  sigemptyset(&action.sa_mask);
  struct sigaction old = {};
  if (::sigaction(sig, &action, &old) != 0) {
    return errno_status(errno, absl::StrFormat("sigaction(%d)", sig));
  }
  previous_.try_emplace(sig, old);  // a second catch keeps the first's
  return absl::OkStatus();
}

absl::Status RealSignalOps::restore_signal(int sig) {
  auto it = previous_.find(sig);
  if (it == previous_.end()) return absl::OkStatus();
  const struct sigaction old = it->second;
  previous_.erase(it);
  if (::sigaction(sig, &old, nullptr) != 0) {
    return errno_status(errno, absl::StrFormat("sigaction(%d)", sig));
  }
  return absl::OkStatus();
}

void RealSignalOps::take_pending(std::vector<int>* out) {
  if (read_fd_ < 0) return;
  unsigned char buffer[256];
  for (;;) {
    const ssize_t n = ::read(read_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] != 0) out->push_back(buffer[i]);  // _process_self_data skips null bytes
    }
  }
}

}  // namespace seedloop::real
