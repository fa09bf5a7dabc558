// Lock: asyncio.Lock, a mutual-exclusion lock for tasks of one loop.
//
//   Lock lock;
//   co_await lock.acquire();  ...  lock.release();
//   { Held<Lock> held = co_await lock.hold(); ... }   // `async with lock:`
//
// Semantics are CPython 3.11's (asyncio-semantics item 49):
//   - acquire() takes the lock at once, without a loop iteration, only when
//     it is unlocked AND no waiter is pending (cancelled waiters count as
//     none); otherwise it queues a future at the back of a FIFO line;
//   - release() unlocks and wakes the first waiter, which takes the lock
//     when it runs: nobody barges in meanwhile, even though locked() is
//     false until then;
//   - a waiter cancelled after its wake-up wakes the next one, so a
//     cancelled waiter never swallows a wake-up meant for a live one;
//   - release() of an unlocked lock raises RuntimeError("Lock is not
//     acquired.").
// A lock is not owned by a task: any task may release it. It binds to the
// running loop the first time acquire() has to wait (see
// internal/loop_binding.h); waiting from another loop then raises
// RuntimeError("<Lock [...]> is bound to a different event loop").
//
// C++ forms: acquire() is Coro<bool> (always true, as in Python); hold()
// is `async with` (held.h). repr() is Python's repr without the object's
// address (determinism): "<Lock [locked, waiters:2]>".
//
// Lifetime: a Lock must outlive the coroutines that use it (a waiting
// coroutine's frame unlinks itself from the lock when destroyed).
// Threads: the loop's thread only; not copyable or movable.

#ifndef SEEDLOOP_LOOP_SYNC_LOCK_H_
#define SEEDLOOP_LOOP_SYNC_LOCK_H_

#include <string>

#include "loop/coro.h"
#include "loop/sync/held.h"
#include "loop/sync/internal/loop_binding.h"

namespace seedloop {

class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  bool locked() const { return locked_; }
  Coro<bool> acquire();
  void release();
  Coro<Held<Lock>> hold();

  std::string repr() const;

 private:
  template <typename>
  friend class Held;
  friend class Condition;
  bool loop_closed() const { return binding_.loop_closed(); }
  // Wakes the first waiter unless it is already done (then it will wake up
  // anyway, and either take the lock or pass the wake-up on).
  void wake_up_first();

  bool locked_ = false;
  internal::Waiters waiters_;
  internal::LoopBinding binding_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_LOCK_H_
