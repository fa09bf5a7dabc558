// Semaphore and BoundedSemaphore: asyncio's counting semaphores.
//
//   Semaphore slots(3);
//   { Held<Semaphore> held = co_await slots.hold(); ... }   // `async with`
//
// Semantics are CPython 3.11.7's (asyncio-semantics item 50):
//   - Semaphore(value) raises ValueError("Semaphore initial value must be
//     >= 0") for a negative value;
//   - locked() is true when the value is 0 or any waiter is live (not
//     cancelled); acquire() decrements at once, without a loop iteration,
//     only when not locked(), and otherwise queues a future (FIFO);
//   - release() increments, then hands one unit to the first waiter that is
//     not done (decrementing on its behalf), so nobody barges in;
//   - a waiter cancelled after it was handed a unit gives the unit back and
//     hands it to the next live waiter; a waiter that wakes while units
//     remain wakes the next one too, so a release with cancelled waiters
//     wakes the next live waiter;
//   - BoundedSemaphore::release() raises ValueError("BoundedSemaphore
//     released too many times") when the value would exceed the initial one.
// It binds to the running loop the first time acquire() has to wait (see
// internal/loop_binding.h).
//
// C++ forms: acquire() is Coro<bool> (always true); hold() is `async with`
// (held.h); a BoundedSemaphore is held as a Held<Semaphore>. Values are
// int64_t (Python ints are unbounded; release() past INT64_MAX aborts).
// repr() is Python's without the object's address:
// "<Semaphore [unlocked, value:2]>", "<BoundedSemaphore [locked, waiters:1]>".
//
// Lifetime: a semaphore must outlive the coroutines that use it.
// Threads: the loop's thread only; not copyable or movable.

#ifndef SEEDLOOP_LOOP_SYNC_SEMAPHORE_H_
#define SEEDLOOP_LOOP_SYNC_SEMAPHORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "loop/coro.h"
#include "loop/sync/held.h"
#include "loop/sync/internal/loop_binding.h"

namespace seedloop {

class Semaphore {
 public:
  explicit Semaphore(int64_t value = 1) : Semaphore(value, std::nullopt) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  bool locked() const;
  Coro<bool> acquire();
  void release();
  Coro<Held<Semaphore>> hold();

  // The current value (Python's _value, for tests and reprs).
  int64_t value() const { return value_; }
  std::string repr() const;

 protected:
  // `bound`: the value release() may not exceed (BoundedSemaphore).
  Semaphore(int64_t value, std::optional<int64_t> bound);

 private:
  template <typename>
  friend class Held;
  bool loop_closed() const { return binding_.loop_closed(); }
  // Hands a unit to the first waiter that is not done, if any.
  void wake_up_next();

  int64_t value_;
  std::optional<int64_t> bound_;
  internal::Waiters waiters_;
  internal::LoopBinding binding_;
};

class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(int64_t value = 1) : Semaphore(value, value) {}
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_SEMAPHORE_H_
