// RingQueue: a FIFO of trivially copyable items in a power-of-two ring.
//
// The loop's ready queue (asyncio's `_ready` deque). push_back and
// pop_front are O(1) and allocate only when the ring doubles; the ring never
// shrinks below its high-water mark, so a steady loop allocates nothing.

#ifndef SEEDLOOP_LOOP_INTERNAL_RING_QUEUE_H_
#define SEEDLOOP_LOOP_INTERNAL_RING_QUEUE_H_

#include <cassert>
#include <cstddef>
#include <memory>
#include <type_traits>

namespace seedloop::internal {

template <typename T>
class RingQueue {
  static_assert(std::is_trivially_copyable_v<T>, "RingQueue holds plain items");

 public:
  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }

  void push_back(T item) {
    if (size() == capacity_) grow();
    slots_[tail_ & (capacity_ - 1)] = item;
    ++tail_;
  }

  T pop_front() {
    assert(!empty() && "RingQueue::pop_front on an empty queue");
    T item = slots_[head_ & (capacity_ - 1)];
    ++head_;
    return item;
  }

  // The i-th item from the front.
  T at(size_t i) const {
    assert(i < size());
    return slots_[(head_ + i) & (capacity_ - 1)];
  }

 private:
  void grow() {
    size_t next = capacity_ == 0 ? 64 : capacity_ * 2;
    auto slots = std::make_unique<T[]>(next);
    for (size_t i = 0; i < size(); ++i) slots[i] = at(i);
    tail_ = size();
    head_ = 0;
    slots_ = std::move(slots);
    capacity_ = next;
  }

  std::unique_ptr<T[]> slots_;
  size_t capacity_ = 0;
  size_t head_ = 0;  // monotonically increasing indices, masked on access
  size_t tail_ = 0;
};

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_INTERNAL_RING_QUEUE_H_
