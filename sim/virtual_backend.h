// A deterministic backend with virtual time: the seed of the simulator.
//
// VirtualClock starts at `start_ns` and moves only when VirtualPoller::poll
// advances it, by exactly the timeout it was given; so `sleep(3600)` takes
// no real time and every run of a program sees the same times.
//
// Off-loop work (executor items and spawned threads) does not run on real
// threads: it is queued and run, in submission order, at the start of the
// next poll, before any time passes (time never jumps past work in flight).
// Its completions arrive through the inbox like real ones.
//
// Limits: no file descriptors yet (register_fd returns Unimplemented; the
// networking issue brings simulated sockets); a poll that would block
// forever with nothing in flight fails the run with a clear message instead
// of hanging (a deadlock in virtual time). Posting from real threads is
// supported: the inbox is thread-safe, and such a blocking poll waits for it.
//
// Threads: as backend.h. The later simulator (sim/) grows this into the
// tape-driven backend.

#ifndef SEEDLOOP_SIM_VIRTUAL_BACKEND_H_
#define SEEDLOOP_SIM_VIRTUAL_BACKEND_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "loop/backend.h"

namespace seedloop::sim {

class VirtualClock : public Clock {
 public:
  explicit VirtualClock(int64_t start_ns) : now_ns_(start_ns) {}
  int64_t now_ns() const override { return now_ns_; }
  void advance(int64_t delta_ns) { now_ns_ += delta_ns; }

 private:
  int64_t now_ns_;
};

// Work queued for "another thread"; run by the poller in FIFO order.
class OffLoopQueue {
 public:
  void push(absl::AnyInvocable<void() &&> work);
  // Runs everything queued so far (and what that queues). Returns the count.
  size_t run_all();
  bool empty() const;

 private:
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> work_ ABSL_GUARDED_BY(mu_);
};

class VirtualPoller : public Poller {
 public:
  VirtualPoller(VirtualClock* clock, OffLoopQueue* off_loop) : clock_(clock), off_loop_(off_loop) {}

  absl::Status register_fd(int fd, uint32_t events) override;
  absl::Status modify_fd(int fd, uint32_t events) override;
  absl::Status unregister_fd(int fd) override;
  void poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out) override;
  void wakeup() override;
  void set_real_threads_may_post(bool on) { real_threads_may_post_ = on; }

 private:
  VirtualClock* clock_;
  bool real_threads_may_post_ = false;
  OffLoopQueue* off_loop_;
  absl::Mutex mu_;
  absl::CondVar cv_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
};

// `real_threads_may_post` lets a blocking poll wait for
// posts from real threads instead of failing as a deadlock.
struct VirtualBackendOptions {
  int64_t start_ns = 0;
  bool real_threads_may_post = false;
};

// Builds the backend. `clock` (optional) receives the clock for tests that
// inspect time directly; it stays owned by the backend.
Backend new_virtual_backend(VirtualBackendOptions options = {}, VirtualClock** clock = nullptr);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_VIRTUAL_BACKEND_H_
