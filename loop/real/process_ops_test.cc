// RealProcessOps, the ProcessOps seam on Linux: pipes, SIGPIPE-free writes,
// fd types, spawn (stdio, close_fds, exec and chdir failures), signals and
// reaping through a pidfd or a blocking wait.

#include "loop/real/process_ops.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace seedloop::real {
namespace {

// Reads `fd` (blocking) to its end.
std::string read_all(ProcessOps& ops, int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    absl::StatusOr<size_t> n = ops.read(fd, absl::MakeSpan(buffer, sizeof buffer));
    EXPECT_TRUE(n.ok()) << n.status();
    if (!n.ok() || *n == 0) return out;
    out.append(buffer, *n);
  }
}

// Spawns `argv` with stdout to a pipe; returns (pid, stdout text, returncode).
struct Ran {
  std::string out;
  int returncode = -1000;
};
Ran run_child(ProcessOps& ops, SpawnOptions options) {
  auto [r, w] = *ops.pipe(Blocking::kBlocking);
  options.stdout_to = {ChildStdio::Kind::kFd, w};
  absl::StatusOr<int> pid = ops.spawn(options);
  EXPECT_TRUE(ops.close(w).ok());
  Ran ran;
  if (!pid.ok()) {
    ADD_FAILURE() << pid.status();
    EXPECT_TRUE(ops.close(r).ok());
    return ran;
  }
  ran.out = read_all(ops, r);
  EXPECT_TRUE(ops.close(r).ok());
  absl::StatusOr<std::optional<int>> code = ops.wait(*pid, WaitMode::kBlock);
  EXPECT_TRUE(code.ok() && code->has_value());
  ran.returncode = **code;
  return ran;
}

TEST(RealProcessOps, PipeEndsAreCloseOnExecAndNonBlockingWhenAsked) {
  RealProcessOps ops;
  auto [r, w] = *ops.pipe(Blocking::kNonBlocking);
  EXPECT_TRUE(fcntl(r, F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(fcntl(w, F_GETFL) & O_NONBLOCK);
  EXPECT_EQ(*ops.fd_type(r), FdType::kFifo);
  char buffer[4];
  absl::StatusOr<size_t> n = ops.read(r, absl::MakeSpan(buffer, sizeof buffer));
  EXPECT_EQ(errno_of(n.status()), EAGAIN);
  EXPECT_TRUE(ops.close(r).ok());
  EXPECT_TRUE(ops.close(w).ok());
}

TEST(RealProcessOps, WriteToAPipeWithoutReaderIsEpipeNotSigpipe) {
  RealProcessOps ops;
  auto [r, w] = *ops.pipe(Blocking::kNonBlocking);
  ASSERT_TRUE(ops.close(r).ok());
  absl::StatusOr<size_t> n = ops.write(w, absl::MakeConstSpan("x", 1));  // SIGPIPE would kill the test
  EXPECT_EQ(errno_of(n.status()), EPIPE);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE));
  EXPECT_TRUE(ops.close(w).ok());
}

TEST(RealProcessOps, SpawnGivesTheChildItsArgvAndStdout) {
  RealProcessOps ops;
  SpawnOptions options;
  options.argv = {"echo", "a", "b c"};  // found in PATH
  Ran ran = run_child(ops, options);
  EXPECT_EQ(ran.out, "a b c\n");
  EXPECT_EQ(ran.returncode, 0);
}

TEST(RealProcessOps, TheChildGetsNoFdBeyondItsStdio) {
  RealProcessOps ops;
  const int leaky = fcntl(1, F_DUPFD, 3);  // not close-on-exec
  ASSERT_GE(leaky, 3);
  ASSERT_LE(leaky, 9) << "dash names single-digit fds only";
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "echo x >&" + std::to_string(leaky) + " 2>/dev/null; echo $?"};
  Ran ran = run_child(ops, options);
  EXPECT_EQ(ran.out, "2\n");  // dash: "Bad file descriptor"
  ::close(leaky);
}

TEST(RealProcessOps, StderrToStdoutAndDevNullStdin) {
  RealProcessOps ops;
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "cat; echo err >&2"};
  options.stdin_from = {ChildStdio::Kind::kDevNull, -1};
  options.stderr_to = {ChildStdio::Kind::kStdout, -1};
  EXPECT_EQ(run_child(ops, options).out, "err\n");
}

TEST(RealProcessOps, ExecFailureIsReportedBySpawnWithPythonsText) {
  RealProcessOps ops;
  SpawnOptions options;
  options.argv = {"seedloop-no-such-program"};
  absl::StatusOr<int> pid = ops.spawn(options);
  EXPECT_EQ(errno_of(pid.status()), ENOENT);
  EXPECT_EQ(pid.status().message(), "No such file or directory: 'seedloop-no-such-program'");
}

TEST(RealProcessOps, ChdirFailureNamesTheDirectory) {
  RealProcessOps ops;
  SpawnOptions options;
  options.argv = {"/bin/echo"};
  options.cwd = "/seedloop-no-such-dir";
  absl::StatusOr<int> pid = ops.spawn(options);
  EXPECT_EQ(errno_of(pid.status()), ENOENT);
  EXPECT_EQ(pid.status().message(), "No such file or directory: '/seedloop-no-such-dir'");
}

TEST(RealProcessOps, ExitFdBecomesReadableWhenTheChildDiesThenWaitReaps) {
  RealProcessOps ops;
  SpawnOptions options;
  options.argv = {"/bin/sleep", "10"};
  absl::StatusOr<int> pid = ops.spawn(options);
  ASSERT_TRUE(pid.ok()) << pid.status();
  absl::StatusOr<int> exit_fd = ops.open_exit_fd(*pid);
  ASSERT_TRUE(exit_fd.ok()) << exit_fd.status();
  EXPECT_EQ(*ops.wait(*pid, WaitMode::kNoHang), std::nullopt);
  ASSERT_TRUE(ops.send_signal(*pid, SIGTERM).ok());
  struct pollfd p = {*exit_fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  EXPECT_EQ(*ops.wait(*pid, WaitMode::kNoHang), -SIGTERM);
  EXPECT_TRUE(ops.close(*exit_fd).ok());
}

TEST(RealProcessOps, ThreadExitWatchHasNoExitFd) {
  RealProcessOps ops(RealProcessOps::ExitWatch::kThread);
  EXPECT_EQ(ops.open_exit_fd(1).status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace seedloop::real
