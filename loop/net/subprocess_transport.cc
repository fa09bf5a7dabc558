// SubprocessTransport (loop/net/subprocess_transport.h), after CPython
// 3.11's base_subprocess.py and unix_events._UnixSubprocessTransport.

#include "loop/net/subprocess_transport.h"

#include <signal.h>

#include <cassert>
#include <utility>

#include "absl/strings/str_format.h"
#include "loop/errors.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// base_subprocess.WriteSubprocessPipeProto / ReadSubprocessPipeProto: a
// pipe transport's protocol that reports to the subprocess transport.
class SubprocessPipeProto final : public Protocol {
 public:
  SubprocessPipeProto(std::shared_ptr<SubprocessTransport> proc, int fd) : proc_(std::move(proc)), fd_(fd) {}
  void connection_lost(std::exception_ptr exception) override {
    std::shared_ptr<SubprocessTransport> proc = std::move(proc_);
    proc->pipe_connection_lost(fd_, exception);
  }
  void pause_writing() override { proc_->pause_writing(); }
  void resume_writing() override { proc_->resume_writing(); }
  void data_received(std::string_view data) override { proc_->pipe_data_received(fd_, std::string(data)); }

 private:
  std::shared_ptr<SubprocessTransport> proc_;
  int fd_;
};

ChildStdio child_stdio(const Stdio& stdio, int pipe_end) {
  switch (stdio.kind) {
    case Stdio::Kind::kInherit:
      return {};
    case Stdio::Kind::kDevNull:
      return {ChildStdio::Kind::kDevNull, -1};
    case Stdio::Kind::kStdout:
      return {ChildStdio::Kind::kStdout, -1};
    case Stdio::Kind::kFd:
      return {ChildStdio::Kind::kFd, stdio.fd};
    case Stdio::Kind::kPipe:
      return {ChildStdio::Kind::kFd, pipe_end};
  }
  return {};
}

}  // namespace

std::shared_ptr<SubprocessTransport> SubprocessTransport::create(EventLoop& loop,
                                                                 std::shared_ptr<SubprocessProtocol> protocol,
                                                                 std::vector<std::string> argv,
                                                                 const SubprocessOptions& options,
                                                                 Future<void> waiter) {
  assert(protocol != nullptr && "a transport needs a protocol");
  if (options.stdin.kind == Stdio::Kind::kStdout || options.stdout.kind == Stdio::Kind::kStdout) {
    throw ValueError("STDOUT can only be used for stderr");
  }
  std::shared_ptr<SubprocessTransport> t(new SubprocessTransport(loop, std::move(protocol)));
  t->start(std::move(argv), options);  // raises spawn's errors; nothing is left open then
  t->self_ = t;
  t->watch_exit();
  Coro<void> connecting = t->connect_pipes(std::move(waiter), t->parent_fds_);
  t->connecting_ = loop.create_task(std::move(connecting));
  return t;
}

SubprocessTransport::SubprocessTransport(EventLoop& loop, std::shared_ptr<SubprocessProtocol> protocol)
    : loop_(&loop), protocol_(std::move(protocol)), pending_calls_(std::vector<Callback>()) {}

SubprocessTransport::~SubprocessTransport() {
  if (exit_fd_ >= 0) (void)loop_->process_ops().close(exit_fd_);
}

// _UnixSubprocessTransport._start: Popen with a pipe per PIPE stream.
void SubprocessTransport::start(std::vector<std::string> argv, const SubprocessOptions& options) {
  ProcessOps& ops = loop_->process_ops();
  const Stdio* stdio[3] = {&options.stdin, &options.stdout, &options.stderr};
  std::array<int, 3> child_fds = {-1, -1, -1};
  auto close_all = [&] {
    for (int i = 0; i < 3; ++i) {
      if (child_fds[i] >= 0) (void)ops.close(child_fds[i]);
      if (parent_fds_[i] >= 0) (void)ops.close(parent_fds_[i]);
      child_fds[i] = parent_fds_[i] = -1;
    }
  };
  for (int i = 0; i < 3; ++i) {
    if (stdio[i]->kind != Stdio::Kind::kPipe) continue;
    absl::StatusOr<std::pair<int, int>> p = ops.pipe(Blocking::kBlocking);
    if (!p.ok()) {
      close_all();
      internal::raise_status(p.status());
    }
    // The child reads its stdin from the read end, writes the others.
    child_fds[i] = i == 0 ? p->first : p->second;
    parent_fds_[i] = i == 0 ? p->second : p->first;
    pipes_[i] = Pipe{};
  }
  SpawnOptions spawn;
  spawn.argv = std::move(argv);
  spawn.cwd = options.cwd;
  spawn.env = options.env;
  spawn.stdin_from = child_stdio(options.stdin, child_fds[0]);
  spawn.stdout_to = child_stdio(options.stdout, child_fds[1]);
  spawn.stderr_to = child_stdio(options.stderr, child_fds[2]);
  absl::StatusOr<int> pid = ops.spawn(spawn);
  for (int& fd : child_fds) {
    if (fd >= 0) (void)ops.close(fd);
    fd = -1;
  }
  if (!pid.ok()) {
    close_all();
    pipes_.clear();
    closed_ = true;
    const int err = errno_of(pid.status());
    // Popen's text: "[Errno 2] No such file or directory: 'prog'".
    if (err != 0) std::rethrow_exception(make_os_error(err, std::string(pid.status().message())));
    internal::raise_status(pid.status());
  }
  pid_ = *pid;
  proc_ = true;
}

// base_subprocess._connect_pipes.
Coro<void> SubprocessTransport::connect_pipes(Future<void> waiter, std::array<int, 3> parent_fds) {
  std::exception_ptr failure;
  try {
    for (int fd = 0; fd < 3; ++fd) {
      if (parent_fds[fd] < 0) continue;
      auto factory = [self = self_, fd] { return std::make_shared<SubprocessPipeProto>(self, fd); };
      const int pipe_fd = std::exchange(parent_fds_[fd], -1);
      Coro<TransportAndProtocol> connecting =
          fd == 0 ? loop_->connect_write_pipe(factory, pipe_fd) : loop_->connect_read_pipe(factory, pipe_fd);
      TransportAndProtocol connected = co_await std::move(connecting);
      pipes_[fd].transport = connected.first;
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    // Not in CPython (whose wait() after this failure can hang): the pipes
    // never connected count as lost and the deferred calls still run, so
    // that the transport finishes once the child is gone.
    for (int fd = 0; fd < 3; ++fd) {
      if (parent_fds_[fd] >= 0) (void)loop_->process_ops().close(std::exchange(parent_fds_[fd], -1));
      if (pipes_.contains(fd) && !pipes_[fd].transport) pipes_[fd].disconnected = true;
    }
    for (Callback& callback : *pending_calls_) loop_->call_soon(std::move(callback));
    pending_calls_.reset();
    if (!finished_) try_finish();
    if (is_exit_exception(failure)) std::rethrow_exception(failure);
    if (!waiter.cancelled()) waiter.set_exception(failure);
    co_return;
  }
  std::shared_ptr<SubprocessProtocol> protocol = protocol_;
  loop_->call_soon([protocol, self = self_] { protocol->connection_made(self); });
  for (Callback& callback : *pending_calls_) loop_->call_soon(std::move(callback));
  pending_calls_.reset();
  if (!waiter.cancelled()) waiter.set_result();
}

// ---- Exits ----

void SubprocessTransport::watch_exit() {
  ProcessOps& ops = loop_->process_ops();
  if (absl::StatusOr<int> fd = ops.open_exit_fd(pid_); fd.ok()) {
    exit_fd_ = *fd;
    loop_->add_reader(exit_fd_, [this] { exit_fd_ready(); });
    return;
  }
  // CPython's ThreadedChildWatcher: a thread waits, the loop hears. `this`
  // stays alive until process_exited has run (self_ needs a returncode to
  // be let go); if the loop is closed first, the post is dropped unrun.
  ProcessOps* ops_ptr = &ops;
  ThreadBoundary* boundary = &loop_->thread_boundary();
  boundary->spawn([ops_ptr, boundary, pid = pid_, raw = this] {
    absl::StatusOr<std::optional<int>> code = ops_ptr->wait(pid, WaitMode::kBlock);
    // ThreadedChildWatcher: an unknown status (someone else reaped) is 255.
    const int returncode = code.ok() && code->has_value() ? **code : 255;
    boundary->post([raw, returncode] { raw->process_exited(returncode); });
  });
}

void SubprocessTransport::exit_fd_ready() {
  absl::StatusOr<std::optional<int>> code = loop_->process_ops().wait(pid_, WaitMode::kNoHang);
  if (code.ok() && !code->has_value()) return;  // not yet
  loop_->remove_reader(exit_fd_);
  (void)loop_->process_ops().close(exit_fd_);
  exit_fd_ = -1;
  process_exited(code.ok() ? **code : 255);
}

void SubprocessTransport::process_exited(int returncode) {
  assert(!returncode_.has_value() && "process_exited twice");
  returncode_ = returncode;
  std::shared_ptr<SubprocessProtocol> protocol = protocol_;
  call([protocol] { protocol->process_exited(); });
  try_finish();
}

// ---- Calls to the protocol, deferred until connection_made ----

void SubprocessTransport::call(Callback callback) {
  if (pending_calls_) {
    pending_calls_->push_back(std::move(callback));
  } else {
    loop_->call_soon(std::move(callback));
  }
}

void SubprocessTransport::pipe_connection_lost(int fd, std::exception_ptr exception) {
  pipes_[fd].disconnected = true;
  std::shared_ptr<SubprocessProtocol> protocol = protocol_;
  call([protocol, fd, exception] { protocol->pipe_connection_lost(fd, exception); });
  try_finish();
}

void SubprocessTransport::pipe_data_received(int fd, std::string data) {
  std::shared_ptr<SubprocessProtocol> protocol = protocol_;
  call([protocol, fd, data = std::move(data)] { protocol->pipe_data_received(fd, data); });
}

void SubprocessTransport::pause_writing() {
  if (protocol_) protocol_->pause_writing();
}
void SubprocessTransport::resume_writing() {
  if (protocol_) protocol_->resume_writing();
}

void SubprocessTransport::try_finish() {
  assert(!finished_ && "try_finish after finishing");
  if (!returncode_) return;
  for (const auto& [fd, pipe] : pipes_) {
    if (!pipe.disconnected) return;
  }
  finished_ = true;
  std::shared_ptr<SubprocessTransport> self = self_;
  call([self] { self->call_connection_lost(); });
}

void SubprocessTransport::call_connection_lost() {
  std::shared_ptr<SubprocessTransport> keep = std::move(self_);
  std::shared_ptr<SubprocessProtocol> protocol = std::move(protocol_);
  std::exception_ptr failed;
  try {
    protocol->connection_lost(nullptr);
  } catch (...) {
    failed = std::current_exception();
  }
  // The finally clause.
  for (Future<int>& waiter : exit_waiters_) {
    if (!waiter.cancelled()) waiter.set_result(*returncode_);
  }
  exit_waiters_.clear();
  proc_ = false;
  connecting_.reset();
  if (failed) std::rethrow_exception(failed);
}

Coro<int> SubprocessTransport::wait() {
  if (returncode_) co_return *returncode_;
  std::shared_ptr<SubprocessTransport> keep = shared_from_this();
  Future<int> waiter = loop_->create_future<int>();
  exit_waiters_.push_back(waiter);
  const int returncode = co_await waiter;
  co_return returncode;
}

// ---- Signals and closing ----

void SubprocessTransport::check_proc() const {
  if (!proc_) throw ProcessLookupError(0, "");
}

void SubprocessTransport::send_signal(int sig) {
  check_proc();
  if (returncode_) return;  // Popen.send_signal: nothing to signal
  if (absl::Status s = loop_->process_ops().send_signal(pid_, sig); !s.ok()) internal::raise_status(s);
}

void SubprocessTransport::terminate() { send_signal(SIGTERM); }
void SubprocessTransport::kill() { send_signal(SIGKILL); }

std::shared_ptr<Transport> SubprocessTransport::get_pipe_transport(int fd) const {
  auto it = pipes_.find(fd);
  return it == pipes_.end() ? nullptr : it->second.transport;
}

void SubprocessTransport::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& [fd, pipe] : pipes_) {
    if (pipe.transport) pipe.transport->close();
  }
  // The child is not reaped before its exit is heard, so its pid cannot be
  // reused: a kill here reaches it or its zombie.
  if (proc_ && !returncode_) (void)loop_->process_ops().send_signal(pid_, SIGKILL);
}

std::string SubprocessTransport::repr() const {
  std::string info = "<_UnixSubprocessTransport";
  if (closed_) info += " closed";
  if (pid_ >= 0) info += absl::StrFormat(" pid=%d", pid_);
  if (returncode_) {
    info += absl::StrFormat(" returncode=%d", *returncode_);
  } else {
    info += pid_ >= 0 ? " running" : " not started";
  }
  return info + ">";
}

}  // namespace seedloop
