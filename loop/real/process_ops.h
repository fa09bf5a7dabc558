// RealProcessOps: the production ProcessOps (backend.h): pipe2, read,
// write, fork + execve, kill, pidfd_open and waitid, on Linux.
//
//   RealProcessOps ops;
//   absl::StatusOr<std::pair<int, int>> p = ops.pipe(Blocking::kNonBlocking);
//   SpawnOptions spawn{.argv = {"/bin/echo", "hi"}};
//   spawn.stdout_to = {ChildStdio::Kind::kFd, p->second};
//   absl::StatusOr<int> pid = ops.spawn(spawn);
//   absl::StatusOr<int> exit_fd = ops.open_exit_fd(*pid);   // a pidfd
//   // ... once exit_fd is readable: ops.wait(*pid, WaitMode::kNoHang) == 0
//
// spawn is CPython's _posixsubprocess.fork_exec in small: everything the
// child needs (argv, envp, the PATH candidates, /dev/null) is prepared
// before fork(); the child only calls async-signal-safe functions: it
// moves the stdio fds into place, closes every other fd (close_range),
// unblocks all signals, resets SIGPIPE to SIG_DFL (restore_signals), chdirs
// and execs. A failure there is sent back through a close-on-exec pipe and
// spawn reports it, after reaping the child, as Popen does.
//
// write() never raises SIGPIPE: it blocks SIGPIPE in the calling thread
// around the write and consumes the signal a broken pipe raised (the
// technique of Git and libcurl), so the process's dispositions are left
// alone. Calls interrupted by a signal (EINTR) are retried; close() is not.
//
// ExitWatch::kThread makes open_exit_fd report Unimplemented, as on a
// kernel without pidfd_open (before 5.3), so that the loop's reaper-thread
// fallback can be exercised on any kernel.
//
// Threads: stateless; every method may be called from any thread.

#ifndef SEEDLOOP_LOOP_REAL_PROCESS_OPS_H_
#define SEEDLOOP_LOOP_REAL_PROCESS_OPS_H_

#include <optional>
#include <utility>

#include "loop/backend.h"

namespace seedloop::real {

class RealProcessOps : public ProcessOps {
 public:
  // How the loop learns that a child exited.
  enum class ExitWatch { kPidfd, kThread };

  explicit RealProcessOps(ExitWatch exit_watch = ExitWatch::kPidfd) : exit_watch_(exit_watch) {}

  absl::StatusOr<std::pair<int, int>> pipe(Blocking mode) override;
  absl::StatusOr<size_t> read(int fd, absl::Span<char> buffer) override;
  absl::StatusOr<size_t> write(int fd, absl::Span<const char> data) override;
  absl::Status close(int fd) override;
  absl::Status set_blocking(int fd, Blocking mode) override;
  absl::StatusOr<FdType> fd_type(int fd) override;
  absl::StatusOr<int> spawn(const SpawnOptions& options) override;
  absl::Status send_signal(int pid, int sig) override;
  absl::StatusOr<int> open_exit_fd(int pid) override;
  absl::StatusOr<std::optional<int>> wait(int pid, WaitMode mode) override;

 private:
  ExitWatch exit_watch_;
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_PROCESS_OPS_H_
