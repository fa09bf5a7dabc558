#include "loop/real/thread_pool_executor.h"

#include <pthread.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "absl/strings/str_format.h"

namespace seedloop::real {
namespace {

// Linux thread names hold 15 characters plus the terminating NUL.
constexpr size_t kMaxThreadNameChars = 15;

[[noreturn]] void die(const char* message) {
  std::fprintf(stderr, "seedloop: %s\n", message);
  std::abort();
}

void run_work_item(absl::AnyInvocable<void() &&> work) {
  assert(work && "empty work item in the executor queue");
  try {
    std::move(work)();
  } catch (...) {
    die("executor work item threw (work items must not throw: wrap user code)");
  }
}

}  // namespace

int default_max_workers() {
  unsigned cpus = std::thread::hardware_concurrency();  // 0 when unknown
  return std::min(32, static_cast<int>(std::max(cpus, 1u)) + 4);
}

ThreadPoolExecutor::ThreadPoolExecutor(Options options) : options_(std::move(options)) {
  if (options_.max_workers < 1) die("ThreadPoolExecutor: max_workers must be greater than 0");
  if (options_.max_queued < 1) die("ThreadPoolExecutor: max_queued must be greater than 0");
}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(Shutdown::kWait); }

absl::Status ThreadPoolExecutor::submit(absl::AnyInvocable<void() &&> work) {
  assert(work && "submit() needs a callable");
  // On every error return `work` stays in the parameter, which is destroyed
  // after the lock is released, on this thread.
  absl::MutexLock lock(&mu_);
  if (shutdown_) {
    return absl::FailedPreconditionError("cannot schedule new futures after shutdown");
  }
  if (queue_.size() >= options_.max_queued) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "executor queue is full: %d work items already wait for a worker (max_queued)",
        options_.max_queued));
  }
  queue_.push_back(std::move(work));
  // Start a worker when the idle ones cannot take every queued item.
  const bool need_worker = queue_.size() > idle_workers_ &&
                           workers_.size() < static_cast<size_t>(options_.max_workers);
  if (need_worker) {
    try {
      workers_.emplace_back([this, index = workers_.size()] { worker_main(index); });
    } catch (const std::system_error& e) {
      if (workers_.empty()) {  // nobody would ever run it
        work = std::move(queue_.back());
        queue_.pop_back();
        return absl::ResourceExhaustedError(
            absl::StrFormat("cannot start an executor worker thread: %s", e.what()));
      }
      // Otherwise the running workers get to it in turn.
    }
  }
  assert(!workers_.empty());
  assert(workers_.size() <= static_cast<size_t>(options_.max_workers));
  work_available_.Signal();
  return absl::OkStatus();
}

void ThreadPoolExecutor::shutdown(Shutdown mode) {
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    work_available_.SignalAll();  // idle workers drain the queue, then exit
  }
  if (mode == Shutdown::kNoWait) return;
  absl::MutexLock join_lock(&join_mu_);
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);  // no worker is added after shutdown_
  }
  const std::thread::id self = std::this_thread::get_id();
  for (std::thread& worker : workers) {
    if (worker.get_id() == self) die("ThreadPoolExecutor::shutdown(kWait) called from a worker");
    worker.join();
  }
}

size_t ThreadPoolExecutor::worker_count() const {
  absl::MutexLock lock(&mu_);
  return workers_.size();
}

void ThreadPoolExecutor::worker_main(size_t index) {
  std::string name = absl::StrFormat("%s_%d", options_.thread_name_prefix, index);
  name.resize(std::min(name.size(), kMaxThreadNameChars));
  pthread_setname_np(pthread_self(), name.c_str());  // cosmetic: failure is harmless

  for (;;) {
    absl::AnyInvocable<void() &&> work;
    {
      absl::MutexLock lock(&mu_);
      ++idle_workers_;
      while (queue_.empty() && !shutdown_) work_available_.Wait(&mu_);
      assert(idle_workers_ > 0);
      --idle_workers_;
      if (queue_.empty()) {
        assert(shutdown_);
        return;  // shut down and nothing left to run
      }
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    run_work_item(std::move(work));  // the item is destroyed here too, unlocked
  }
}

}  // namespace seedloop::real
