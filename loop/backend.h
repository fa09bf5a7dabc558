// The seams between the platform-free loop and the world.
//
// An EventLoop (loop/event_loop.h) owns exactly one Backend: a Clock, a
// Poller, a ThreadBoundary, SocketOps, SignalOps and ProcessOps. The production backend lives in
// loop/real/ (steady clock, epoll/poll/select, eventfd, a thread pool, socket
// system calls); the deterministic one in sim/. The loop never includes either; it sees only these interfaces, and
// there is no "if simulated" branch anywhere in loop/.
//
// Threads: every method is called on the loop's thread only, except those
// marked "thread-safe" (Poller::wakeup, ThreadBoundary::post, the
// Executor's submit/shutdown paths, SocketOps::getaddrinfo/getnameinfo/read),
// which any thread may call.
//
// Time: loop time is an integer count of nanoseconds on the backend's clock.
// Time passes in exactly one place, Poller::poll. A simulated poller advances
// its virtual clock there and nowhere else.
//
// SocketOps is the socket system-call surface (socket, bind, listen,
// accept, connect, send, recv, shutdown, close, get/setsockopt,
// getsockname/getpeername, blocking mode, getaddrinfo/getnameinfo, and
// the file calls of sendfile and AF_UNIX paths: sendfile, read, lseek,
// fstat, stat, unlink) behind
// an interface, so that loop/net/ (sock_recv, sock_connect, ... and later
// transports, streams and servers) never calls the operating system and
// runs unchanged on a simulated network. Its errors carry the errno
// (with_errno) or the getaddrinfo code (with_gai_error), from which the
// loop raises Python's OSError subclasses with Python's texts.

#ifndef SEEDLOOP_LOOP_BACKEND_H_
#define SEEDLOOP_LOOP_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/types/span.h"
#include "loop/sock_addr.h"
#include "loop/spawn_options.h"

namespace seedloop {

// Monotonic time in integer nanoseconds.
class Clock {
 public:
  virtual ~Clock() = default;
  // Never decreases.
  virtual int64_t now_ns() const = 0;
  // The clock's resolution (asyncio's `_clock_resolution`): a timer whose
  // deadline is less than one resolution away counts as due.
  virtual int64_t resolution_ns() const { return 1; }
};

// A seam's error caused by an errno carries it as a payload, so that the
// loop raises OSError with Python's errno and text ("[Errno 9] Bad file
// descriptor"); absl's canonical code alone cannot tell EBADF from ENOENT.
inline constexpr char kErrnoPayloadUrl[] = "seedloop/errno";
inline absl::Status with_errno(absl::Status status, int err) {
  status.SetPayload(kErrnoPayloadUrl, absl::Cord(std::to_string(err)));
  return status;
}
// The errno a status carries, or 0.
inline int errno_of(const absl::Status& status) {
  auto payload = status.GetPayload(kErrnoPayloadUrl);  // absl::optional<absl::Cord>
  int err = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &err)) return 0;
  return err;
}

// A getaddrinfo failure carries its EAI_* code (negative on glibc, as
// Python's socket.gaierror.errno) under its own payload: the codes overlap
// errno values.
inline constexpr char kGaiErrorPayloadUrl[] = "seedloop/gai_error";
inline absl::Status with_gai_error(absl::Status status, int code) {
  status.SetPayload(kGaiErrorPayloadUrl, absl::Cord(std::to_string(code)));
  return status;
}
// The getaddrinfo code a status carries, or nullopt.
inline std::optional<int> gai_error_of(const absl::Status& status) {
  auto payload = status.GetPayload(kGaiErrorPayloadUrl);
  int code = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &code)) return std::nullopt;
  return code;
}

// Interest and readiness bits for Poller.
enum IoEventMask : uint32_t {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
};

struct IoEvent {
  int fd = -1;
  uint32_t events = 0;  // IoEventMask bits; errors/hangups report as both.
};

// asyncio's selector: readiness of file descriptors, and the only place where
// the loop may block (and time may pass).
class Poller {
 public:
  virtual ~Poller() = default;

  // Interest management. `events` is a non-empty IoEventMask combination.
  // Errors are absl::Status with the errno's canonical code, the fd named,
  // and the errno itself (with_errno) where the platform gave one.
  virtual absl::Status register_fd(int fd, uint32_t events) = 0;
  virtual absl::Status modify_fd(int fd, uint32_t events) = 0;
  virtual absl::Status unregister_fd(int fd) = 0;

  // Waits for readiness. `timeout_ns`: nullopt blocks until an event or a
  // wakeup(); 0 never blocks. Appends at most `max_events` events to `out`.
  // Returns early (possibly with no events) when wakeup() was called since the
  // previous poll.
  virtual void poll(std::optional<int64_t> timeout_ns, size_t max_events,
                    std::vector<IoEvent>* out) = 0;

  // Thread-safe. Makes the current or the next poll() return promptly.
  virtual void wakeup() = 0;
};

// Runs blocking work off the loop's thread (asyncio's executor). Work items
// deliver their results by posting to a ThreadBoundary; the executor itself
// knows nothing about futures.
class Executor {
 public:
  enum class Shutdown { kNoWait, kWait };

  virtual ~Executor() = default;

  // Thread-safe. Queues `work` to run on a worker. Returns
  // FailedPrecondition after shutdown, ResourceExhausted when the executor's
  // queue limit is reached; `work` is then destroyed unrun, on this thread.
  virtual absl::Status submit(absl::AnyInvocable<void() &&> work) = 0;

  // A job that may be refused when a worker takes it: `start` runs then
  // (concurrent.futures' set_running_or_notify_cancel: false when the job
  // was cancelled while it waited); `work` runs afterwards either way and
  // finds out from its own state. Executors whose workers run a job at once
  // keep this default; the simulated one starts a job when a worker becomes
  // free and runs it when its simulated duration has passed.
  virtual absl::Status submit(absl::AnyInvocable<bool()> start, absl::AnyInvocable<void() &&> work) {
    return submit([start = std::move(start), work = std::move(work)]() mutable {
      start();
      std::move(work)();
    });
  }

  // Thread-safe. Stops accepting work. Already queued work still runs (as
  // concurrent.futures' shutdown(cancel_futures=False)). kWait blocks until
  // every worker has finished; the destructor always waits.
  virtual void shutdown(Shutdown mode) = 0;
};

// The thread-safe inbox that lets other threads hand callbacks to the loop,
// and the factory of the loop's default executor.
class ThreadBoundary {
 public:
  virtual ~ThreadBoundary() = default;

  // Thread-safe. Appends `fn` to the inbox and wakes the poller. Never fails
  // and never runs `fn` inline: the loop drains the inbox on its own thread,
  // and destroys undrained items on its own thread when it is destroyed.
  virtual void post(absl::AnyInvocable<void() &&> fn) = 0;

  // Loop thread. Moves every posted item, in post order, to the back of
  // `out`. Returns how many were moved.
  virtual size_t drain(std::vector<absl::AnyInvocable<void() &&>>* out) = 0;

  // Loop's OS thread. Whether the code running now is the loop itself
  // (true) or a simulated thread borrowing the loop's OS thread (the
  // simulator runs executor jobs that way); call_soon_threadsafe posts from
  // the latter instead of scheduling directly. Real backends: always true.
  virtual bool on_loop_thread() const { return true; }

  // Loop thread. A new executor for run_in_executor(nullptr, ...), made
  // lazily on first use (asyncio: ThreadPoolExecutor(thread_name_prefix=
  // 'asyncio')).
  virtual std::unique_ptr<Executor> new_default_executor() = 0;

  // Loop thread. Runs `fn` once on a thread of its own (asyncio starts a
  // threading.Thread in shutdown_default_executor). The boundary joins every
  // such thread before it is destroyed.
  virtual void spawn(absl::AnyInvocable<void() &&> fn) = 0;
};

// One getaddrinfo result: Python's (family, type, proto, canonname, sockaddr).
struct AddrInfo {
  int family = 0;
  int type = 0;
  int proto = 0;
  std::string canonname;
  SockAddr address;
};

// getaddrinfo's keyword arguments (Python: family=0, type=0, proto=0,
// flags=0): AF_*, SOCK_*, IPPROTO_* and AI_* values; 0 is "any".
struct AddrInfoHints {
  int family = 0;
  int type = 0;
  int proto = 0;
  int flags = 0;
};

// getnameinfo's answer: Python's (host, port) pair of strings.
struct NameInfo {
  std::string host;
  std::string port;
};

// A socket accept() returned: the new fd (non-blocking, close-on-exec) and
// the peer's address.
struct Accepted {
  int fd = -1;
  SockAddr address;
};

enum class Blocking { kBlocking, kNonBlocking };

// What fstat/stat report: the file's type (S_ISREG, S_ISSOCK) and size.
enum class FileType { kRegular, kSocket, kOther };
struct FileStat {
  FileType type = FileType::kOther;
  int64_t size = 0;
};

// The socket system calls (see the header comment). Sockets are plain fds;
// constants (AF_INET, SOCK_STREAM, SOL_SOCKET, SHUT_WR, ...) are Linux's,
// whatever the implementation.
//
// Errors: absl::Status with the errno's canonical code, a message naming
// the call and the fd, and the errno itself (with_errno). A call that would
// block fails with EAGAIN; a non-blocking connect that has started fails
// with EINPROGRESS (its outcome is SO_ERROR once the fd is writable).
// Calls interrupted by a signal are retried by the implementation, except
// connect (EINTR there means "in progress", as in CPython). send never
// raises SIGPIPE: a closed peer is EPIPE.
//
// Threads: getaddrinfo, getnameinfo and read block (the loop runs them on
// its executor) and are thread-safe; everything else is for the loop's thread.
class SocketOps {
 public:
  virtual ~SocketOps() = default;

  // A new socket, close-on-exec, blocking unless `type` has SOCK_NONBLOCK.
  virtual absl::StatusOr<int> socket(int family, int type, int proto) = 0;
  // Python's socket.socketpair(): two connected sockets, close-on-exec.
  virtual absl::StatusOr<std::pair<int, int>> socketpair(int family, int type, int proto) = 0;
  virtual absl::Status bind(int fd, const SockAddr& address) = 0;
  virtual absl::Status listen(int fd, int backlog) = 0;
  virtual absl::StatusOr<Accepted> accept(int fd) = 0;
  virtual absl::Status connect(int fd, const SockAddr& address) = 0;
  // Bytes sent (possibly fewer than data.size()).
  virtual absl::StatusOr<size_t> send(int fd, absl::Span<const char> data) = 0;
  // Bytes received into `buffer`; 0 is end of stream.
  virtual absl::StatusOr<size_t> recv(int fd, absl::Span<char> buffer) = 0;
  // Datagrams: one datagram to `address` (sendto); one datagram into
  // `buffer` (truncated to its size) and the sender's address (recvfrom).
  virtual absl::StatusOr<size_t> sendto(int fd, absl::Span<const char> data, const SockAddr& address) = 0;
  virtual absl::StatusOr<std::pair<size_t, SockAddr>> recvfrom(int fd, absl::Span<char> buffer) = 0;
  // `how` is SHUT_RD, SHUT_WR or SHUT_RDWR.
  virtual absl::Status shutdown(int fd, int how) = 0;
  // Releases the fd even when it reports an error (as close(2) does).
  virtual absl::Status close(int fd) = 0;
  // Integer-valued options only (SO_ERROR, SO_REUSEADDR, TCP_NODELAY, ...).
  virtual absl::StatusOr<int> getsockopt(int fd, int level, int name) = 0;
  virtual absl::Status setsockopt(int fd, int level, int name, int value) = 0;
  virtual absl::StatusOr<SockAddr> getsockname(int fd) = 0;
  virtual absl::StatusOr<SockAddr> getpeername(int fd) = 0;
  virtual absl::Status set_blocking(int fd, Blocking mode) = 0;
  virtual absl::StatusOr<Blocking> get_blocking(int fd) = 0;

  // Thread-safe, blocking. `host` empty means none (Python's None: the
  // loopback or, with AI_PASSIVE, the wildcard address); `port` is a
  // number or a service name, empty for none. Failures carry the EAI_* code
  // (with_gai_error), or the errno for EAI_SYSTEM.
  virtual absl::StatusOr<std::vector<AddrInfo>> getaddrinfo(const std::string& host, const std::string& port,
                                                            const AddrInfoHints& hints) = 0;
  // Thread-safe, blocking. NI_* flags.
  virtual absl::StatusOr<NameInfo> getnameinfo(const SockAddr& address, int flags) = 0;

  // ---- Files: sendfile and its fallback, AF_UNIX socket files ----
  // os.sendfile(out_fd, in_fd, offset, count): up to `count` bytes of the
  // file `in_fd` from `offset` (its file position is neither used nor
  // moved) to the socket `out_fd`; 0 at the file's end; EAGAIN when the
  // socket is full.
  virtual absl::StatusOr<size_t> sendfile(int out_fd, int in_fd, int64_t offset, size_t count) = 0;
  // Thread-safe, blocking (the loop runs it on its executor, as asyncio's
  // sendfile fallback runs file.readinto). os.read: bytes read from the
  // file position into `buffer`; 0 at the end.
  virtual absl::StatusOr<size_t> read(int fd, absl::Span<char> buffer) = 0;
  // os.lseek(fd, offset, SEEK_SET): moves the file position; returns it.
  virtual absl::StatusOr<int64_t> seek(int fd, int64_t offset) = 0;
  // os.fstat / os.stat(path), reduced to what the loop needs.
  virtual absl::StatusOr<FileStat> fstat(int fd) = 0;
  virtual absl::StatusOr<FileStat> stat(const std::string& path) = 0;
  // os.unlink(path).
  virtual absl::Status unlink(const std::string& path) = 0;
};

// Unix signals, for add_signal_handler / remove_signal_handler (asyncio's
// unix_events.py). A caught signal is only recorded (async-signal-safely) and
// makes wakeup_fd() readable; the loop watches that fd with its poller, takes
// the recorded signals on its own thread and runs the handlers as ordinary
// callbacks, never in signal context (CPython: signal.set_wakeup_fd plus a
// self-pipe). Signal numbers are Linux's, whatever the implementation.
//
// Errors: start() fails with FailedPrecondition off the process's main thread
// (Python's "set_wakeup_fd only works in main thread of the main
// interpreter"), catch_signal() with InvalidArgument and errno EINVAL for a
// signal that cannot be caught (SIGKILL, SIGSTOP); backends without signals
// (the simulated ones, for now) fail with Unimplemented.
//
// Threads: the loop's thread only; start() checks that it is the main one.
class SignalOps {
 public:
  virtual ~SignalOps() = default;

  // Python's `sig in signal.valid_signals()`.
  virtual bool is_valid(int sig) const = 0;
  // Makes this object the process's wakeup target (signal.set_wakeup_fd; the
  // latest caller wins, as there) and returns the fd that becomes readable
  // while caught signals are pending. Idempotent while started.
  virtual absl::StatusOr<int> start() = 0;
  // signal.set_wakeup_fd(-1): no longer the target; releases the fd.
  virtual void stop() = 0;
  // signal.signal(sig, handler) with SA_RESTART: from now on `sig` is caught
  // and recorded. The disposition it replaces is kept for restore_signal.
  virtual absl::Status catch_signal(int sig) = 0;
  // Gives `sig` back the disposition catch_signal replaced.
  virtual absl::Status restore_signal(int sig) = 0;
  // Appends the signals caught since the last call, in arrival order.
  virtual void take_pending(std::vector<int>* out) = 0;
};

// Pipes, plain fds and child processes, for connect_read_pipe /
// connect_write_pipe and subprocess_exec / subprocess_shell (asyncio's
// unix_events.py and base_subprocess.py), so that loop/net never calls the
// operating system for them either.
//
// Errors: as SocketOps (canonical code, the call and fd named, with_errno).
// write never raises SIGPIPE: a pipe whose reader is gone is EPIPE.
// spawn's failure in the child (chdir, exec) is reported by spawn itself,
// the child reaped, with the errno and a message that is Python's text after
// "[Errno N] ": "No such file or directory: 'prog'".
//
// Learning of exits: open_exit_fd gives an fd that becomes readable once
// the child has exited (a pidfd); the loop watches it with its poller and
// then reaps with wait(kNoHang). Where there is no such fd (Unimplemented),
// the loop calls wait(kBlock) on a thread of its own (CPython's
// ThreadedChildWatcher). The child stays unreaped until wait() returns its
// code, so its pid is never reused under send_signal.
//
// Threads: wait(pid, kBlock) is thread-safe (it blocks); everything else is
// for the loop's thread.
class ProcessOps {
 public:
  virtual ~ProcessOps() = default;

  // os.pipe(): (read end, write end), both close-on-exec, non-blocking
  // when `mode` says so.
  virtual absl::StatusOr<std::pair<int, int>> pipe(Blocking mode) = 0;
  // os.read: bytes read into `buffer`; 0 is end of file.
  virtual absl::StatusOr<size_t> read(int fd, absl::Span<char> buffer) = 0;
  // os.write: bytes written (possibly fewer than data.size()).
  virtual absl::StatusOr<size_t> write(int fd, absl::Span<const char> data) = 0;
  // Releases the fd even when it reports an error.
  virtual absl::Status close(int fd) = 0;
  virtual absl::Status set_blocking(int fd, Blocking mode) = 0;
  virtual absl::StatusOr<FdType> fd_type(int fd) = 0;

  // Starts a child; returns its pid. The parent's fds named in `options`
  // stay open; the child gets no other fd than 0, 1 and 2.
  virtual absl::StatusOr<int> spawn(const SpawnOptions& options) = 0;
  // os.kill(pid, sig).
  virtual absl::Status send_signal(int pid, int sig) = 0;
  // A close-on-exec fd, readable once `pid` has exited; the caller closes
  // it. Unimplemented where the platform has none.
  virtual absl::StatusOr<int> open_exit_fd(int pid) = 0;
  // Reaps `pid` if it has exited: its returncode as Popen's (the exit
  // status, or -N for death by signal N); nullopt if it still runs
  // (kNoHang only).
  virtual absl::StatusOr<std::optional<int>> wait(int pid, WaitMode mode) = 0;
};

// Everything an EventLoop needs from the world. Members are never null.
struct Backend {
  std::unique_ptr<Clock> clock;
  std::unique_ptr<Poller> poller;
  // Before `threads`, so that it outlives the reaper threads the boundary
  // joins (they call ProcessOps::wait).
  std::unique_ptr<ProcessOps> processes;
  std::unique_ptr<ThreadBoundary> threads;
  std::unique_ptr<SocketOps> sockets;
  std::unique_ptr<SignalOps> signals;
};

// The production backend. Declared here, defined in loop/real/ (a link-time
// seam, like LevelDB's Env::Default()): a program that calls
// new_event_loop() with the default policy links //loop/real. Its poller is
// epoll; loop/real/selectors.h makes backends and loops on poll(2) or
// select(2) instead (asyncio's SelectorEventLoop(selector)).
Backend new_default_backend();

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_BACKEND_H_
