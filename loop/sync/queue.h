// Queue<T>, PriorityQueue<T, Compare>, LifoQueue<T>: asyncio's queues.
//
//   Queue<int> q(/*maxsize=*/10);
//   co_await q.put(1);            // waits while full
//   int v = co_await q.get();     // waits while empty
//   q.task_done();
//   co_await q.join();            // until every put item is task_done()
//
// Semantics are CPython 3.11's (asyncio-semantics item 48):
//   - maxsize <= 0 means unbounded, as in asyncio (the default is 0): the
//     caller chooses the limit, and an unbounded queue is as big as memory;
//     full() is then never true;
//   - put_nowait() raises QueueFull when full, get_nowait() QueueEmpty
//     when empty (no message); put()/get() return without a loop iteration
//     when they need not wait;
//   - put_nowait() wakes the first getter that is not done; the item is not
//     reserved for it: anyone calling get_nowait() first takes it, and the
//     woken getter then queues again at the back of the line. get_nowait()
//     wakes the first putter likewise;
//   - a getter (putter) cancelled after it was woken wakes the next one if
//     the item (slot) is still there, so a cancelled get loses no item;
//   - each put counts an unfinished task; task_done() counts one down and
//     raises ValueError("task_done() called too many times") below zero;
//     join() returns once the count is zero.
// Orders: Queue is FIFO; LifoQueue returns the newest item first;
// PriorityQueue the least by `Compare` (a strict weak order, Python's `<`),
// with ties broken exactly as Python's heapq breaks them (PyHeap).
// A queue binds to the running loop the first time put()/get() has to wait
// (see internal/loop_binding.h).
//
// C++ forms: put(T) is Coro<void>, get() is Coro<T>, join() is Coro<void>;
// T need only be movable. maxsize is int64_t, qsize() size_t. repr() is
// Python's str(queue) without the items: "<Queue maxsize=0 tasks=1>".
//
// Lifetime: a queue must outlive the coroutines that use it.
// Threads: the loop's thread only; not copyable or movable.

#ifndef SEEDLOOP_LOOP_SYNC_QUEUE_H_
#define SEEDLOOP_LOOP_SYNC_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "loop/coro.h"
#include "loop/internal/py_heap.h"
#include "loop/sync/exceptions.h"
#include "loop/sync/internal/queue_core.h"

namespace seedloop {

namespace internal {

// CPython's _init/_put/_get of each queue class.
template <typename T>
class FifoStorage {
 public:
  size_t size() const { return items_.size(); }
  void push(T item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

 private:
  std::deque<T> items_;
};

template <typename T>
class LifoStorage {
 public:
  size_t size() const { return items_.size(); }
  void push(T item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }

 private:
  std::vector<T> items_;
};

template <typename T, typename Compare>
class HeapStorage {
 public:
  size_t size() const { return heap_.size(); }
  void push(T item) { heap_.push(std::move(item)); }
  T pop() { return heap_.pop(); }

 private:
  PyHeap<T, Compare> heap_;
};

}  // namespace internal

template <typename T, typename Storage>
class BasicQueue : public internal::QueueCore {
 public:
  size_t qsize() const override { return storage_.size(); }

  Coro<void> put(T item) {
    if (full()) co_await wait_while_full();
    put_nowait(std::move(item));
  }
  void put_nowait(T item) {
    if (full()) throw QueueFull();
    storage_.push(std::move(item));
    item_put();
  }
  Coro<T> get() {
    if (empty()) co_await wait_while_empty();
    co_return get_nowait();
  }
  T get_nowait() {
    if (empty()) throw QueueEmpty();
    T item = storage_.pop();
    item_got();
    return item;
  }

 protected:
  BasicQueue(const char* type_name, int64_t maxsize) : QueueCore(type_name, maxsize) {}
  ~BasicQueue() = default;

 private:
  Storage storage_;
};

template <typename T>
class Queue final : public BasicQueue<T, internal::FifoStorage<T>> {
 public:
  explicit Queue(int64_t maxsize = 0) : BasicQueue<T, internal::FifoStorage<T>>("Queue", maxsize) {}
};

template <typename T>
class LifoQueue final : public BasicQueue<T, internal::LifoStorage<T>> {
 public:
  explicit LifoQueue(int64_t maxsize = 0) : BasicQueue<T, internal::LifoStorage<T>>("LifoQueue", maxsize) {}
};

template <typename T, typename Compare = std::less<T>>
class PriorityQueue final : public BasicQueue<T, internal::HeapStorage<T, Compare>> {
 public:
  explicit PriorityQueue(int64_t maxsize = 0)
      : BasicQueue<T, internal::HeapStorage<T, Compare>>("PriorityQueue", maxsize) {}
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_QUEUE_H_
