#include "loop/real/process_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "absl/strings/str_format.h"
#include "loop/real/internal/spawn.h"

namespace seedloop::real {
namespace {

absl::Status errno_status(int err, const char* call, int fd) {
  return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("%s(fd %d)", call, fd)), err);
}

template <typename F>
auto retry_eintr(F call) {
  for (;;) {
    auto r = call();
    if (r >= 0 || errno != EINTR) return r;
  }
}

// Blocks SIGPIPE in this thread for its lifetime; consume() takes the
// SIGPIPE a write to a broken pipe left pending (unless one was pending
// before: that one is not ours to take).
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_);
  }
  ~SigpipeBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  void consume() {
    if (was_pending_) return;
    const struct timespec zero {};
    while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }

 private:
  sigset_t pipe_set_;
  sigset_t old_;
  bool was_pending_ = false;
};

}  // namespace

absl::StatusOr<std::pair<int, int>> RealProcessOps::pipe(Blocking mode) {
  int fds[2] = {-1, -1};
  const int flags = O_CLOEXEC | (mode == Blocking::kNonBlocking ? O_NONBLOCK : 0);
  if (pipe2(fds, flags) != 0) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, "pipe2"), err);
  }
  return std::make_pair(fds[0], fds[1]);
}

absl::StatusOr<size_t> RealProcessOps::read(int fd, absl::Span<char> buffer) {
  const ssize_t n = retry_eintr([&] { return ::read(fd, buffer.data(), buffer.size()); });
  if (n < 0) return errno_status(errno, "read", fd);
  return static_cast<size_t>(n);
}

absl::StatusOr<size_t> RealProcessOps::write(int fd, absl::Span<const char> data) {
  SigpipeBlocked blocked;
  const ssize_t n = retry_eintr([&] { return ::write(fd, data.data(), data.size()); });
  if (n >= 0) return static_cast<size_t>(n);
  const int err = errno;
  if (err == EPIPE) blocked.consume();
  return errno_status(err, "write", fd);
}

absl::Status RealProcessOps::close(int fd) {
  if (::close(fd) != 0 && errno != EINTR) return errno_status(errno, "close", fd);
  return absl::OkStatus();
}

absl::Status RealProcessOps::set_blocking(int fd, Blocking mode) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno_status(errno, "fcntl", fd);
  const int wanted = mode == Blocking::kNonBlocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) != 0) return errno_status(errno, "fcntl", fd);
  return absl::OkStatus();
}

absl::StatusOr<FdType> RealProcessOps::fd_type(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return errno_status(errno, "fstat", fd);
  if (S_ISFIFO(st.st_mode)) return FdType::kFifo;
  if (S_ISSOCK(st.st_mode)) return FdType::kSocket;
  if (S_ISCHR(st.st_mode)) return FdType::kCharDevice;
  return FdType::kOther;
}

absl::StatusOr<int> RealProcessOps::spawn(const SpawnOptions& options) { return internal::fork_exec(options); }

absl::Status RealProcessOps::send_signal(int pid, int sig) {
  if (::kill(pid, sig) != 0) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("kill(pid %d, %d)", pid, sig)), err);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> RealProcessOps::open_exit_fd(int pid) {
  if (exit_watch_ == ExitWatch::kThread) return absl::UnimplementedError("pidfd_open: disabled (ExitWatch::kThread)");
  // pidfd_open(2), Linux 5.3; a pidfd is always close-on-exec.
  const long fd = syscall(SYS_pidfd_open, pid, 0u);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOSYS) return absl::UnimplementedError("pidfd_open: not supported by this kernel");
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("pidfd_open(pid %d)", pid)), err);
  }
  return static_cast<int>(fd);
}

absl::StatusOr<std::optional<int>> RealProcessOps::wait(int pid, WaitMode mode) {
  siginfo_t info{};
  const int options = WEXITED | (mode == WaitMode::kNoHang ? WNOHANG : 0);
  if (retry_eintr([&] { return waitid(P_PID, static_cast<id_t>(pid), &info, options); }) != 0) {
    const int err = errno;
    return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("waitid(pid %d)", pid)), err);
  }
  if (info.si_pid == 0) return std::optional<int>();  // WNOHANG: still running
  // Popen._handle_exitstatus: -signal for a death by signal.
  if (info.si_code == CLD_EXITED) return std::optional<int>(info.si_status);
  return std::optional<int>(-info.si_status);
}

}  // namespace seedloop::real
