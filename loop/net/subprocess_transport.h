// SubprocessProtocol and SubprocessTransport: asyncio's
// protocols.SubprocessProtocol and base_subprocess.BaseSubprocessTransport
// with unix_events._UnixSubprocessTransport (CPython 3.11), what
// loop.subprocess_exec / subprocess_shell make (loop/net/pipes.cc).
//
//   class Collect : public SubprocessProtocol {
//     void pipe_data_received(int fd, std::string_view data) override { out[fd].append(data); }
//     void process_exited() override { ... }
//     std::string out[3];
//   };
//   auto [transport, protocol] = co_await loop.subprocess_exec(
//       [] { return std::make_shared<Collect>(); }, {"/bin/echo", "hi"});
//   int returncode = co_await transport->wait();
//
// Order of calls, as asyncio's: the child is spawned at once (spawn errors,
// FileNotFoundError "[Errno 2] No such file or directory: 'prog'" and the
// like, are raised by subprocess_exec itself); the pipes (stdin, then
// stdout, then stderr, for those that are PIPE) are connected; then
// connection_made, then the pipe and exit calls that arrived meanwhile, in
// arrival order. pipe_data_received(fd, data) and pipe_connection_lost(fd,
// exc) come from the pipe transports; process_exited() once the child is
// reaped. When the child has exited and every pipe is closed,
// connection_lost(nullptr) runs and wait()ers get the returncode.
// Every protocol call is a separate loop callback.
//
// Exits: a pidfd watched by the loop's poller when ProcessOps has one
// (Linux >= 5.3), else a thread per child that blocks in waitpid and posts
// the code back (CPython's ThreadedChildWatcher). returncode is the exit
// status, or -N after death by signal N.
//
// send_signal / terminate / kill do nothing once the returncode is known
// (Popen.send_signal), and raise ProcessLookupError once the transport has
// finished (connection_lost has run: base_subprocess._check_proc).
// close() closes the pipe transports and kills a child still running.
//
// Ownership: the transport holds itself until connection_lost has run; the
// protocol is held until then. Close transports (and let their children
// exit) before the loop is closed: the loop's thread boundary joins the
// reaper threads of the fallback, which wait for their child.
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_SUBPROCESS_TRANSPORT_H_
#define SEEDLOOP_LOOP_NET_SUBPROCESS_TRANSPORT_H_

#include <array>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/net/protocols.h"
#include "loop/net/subprocess_options.h"

namespace seedloop {

// asyncio.SubprocessProtocol: connection_made gets the subprocess
// transport (this overload). `data` is valid only during the call.
class SubprocessTransport;

class SubprocessProtocol : public BaseProtocol {
 public:
  using BaseProtocol::connection_made;
  virtual void connection_made(std::shared_ptr<SubprocessTransport> transport) { (void)transport; }
  virtual void pipe_data_received(int fd, std::string_view data) {
    (void)fd;
    (void)data;
  }
  virtual void pipe_connection_lost(int fd, std::exception_ptr exception) {
    (void)fd;
    (void)exception;
  }
  virtual void process_exited() {}
};

class SubprocessTransport final : public std::enable_shared_from_this<SubprocessTransport> {
 public:
  // Spawns the child (raising what spawn raised) and starts connecting its
  // pipes; `waiter` is set once connection_made has been scheduled.
  static std::shared_ptr<SubprocessTransport> create(EventLoop& loop, std::shared_ptr<SubprocessProtocol> protocol,
                                                     std::vector<std::string> argv, const SubprocessOptions& options,
                                                     Future<void> waiter);
  ~SubprocessTransport();
  SubprocessTransport(const SubprocessTransport&) = delete;
  SubprocessTransport& operator=(const SubprocessTransport&) = delete;

  int get_pid() const { return pid_; }
  std::optional<int> get_returncode() const { return returncode_; }
  // The pipe transport on the child's fd 0, 1 or 2, or null (no pipe).
  std::shared_ptr<Transport> get_pipe_transport(int fd) const;
  void send_signal(int sig);
  void terminate();
  void kill();
  bool is_closing() const { return closed_; }
  void close();
  void set_protocol(std::shared_ptr<SubprocessProtocol> protocol) { protocol_ = std::move(protocol); }
  std::shared_ptr<SubprocessProtocol> get_protocol() const { return protocol_; }
  // base_subprocess._wait: the returncode, once connection_lost has run.
  Coro<int> wait();
  // asyncio's repr: "<_UnixSubprocessTransport pid=123 running stdin=<...>>".
  std::string repr() const;

  // The pipe protocols' side (base_subprocess._pipe_*).
  void pipe_connection_lost(int fd, std::exception_ptr exception);
  void pipe_data_received(int fd, std::string data);
  void pause_writing();
  void resume_writing();

 private:
  struct Pipe {
    std::shared_ptr<Transport> transport;  // null until connected
    bool disconnected = false;
  };

  SubprocessTransport(EventLoop& loop, std::shared_ptr<SubprocessProtocol> protocol);
  void start(std::vector<std::string> argv, const SubprocessOptions& options);
  Coro<void> connect_pipes(Future<void> waiter, std::array<int, 3> parent_fds);
  void watch_exit();
  void exit_fd_ready();
  void process_exited(int returncode);
  void call(Callback callback);
  void try_finish();
  void call_connection_lost();
  void check_proc() const;

  EventLoop* loop_;
  std::shared_ptr<SubprocessProtocol> protocol_;
  std::shared_ptr<SubprocessTransport> self_;  // until connection_lost
  int pid_ = -1;
  bool proc_ = false;  // base_subprocess._proc is not None
  std::optional<int> returncode_;
  int exit_fd_ = -1;
  bool closed_ = false;
  bool finished_ = false;
  absl::btree_map<int, Pipe> pipes_;  // keyed by the child's fd: 0, 1, 2
  std::optional<std::vector<Callback>> pending_calls_;  // until connection_made
  std::vector<Future<int>> exit_waiters_;
  std::optional<Task<void>> connecting_;
  std::array<int, 3> parent_fds_ = {-1, -1, -1};  // our pipe ends, until connected
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SUBPROCESS_TRANSPORT_H_
