// Barrier: asyncio.Barrier (new in 3.11), a meeting point for a fixed number
// of tasks.
//
//   Barrier barrier(3);
//   int index = co_await barrier.wait();   // 0..2, unique per round
//
// Semantics are CPython 3.11's:
//   - Barrier(parties) raises ValueError("parties must be > 0");
//   - wait() blocks until `parties` tasks are waiting, then releases them
//     all; each gets a distinct index, in arrival order (the last to arrive
//     gets parties-1 and returns first); the barrier is reusable, and tasks
//     that arrive while a round drains wait for the next round;
//   - abort() breaks the barrier: current and future waiters raise
//     BrokenBarrierError ("Abort or reset of barrier" for those waiting,
//     "Barrier aborted" for later arrivals) until reset();
//   - reset() returns the barrier to its empty state; tasks waiting at that
//     moment raise BrokenBarrierError("Abort or reset of barrier");
//   - parties(), n_waiting() (0 unless filling) and broken() observe it;
//   - the waiting happens on an internal Condition, so wake-ups take the
//     same loop iterations as CPython's.
//
// C++ forms: wait() is Coro<int>, reset() and abort() Coro<void>. Python's
// `async with barrier as index` is `int index = co_await barrier.wait();`
// (its __aexit__ does nothing). repr() is Python's without the object's
// address: "<Barrier [filling, waiters:1/3]>", "<Barrier [broken]>".
//
// Lifetime: a Barrier must outlive the coroutines that use it.
// Threads: the loop's thread only; not copyable or movable.

#ifndef SEEDLOOP_LOOP_SYNC_BARRIER_H_
#define SEEDLOOP_LOOP_SYNC_BARRIER_H_

#include <string>

#include "loop/coro.h"
#include "loop/sync/condition.h"
#include "loop/sync/exceptions.h"

namespace seedloop {

class Barrier {
 public:
  explicit Barrier(int parties);
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  Coro<int> wait();
  Coro<void> reset();
  Coro<void> abort();

  int parties() const { return parties_; }
  int n_waiting() const { return state_ == State::kFilling ? count_ : 0; }
  bool broken() const { return state_ == State::kBroken; }

  std::string repr() const;

 private:
  enum class State { kFilling, kDraining, kResetting, kBroken };

  // Waits while the barrier drains or resets; raises if it is broken.
  Coro<void> block();
  // The last party arrived: release everyone.
  void release_waiters();
  // Waits until the filling ends; raises if it ended by reset or abort.
  Coro<void> wait_released();
  // The last party to leave refills the barrier.
  void exit();

  Condition cond_;
  int parties_;
  State state_ = State::kFilling;
  int count_ = 0;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_BARRIER_H_
