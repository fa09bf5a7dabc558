#include "loop/real/thread_boundary.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "loop/real/thread_pool_executor.h"

namespace seedloop::real {
namespace {

[[noreturn]] void die(const char* message) {
  std::fprintf(stderr, "seedloop: RealThreadBoundary: %s\n", message);
  std::abort();
}

}  // namespace

RealThreadBoundary::RealThreadBoundary(Poller* poller) : poller_(poller) {
  if (poller_ == nullptr) die("needs a poller to wake");
}

RealThreadBoundary::~RealThreadBoundary() {
  // Spawned threads may still post, so they are joined before the inbox goes.
  for (Spawned& s : spawned_) s.thread.join();
  spawned_.clear();
  std::vector<Fn> undrained;
  {
    absl::MutexLock lock(&mu_);
    undrained.swap(inbox_);
  }
  // `undrained` is destroyed here, unrun, outside the lock: an item's
  // destructor may take locks of its own.
}

void RealThreadBoundary::post(Fn fn) {
  assert(fn && "post() needs a callable");
  absl::MutexLock lock(&mu_);
  if (inbox_.size() >= kMaxInboxItems) {
    die("inbox is over its limit of undrained items; is the loop still running?");
  }
  const bool was_empty = inbox_.empty();
  inbox_.push_back(std::move(fn));
  has_items_.store(true, std::memory_order_release);
  // Wake under the lock: the destructor takes this lock, so a post that has
  // begun finishes its wakeup while the poller is certainly alive.
  if (was_empty) poller_->wakeup();
}

size_t RealThreadBoundary::drain(std::vector<Fn>* out) {
  assert(out != nullptr);
  assert(spare_.empty());
  // Fast path: the loop drains twice per iteration, almost always an empty
  // inbox; skip the lock then. A post racing with this check also wakes the
  // poller, so the next drain sees it.
  if (!has_items_.load(std::memory_order_acquire)) return 0;
  {
    absl::MutexLock lock(&mu_);
    spare_.swap(inbox_);  // inbox_ takes spare_'s capacity
    has_items_.store(false, std::memory_order_relaxed);
  }
  const size_t count = spare_.size();
  for (Fn& fn : spare_) {
    assert(fn && "an empty item reached the inbox");
    out->push_back(std::move(fn));
  }
  spare_.clear();
  return count;
}

std::unique_ptr<Executor> RealThreadBoundary::new_default_executor() {
  return std::make_unique<ThreadPoolExecutor>(
      ThreadPoolExecutorOptions{.thread_name_prefix = "asyncio"});
}

void RealThreadBoundary::spawn(Fn fn) {
  assert(fn && "spawn() needs a callable");
  join_finished();
  if (spawned_.size() >= kMaxLiveSpawnedThreads) die("too many spawned threads still running");
  auto finished = std::make_unique<std::atomic<bool>>(false);
  std::atomic<bool>* flag = finished.get();
  // std::thread's constructor throws std::system_error when the process is
  // out of threads; that propagates to the caller with `fn` destroyed.
  std::thread thread([fn = std::move(fn), flag]() mutable {
    try {
      std::move(fn)();
    } catch (...) {
      die("spawned function threw (spawned functions must not throw)");
    }
    fn = nullptr;  // destroy captures before reporting done
    flag->store(true, std::memory_order_release);
  });
  spawned_.push_back(Spawned{std::move(thread), std::move(finished)});
}

void RealThreadBoundary::join_finished() {
  std::vector<Spawned> running;
  running.reserve(spawned_.size());
  for (Spawned& s : spawned_) {
    if (s.finished->load(std::memory_order_acquire)) {
      s.thread.join();  // returns at once: the thread is past its last step
    } else {
      running.push_back(std::move(s));
    }
  }
  spawned_.swap(running);
}

}  // namespace seedloop::real
