// RealThreadBoundary: the production ThreadBoundary: a mutex-protected inbox
// that wakes a Poller, real threads for spawn(), and ThreadPoolExecutor as
// the default executor.
//
// post() appends under a lock and wakes the poller only when the inbox goes
// from empty to non-empty: one wakeup per batch, however many threads post
// (call_soon_threadsafe's _write_to_self, coalesced). No wakeup is lost: a
// post into a non-empty inbox relies on the wakeup of the post that made it
// non-empty, which happens after that post's item is in, and the loop drains
// the inbox after every poll. post() never runs `fn` inline.
//
// Ordering: drain() returns items in the order their post() calls took the
// lock; so the posts of one thread arrive in that thread's order.
//
// spawn() starts a std::thread per call (asyncio starts a threading.Thread
// in shutdown_default_executor); finished ones are joined on the next
// spawn(), the rest in the destructor.
//
// Limits: at most kMaxInboxItems undrained items (a loop that stopped
// draining while others keep posting would otherwise grow without bound)
// and kMaxLiveSpawnedThreads unjoined spawned threads; exceeding either
// aborts with a message, since post() and spawn() cannot fail by contract.
//
// Lifetime: the Poller must outlive the boundary (Backend destroys `threads`
// before `poller`). The destructor, which runs on the loop's thread, joins
// every spawned thread first (they may still post) and then destroys the
// undrained items unrun. Nobody may post once destruction has begun.
//
// Threads: post() is thread-safe. drain(), new_default_executor(), spawn()
// and destruction are for the loop's thread only.

#ifndef SEEDLOOP_LOOP_REAL_THREAD_BOUNDARY_H_
#define SEEDLOOP_LOOP_REAL_THREAD_BOUNDARY_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "loop/backend.h"

namespace seedloop::real {

class RealThreadBoundary : public ThreadBoundary {
 public:
  using Fn = absl::AnyInvocable<void() &&>;

  // Millions of undrained callbacks mean the loop is not running: fail loudly
  // long before memory runs out (each item is ~64 bytes plus its captures).
  static constexpr size_t kMaxInboxItems = size_t{1} << 24;
  // asyncio spawns one thread per shutdown_default_executor(); a thousand
  // unjoined ones mean a leak.
  static constexpr size_t kMaxLiveSpawnedThreads = 1024;

  // `poller` is not owned and must outlive this object.
  explicit RealThreadBoundary(Poller* poller);
  ~RealThreadBoundary() override;
  RealThreadBoundary(const RealThreadBoundary&) = delete;
  RealThreadBoundary& operator=(const RealThreadBoundary&) = delete;

  void post(Fn fn) override;  // Thread-safe.
  size_t drain(std::vector<Fn>* out) override;
  std::unique_ptr<Executor> new_default_executor() override;
  void spawn(Fn fn) override;

 private:
  struct Spawned {
    std::thread thread;
    std::unique_ptr<std::atomic<bool>> finished;  // set as fn's last step
  };

  void join_finished();

  Poller* const poller_;

  absl::Mutex mu_;
  std::vector<Fn> inbox_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> has_items_{false};  // inbox_ is non-empty (set under mu_)

  // Loop thread only.
  std::vector<Fn> spare_;  // empty between drains; keeps its capacity
  std::vector<Spawned> spawned_;
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_THREAD_BOUNDARY_H_
