// ThreadPoolExecutor: the production Executor (concurrent.futures'
// ThreadPoolExecutor, without futures).
//
//   ThreadPoolExecutor pool({.max_workers = 4, .thread_name_prefix = "asyncio"});
//   absl::Status s = pool.submit([] { blocking_work(); });   // may fail
//   pool.shutdown(Executor::Shutdown::kWait);
//
// Workers start lazily: submit() starts a new thread when no idle worker is
// left to take the item, up to max_workers (as Python's _adjust_thread_count),
// and workers then live until shutdown. Threads are named
// "<prefix>_<index>" (Python's "asyncio_0"), cut to Linux's 15 characters.
//
// Ordering: work items start in submission order (one FIFO queue); with more
// than one worker they may run and finish in any order.
//
// Limits: at most max_queued items wait for a worker; submit() beyond that
// returns ResourceExhausted and destroys the item unrun, on the caller's
// thread. If no worker thread can be started at all (the process is out of
// threads), submit() returns ResourceExhausted too.
//
// Work items must not throw: the loop wraps user functions and captures their
// exceptions itself. A work item that throws anyway is a bug; the process
// aborts with "seedloop: executor work item threw".
//
// Lifetime: shutdown(kNoWait) stops accepting work and returns; queued work
// still runs. shutdown(kWait) also joins every worker, and must not be called
// from a worker (it would join itself: the process aborts with a message).
// The destructor is shutdown(kWait).
//
// Threads: submit, shutdown and worker_count are thread-safe; construction
// and destruction are not (destroy on a thread that is not a worker).

#ifndef SEEDLOOP_LOOP_REAL_THREAD_POOL_EXECUTOR_H_
#define SEEDLOOP_LOOP_REAL_THREAD_POOL_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "loop/backend.h"

namespace seedloop::real {

// Python's default: min(32, os.cpu_count() + 4).
int default_max_workers();

struct ThreadPoolExecutorOptions {
  int max_workers = default_max_workers();  // >= 1
  // Items waiting for a worker; bounds the memory a runaway producer can pin.
  size_t max_queued = size_t{1} << 16;  // >= 1
  std::string thread_name_prefix = "seedloop";
};

class ThreadPoolExecutor : public Executor {
 public:
  using Options = ThreadPoolExecutorOptions;

  // Aborts with a message if max_workers < 1 or max_queued < 1 (Python
  // raises ValueError; here it is a programmer error).
  explicit ThreadPoolExecutor(Options options = {});
  ~ThreadPoolExecutor() override;  // shutdown(kWait)
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  absl::Status submit(absl::AnyInvocable<void() &&> work) override;  // Thread-safe.
  void shutdown(Shutdown mode) override;                              // Thread-safe.

  // Thread-safe. Workers started and not yet joined by shutdown(kWait).
  size_t worker_count() const;

 private:
  void worker_main(size_t index);

  const Options options_;

  mutable absl::Mutex mu_;
  absl::CondVar work_available_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  size_t idle_workers_ ABSL_GUARDED_BY(mu_) = 0;  // waiting for work
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;

  // Held for the whole join in shutdown(kWait), so that a second waiting
  // caller returns only once every worker has been joined.
  absl::Mutex join_mu_ ABSL_ACQUIRED_AFTER(mu_);
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_THREAD_POOL_EXECUTOR_H_
