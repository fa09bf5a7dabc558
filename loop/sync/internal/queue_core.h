// QueueCore: everything of asyncio.Queue except where the items live.
//
// Queue<T>, PriorityQueue<T> and LifoQueue<T> (loop/sync/queue.h) derive from
// it and add the storage (CPython's _init/_put/_get); the waiting, the
// wake-ups and the task_done()/join() accounting are here, once, untyped.
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_SYNC_INTERNAL_QUEUE_CORE_H_
#define SEEDLOOP_LOOP_SYNC_INTERNAL_QUEUE_CORE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "loop/coro.h"
#include "loop/sync/event.h"
#include "loop/sync/internal/loop_binding.h"

namespace seedloop::internal {

class QueueCore {
 public:
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;

  // Number of items in the queue.
  virtual size_t qsize() const = 0;
  // The bound given at construction; <= 0 means unbounded.
  int64_t maxsize() const { return maxsize_; }
  bool empty() const { return qsize() == 0; }
  bool full() const { return maxsize_ > 0 && qsize() >= static_cast<uint64_t>(maxsize_); }

  void task_done();
  Coro<void> join();

  // Python's str(queue): "<Queue maxsize=2 _getters[1] tasks=3>" (the item
  // list is left out: items need not be printable).
  std::string repr() const;

 protected:
  QueueCore(const char* type_name, int64_t maxsize);
  ~QueueCore() = default;

  // put()'s `while self.full():` loop: waits as a putter until not full.
  Coro<void> wait_while_full();
  // get()'s `while self.empty():` loop: waits as a getter until not empty.
  Coro<void> wait_while_empty();
  // put_nowait()'s bookkeeping once the item is stored.
  void item_put();
  // get_nowait()'s bookkeeping once the item is taken.
  void item_got() { wakeup_next(putters_); }

 private:
  // Wakes the first waiter not done, dropping it and the done ones before
  // it from the line (queues._wakeup_next).
  static void wakeup_next(Waiters& waiters);
  Coro<void> wait_in_line(Waiters& line, bool (QueueCore::*blocked)() const);

  const char* type_name_;
  int64_t maxsize_;
  Waiters getters_;
  Waiters putters_;
  uint64_t unfinished_tasks_ = 0;
  Event finished_;
  LoopBinding binding_;
};

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_SYNC_INTERNAL_QUEUE_CORE_H_
