// The argument and result types of the loop's subprocess methods
// (EventLoop::subprocess_exec / subprocess_shell: loop/net/
// subprocess_transport.h), kept apart so that loop/event_loop.h can
// declare those methods without including the transports.
//
//   SubprocessOptions options;
//   options.stdin = subprocess::DEVNULL;
//   options.stderr = subprocess::STDOUT;      // 2>&1
//   auto [transport, protocol] = co_await loop.subprocess_exec(factory, {"/bin/echo", "hi"}, options);
//
// Threads: plain values.

#ifndef SEEDLOOP_LOOP_NET_SUBPROCESS_OPTIONS_H_
#define SEEDLOOP_LOOP_NET_SUBPROCESS_OPTIONS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace seedloop {

class SubprocessProtocol;
class SubprocessTransport;

// Python's stdin= / stdout= / stderr= values: None (inherit the parent's),
// subprocess.PIPE, DEVNULL, STDOUT (stderr only), or an fd of the parent
// (Stdio::from_fd; the parent keeps it open and owns it).
struct Stdio {
  enum class Kind { kInherit, kPipe, kDevNull, kStdout, kFd };
  Kind kind = Kind::kInherit;
  int fd = -1;  // kFd only
  static constexpr Stdio from_fd(int fd) { return Stdio{Kind::kFd, fd}; }
};

// asyncio.subprocess.PIPE, DEVNULL, STDOUT, and Python's None.
namespace subprocess {
inline constexpr Stdio PIPE{Stdio::Kind::kPipe, -1};
inline constexpr Stdio DEVNULL{Stdio::Kind::kDevNull, -1};
inline constexpr Stdio STDOUT{Stdio::Kind::kStdout, -1};
inline constexpr Stdio INHERIT{Stdio::Kind::kInherit, -1};
}  // namespace subprocess

// subprocess_exec's keyword arguments, with loop.subprocess_exec's
// defaults (every stream a pipe). env: "NAME=value" entries, nullopt to
// inherit.
struct SubprocessOptions {
  Stdio stdin = subprocess::PIPE;
  Stdio stdout = subprocess::PIPE;
  Stdio stderr = subprocess::PIPE;
  std::optional<std::string> cwd;
  std::optional<std::vector<std::string>> env;
};

using SubprocessProtocolFactory = std::function<std::shared_ptr<SubprocessProtocol>()>;
// subprocess_exec's (transport, protocol).
using SubprocessTransportAndProtocol =
    std::pair<std::shared_ptr<SubprocessTransport>, std::shared_ptr<SubprocessProtocol>>;

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SUBPROCESS_OPTIONS_H_
