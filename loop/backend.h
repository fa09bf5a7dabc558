// The seams between the platform-free loop and the world.
//
// An EventLoop (loop/event_loop.h) owns exactly one Backend: a Clock, a
// Poller and a ThreadBoundary. The production backend lives in loop/real/
// (steady clock, epoll, eventfd, a thread pool); the deterministic one in
// sim/. The loop never includes either; it sees only these interfaces, and
// there is no "if simulated" branch anywhere in loop/.
//
// Threads: every method is called on the loop's thread only, except those
// marked "thread-safe" (Poller::wakeup, ThreadBoundary::post and the
// Executor's submit/shutdown paths), which any thread may call.
//
// Time: loop time is an integer count of nanoseconds on the backend's clock.
// Time passes in exactly one place, Poller::poll. A simulated poller advances
// its virtual clock there and nowhere else.
//
// Room for later seams: the networking layer adds a SocketOps seam next to
// these three (socket syscalls behind an interface); Backend grows a member
// for it then.

#ifndef SEEDLOOP_LOOP_BACKEND_H_
#define SEEDLOOP_LOOP_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

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

// Everything an EventLoop needs from the world. Members are never null.
struct Backend {
  std::unique_ptr<Clock> clock;
  std::unique_ptr<Poller> poller;
  std::unique_ptr<ThreadBoundary> threads;
};

// The production backend. Declared here, defined in loop/real/ (a link-time
// seam, like LevelDB's Env::Default()): a program that calls
// new_event_loop() with the default policy links //loop/real.
Backend new_default_backend();

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_BACKEND_H_
