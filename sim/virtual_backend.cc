#include "sim/virtual_backend.h"

#include "sim/unimplemented_process_ops.h"
#include "sim/unimplemented_signal_ops.h"
#include "sim/unimplemented_socket_ops.h"

#include "absl/strings/str_format.h"
#include "loop/errors.h"

namespace seedloop::sim {

namespace {

class VirtualExecutor : public Executor {
 public:
  explicit VirtualExecutor(OffLoopQueue* off_loop) : off_loop_(off_loop) {}
  absl::Status submit(absl::AnyInvocable<void() &&> work) override {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return absl::FailedPreconditionError("cannot schedule new futures after shutdown");
    off_loop_->push(std::move(work));
    return absl::OkStatus();
  }
  // Queued work runs at the next poll whatever the mode: there is no thread
  // to wait for.
  void shutdown(Shutdown) override {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
  }

 private:
  OffLoopQueue* off_loop_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

class VirtualThreadBoundary : public ThreadBoundary {
 public:
  VirtualThreadBoundary(Poller* poller, std::unique_ptr<OffLoopQueue> off_loop, std::unique_ptr<VirtualClock> clock)
      : poller_(poller), off_loop_(std::move(off_loop)), clock_(std::move(clock)) {}

  void post(absl::AnyInvocable<void() &&> fn) override {
    {
      absl::MutexLock lock(&mu_);
      inbox_.push_back(std::move(fn));
    }
    poller_->wakeup();
  }
  size_t drain(std::vector<absl::AnyInvocable<void() &&>>* out) override {
    absl::MutexLock lock(&mu_);
    size_t n = inbox_.size();
    for (auto& fn : inbox_) out->push_back(std::move(fn));
    inbox_.clear();
    return n;
  }
  std::unique_ptr<Executor> new_default_executor() override {
    return std::make_unique<VirtualExecutor>(off_loop_.get());
  }
  void spawn(absl::AnyInvocable<void() &&> fn) override { off_loop_->push(std::move(fn)); }

 private:
  Poller* poller_;
  // The boundary owns what the other parts point at, so that the Backend's
  // members can be destroyed in any order.
  std::unique_ptr<OffLoopQueue> off_loop_;
  std::unique_ptr<VirtualClock> clock_;
  absl::Mutex mu_;
  std::vector<absl::AnyInvocable<void() &&>> inbox_ ABSL_GUARDED_BY(mu_);
};

// Owns nothing; forwards to the clock the boundary owns.
class ClockView : public Clock {
 public:
  explicit ClockView(const VirtualClock* clock) : clock_(clock) {}
  int64_t now_ns() const override { return clock_->now_ns(); }

 private:
  const VirtualClock* clock_;
};

}  // namespace

void OffLoopQueue::push(absl::AnyInvocable<void() &&> work) {
  absl::MutexLock lock(&mu_);
  work_.push_back(std::move(work));
}

size_t OffLoopQueue::run_all() {
  size_t n = 0;
  while (true) {
    absl::AnyInvocable<void() &&> work;
    {
      absl::MutexLock lock(&mu_);
      if (work_.empty()) return n;
      work = std::move(work_.front());
      work_.pop_front();
    }
    std::move(work)();
    ++n;
  }
}

bool OffLoopQueue::empty() const {
  absl::MutexLock lock(&mu_);
  return work_.empty();
}

absl::Status VirtualPoller::register_fd(int fd, uint32_t) {
  return absl::UnimplementedError(absl::StrFormat("virtual poller: register_fd(fd %d): no simulated fds yet", fd));
}
absl::Status VirtualPoller::modify_fd(int fd, uint32_t) {
  return absl::UnimplementedError(absl::StrFormat("virtual poller: modify_fd(fd %d): no simulated fds yet", fd));
}
absl::Status VirtualPoller::unregister_fd(int fd) {
  return absl::UnimplementedError(absl::StrFormat("virtual poller: unregister_fd(fd %d): no simulated fds yet", fd));
}

void VirtualPoller::poll(std::optional<int64_t> timeout_ns, size_t, std::vector<IoEvent>*) {
  // Work in flight finishes before any time passes; its completions wake us.
  off_loop_->run_all();
  absl::MutexLock lock(&mu_);
  if (woken_) {
    woken_ = false;
    return;
  }
  if (timeout_ns.has_value()) {
    clock_->advance(*timeout_ns);
    return;
  }
  if (!real_threads_may_post_) {
    throw RuntimeError(
        "virtual time deadlock: the loop would block forever (no ready callbacks, timers, I/O or work in flight)");
  }
  while (!woken_) cv_.Wait(&mu_);
  woken_ = false;
}

void VirtualPoller::wakeup() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
  cv_.Signal();
}

Backend new_virtual_backend(VirtualBackendOptions options, VirtualClock** clock_out) {
  auto clock = std::make_unique<VirtualClock>(options.start_ns);
  auto off_loop = std::make_unique<OffLoopQueue>();
  auto poller = std::make_unique<VirtualPoller>(clock.get(), off_loop.get());
  poller->set_real_threads_may_post(options.real_threads_may_post);
  if (clock_out != nullptr) *clock_out = clock.get();
  Backend backend;
  backend.clock = std::make_unique<ClockView>(clock.get());
  Poller* poller_raw = poller.get();
  backend.poller = std::move(poller);
  backend.threads = std::make_unique<VirtualThreadBoundary>(poller_raw, std::move(off_loop), std::move(clock));
  backend.sockets = std::make_unique<UnimplementedSocketOps>();
  backend.signals = std::make_unique<UnimplementedSignalOps>();
  backend.processes = std::make_unique<UnimplementedProcessOps>();
  return backend;
}

}  // namespace seedloop::sim
