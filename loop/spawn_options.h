// The plain values ProcessOps (loop/backend.h) speaks: what an fd is, where
// a child's stdio comes from, spawn's arguments, and how wait waits. Kept
// apart from backend.h as sock_addr.h is.
//
//   SpawnOptions options;
//   options.argv = {"/bin/echo", "hi"};
//   options.stdout_to = {ChildStdio::Kind::kFd, pipe_write_end};
//   options.stderr_to = {ChildStdio::Kind::kStdout, -1};   // 2>&1
//
// Threads: plain values.

#ifndef SEEDLOOP_LOOP_SPAWN_OPTIONS_H_
#define SEEDLOOP_LOOP_SPAWN_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

namespace seedloop {

// What fstat says an fd is, as far as pipe transports care
// (stat.S_ISFIFO / S_ISSOCK / S_ISCHR).
enum class FdType { kFifo, kSocket, kCharDevice, kOther };

// Where a child's standard stream (0, 1 or 2) comes from: the parent's own
// (Python's None), /dev/null (DEVNULL), a given fd of the parent (a pipe
// end, a file), or, for stderr only, whatever the child's stdout is
// (STDOUT).
struct ChildStdio {
  enum class Kind { kInherit, kDevNull, kFd, kStdout };
  Kind kind = Kind::kInherit;
  int fd = -1;  // kFd only; left open in the parent
};

// spawn's arguments: subprocess.Popen(argv, cwd=, env=, stdin=, stdout=,
// stderr=, close_fds=True, restore_signals=True). argv[0] is looked up in
// PATH unless it holds a '/'.
struct SpawnOptions {
  std::vector<std::string> argv;
  std::optional<std::string> cwd;
  // "NAME=value" entries; nullopt inherits the parent's environment.
  std::optional<std::vector<std::string>> env;
  ChildStdio stdin_from;
  ChildStdio stdout_to;
  ChildStdio stderr_to;
};

// How ProcessOps::wait waits.
enum class WaitMode { kNoHang, kBlock };

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SPAWN_OPTIONS_H_
