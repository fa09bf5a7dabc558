#include "loop/real/internal/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace seedloop::real::internal {
namespace {

// What the child sends back when it cannot exec (CPython's
// _posixsubprocess writes "OSError:<errno>:<noexec>" the same way).
struct ChildFailure {
  enum Stage : int { kSetup = 0, kChdir = 1, kExec = 2 };
  int stage = kSetup;
  int err = 0;
};

// Everything the child reads, made before fork().
struct Prepared {
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<std::string> candidates;  // the paths execve tries, in order
  int source[3] = {-1, -1, -1};         // the fd each of 0, 1, 2 becomes; -1: inherit
  bool stderr_to_stdout = false;
  const char* cwd = nullptr;
  int max_fd = 0;  // close_range's fallback bound
};

// Popen's executable search (os.get_exec_path): a name with a '/' is used
// as is; otherwise each PATH entry (the default path when unset) is tried.
std::vector<std::string> exec_candidates(const std::string& program,
                                         const std::optional<std::vector<std::string>>& env) {
  if (program.find('/') != std::string::npos) return {program};
  std::string path = "/bin:/usr/bin";  // os.defpath
  bool found = false;
  if (env) {
    for (const std::string& entry : *env) {
      if (entry.rfind("PATH=", 0) == 0) {
        path = entry.substr(5);
        found = true;
      }
    }
  }
  if (!found && !env) {
    if (const char* p = std::getenv("PATH")) path = p;
  }
  std::vector<std::string> out;
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    std::string d(dir.empty() ? "." : std::string(dir));
    out.push_back(d + "/" + program);
  }
  return out;
}

void report_and_exit(int fd, ChildFailure::Stage stage, int err) {
  ChildFailure failure{stage, err};
  ssize_t unused = ::write(fd, &failure, sizeof failure);
  (void)unused;
  ::_exit(255);
}

// The child, after fork(): async-signal-safe calls only.
[[noreturn]] void run_child(Prepared& p, int report_fd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);  // Popen's restore_signals
  // A source that sits on another stdio slot would be overwritten: lift it.
  for (int i = 0; i < 3; ++i) {
    if (p.source[i] >= 0 && p.source[i] < 3 && p.source[i] != i) {
      p.source[i] = fcntl(p.source[i], F_DUPFD_CLOEXEC, 3);
      if (p.source[i] < 0) report_and_exit(report_fd, ChildFailure::kSetup, errno);
    }
  }
  for (int i = 0; i < 3; ++i) {
    if (p.source[i] < 0) continue;
    const int r = p.source[i] == i ? fcntl(i, F_SETFD, 0) : dup2(p.source[i], i);
    if (r < 0) report_and_exit(report_fd, ChildFailure::kSetup, errno);
  }
  if (p.stderr_to_stdout && dup2(1, 2) < 0) report_and_exit(report_fd, ChildFailure::kSetup, errno);
  // close_fds=True: every fd above 2 but the report pipe.
  if (report_fd > 3) {
    if (syscall(SYS_close_range, 3u, static_cast<unsigned>(report_fd - 1), 0u) != 0) {
      for (int fd = 3; fd < report_fd; ++fd) ::close(fd);
    }
  }
  if (syscall(SYS_close_range, static_cast<unsigned>(report_fd + 1), ~0u, 0u) != 0) {
    for (int fd = report_fd + 1; fd < p.max_fd; ++fd) ::close(fd);
  }
  if (p.cwd != nullptr && chdir(p.cwd) != 0) report_and_exit(report_fd, ChildFailure::kChdir, errno);
  int saved = 0;
  for (const std::string& path : p.candidates) {
    execve(path.c_str(), p.argv.data(), p.envp.data());
    if (errno != ENOENT && errno != ENOTDIR && saved == 0) saved = errno;
  }
  report_and_exit(report_fd, ChildFailure::kExec, saved != 0 ? saved : errno);
  ::_exit(255);
}

absl::Status errno_status(int err, const std::string& message) {
  return with_errno(absl::ErrnoToStatus(err, message), err);
}

// The child's failure as spawn reports it: Python's text after "[Errno N] ".
absl::Status failure_status(const ChildFailure& failure, const SpawnOptions& options) {
  std::string text = std::strerror(failure.err);
  if (failure.stage == ChildFailure::kChdir) text += ": '" + *options.cwd + "'";
  if (failure.stage == ChildFailure::kExec) text += ": '" + options.argv[0] + "'";
  return with_errno(absl::Status(absl::ErrnoToStatusCode(failure.err), text), failure.err);
}

}  // namespace

absl::StatusOr<int> fork_exec(const SpawnOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("spawn: argv is empty");
  if (options.stdin_from.kind == ChildStdio::Kind::kStdout || options.stdout_to.kind == ChildStdio::Kind::kStdout) {
    return absl::InvalidArgumentError("spawn: only stderr may go to stdout");
  }
  Prepared p;
  std::vector<std::string> argv = options.argv;
  for (std::string& arg : argv) p.argv.push_back(arg.data());
  p.argv.push_back(nullptr);
  std::vector<std::string> env;
  if (options.env) {
    env = *options.env;
  } else {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  }
  for (std::string& entry : env) p.envp.push_back(entry.data());
  p.envp.push_back(nullptr);
  p.candidates = exec_candidates(options.argv[0], options.env);
  if (options.cwd) p.cwd = options.cwd->c_str();
  const long open_max = sysconf(_SC_OPEN_MAX);
  p.max_fd = open_max > 0 && open_max < (1 << 20) ? static_cast<int>(open_max) : (1 << 20);

  int devnull = -1;
  const ChildStdio* stdio[3] = {&options.stdin_from, &options.stdout_to, &options.stderr_to};
  for (int i = 0; i < 3; ++i) {
    switch (stdio[i]->kind) {
      case ChildStdio::Kind::kInherit:
        break;
      case ChildStdio::Kind::kFd:
        p.source[i] = stdio[i]->fd;
        break;
      case ChildStdio::Kind::kStdout:
        p.stderr_to_stdout = true;
        break;
      case ChildStdio::Kind::kDevNull:
        if (devnull < 0) devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0) return errno_status(errno, "open('/dev/null')");
        p.source[i] = devnull;
        break;
    }
  }
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    const int err = errno;
    if (devnull >= 0) ::close(devnull);
    return errno_status(err, "pipe2 (spawn)");
  }
  const pid_t pid = fork();
  if (pid == 0) run_child(p, report[1]);
  const int fork_errno = errno;
  ::close(report[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(report[0]);
    return errno_status(fork_errno, "fork");
  }
  ChildFailure failure;
  size_t got = 0;
  while (got < sizeof failure) {
    const ssize_t n = ::read(report[0], reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(report[0]);
  if (got == 0) return pid;  // the report pipe closed on exec: the child runs
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got < sizeof failure) return absl::InternalError("spawn: the child's failure report was cut short");
  return failure_status(failure, options);
}

}  // namespace seedloop::real::internal
