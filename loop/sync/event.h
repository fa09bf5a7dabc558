// Event: asyncio.Event, a flag tasks can wait for.
//
//   Event ready;
//   co_await ready.wait();   // in one task
//   ready.set();             // in another, or in a callback
//
// Semantics are CPython 3.11's (asyncio-semantics item 50):
//   - wait() returns true at once, without a loop iteration, when the flag
//     is set; otherwise it queues a future;
//   - set() (when the flag was clear) completes every pending waiter's
//     future, in FIFO order; the waiters resume one iteration later;
//   - clear() only resets the flag: waiters already woken by set() still
//     return true, even if the flag is clear by the time they run;
//   - a cancelled wait() raises CancelledError and leaves the line.
// It binds to the running loop the first time wait() has to wait (see
// internal/loop_binding.h).
//
// C++ forms: wait() is Coro<bool> (always true). repr() is Python's
// without the object's address: "<Event [unset, waiters:1]>".
//
// Lifetime: an Event must outlive the coroutines waiting on it.
// Threads: the loop's thread only (set() from another thread goes through
// call_soon_threadsafe, as in asyncio); not copyable or movable.

#ifndef SEEDLOOP_LOOP_SYNC_EVENT_H_
#define SEEDLOOP_LOOP_SYNC_EVENT_H_

#include <string>

#include "loop/coro.h"
#include "loop/sync/internal/loop_binding.h"

namespace seedloop {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const { return value_; }
  void set();
  void clear() { value_ = false; }
  Coro<bool> wait();

  std::string repr() const;

 private:
  bool value_ = false;
  internal::Waiters waiters_;
  internal::LoopBinding binding_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_EVENT_H_
