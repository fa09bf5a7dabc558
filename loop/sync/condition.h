// Condition: asyncio.Condition, a condition variable over a Lock.
//
//   Condition cond;                       // owns a new Lock
//   Condition shared(lock);               // or uses `lock` (not owned)
//   {
//     Held<Condition> held = co_await cond.hold();   // `async with cond:`
//     co_await cond.wait_for([&] { return ready; });
//   }
//
// Semantics are CPython 3.11's (asyncio-semantics item 51):
//   - locked(), acquire(), release() are the lock's;
//   - wait() raises RuntimeError("cannot wait on un-acquired lock") unless
//     the lock is held; it releases the lock, waits in FIFO order to be
//     notified, then ALWAYS re-acquires the lock before returning true or
//     raising, retrying through cancellations; if a re-acquire was
//     cancelled, wait() then raises a fresh CancelledError (no message),
//     otherwise the error that ended the wait (e.g. CancelledError(msg));
//   - notify(n) wakes the first n waiters that are not done, notify_all()
//     every waiter; without the lock both raise RuntimeError("cannot notify
//     on un-acquired lock"); a notified waiter resumes only once it holds
//     the lock again;
//   - wait_for(pred) calls pred() first and waits until it is truthy;
//     it returns that last value.
// It binds to the running loop the first time wait() queues (see
// internal/loop_binding.h); the lock binds on its own.
//
// C++ forms: wait() is Coro<bool>; wait_for(pred) is
// Coro<decay of pred()'s type>, pred taken by value; hold() is `async with`
// (held.h). repr() is Python's without the object's address:
// "<Condition [locked, waiters:1]>".
//
// Lifetime: a Condition (and a lock given to it) must outlive the
// coroutines that use it.
// Threads: the loop's thread only; not copyable or movable.

#ifndef SEEDLOOP_LOOP_SYNC_CONDITION_H_
#define SEEDLOOP_LOOP_SYNC_CONDITION_H_

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "loop/coro.h"
#include "loop/sync/held.h"
#include "loop/sync/internal/loop_binding.h"
#include "loop/sync/lock.h"

namespace seedloop {

class Condition {
 public:
  Condition() : lock_(&own_lock_) {}
  explicit Condition(Lock& lock) : lock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  bool locked() const { return lock_->locked(); }
  Coro<bool> acquire() { return lock_->acquire(); }
  void release() { lock_->release(); }
  Coro<Held<Condition>> hold();

  Coro<bool> wait();
  template <typename Predicate>
  Coro<std::decay_t<std::invoke_result_t<Predicate&>>> wait_for(Predicate predicate);
  // n <= 0 wakes nobody, as in Python.
  void notify(int64_t n = 1);
  void notify_all() { notify(static_cast<int64_t>(waiters_.size())); }

  std::string repr() const;

 private:
  template <typename>
  friend class Held;
  bool loop_closed() const { return binding_.loop_closed() || lock_->loop_closed(); }

  Lock own_lock_;
  Lock* lock_;
  internal::Waiters waiters_;
  internal::LoopBinding binding_;
};

template <typename Predicate>
Coro<std::decay_t<std::invoke_result_t<Predicate&>>> Condition::wait_for(Predicate predicate) {
  auto result = predicate();
  while (!result) {
    co_await wait();
    result = predicate();
  }
  co_return result;
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_CONDITION_H_
