// PyHeap: a binary min-heap that is Python's heapq, operation for operation.
//
// CPython's loop keeps its timers in a heapq ordered by `when` only, so the
// order in which timers with EQUAL deadlines fire is decided by heapq's exact
// sift algorithm (asyncio-semantics item 7): push sifts up while strictly
// less than the parent; pop moves the last item to the root, sinks it to a
// leaf always taking the right child unless left < right, then sifts it up;
// heapify runs that sink for i = n/2-1 down to 0. Reproducing the algorithm
// bit for bit is what lets seedloop's traces equal CPython's event for event.
//
// `Less` must be a strict weak order; ties are resolved by the algorithm
// above, never by address.

#ifndef SEEDLOOP_LOOP_INTERNAL_PY_HEAP_H_
#define SEEDLOOP_LOOP_INTERNAL_PY_HEAP_H_

#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace seedloop::internal {

template <typename T, typename Less>
class PyHeap {
 public:
  explicit PyHeap(Less less = Less()) : less_(std::move(less)) {}

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const T& top() const {
    assert(!items_.empty() && "PyHeap::top on an empty heap");
    return items_.front();
  }
  // The items in heap-array order (for compaction and inspection).
  std::vector<T>& items() { return items_; }
  const std::vector<T>& items() const { return items_; }

  // heapq.heappush
  void push(T item) {
    items_.push_back(std::move(item));
    sift_down(0, items_.size() - 1);
  }

  // heapq.heappop
  T pop() {
    assert(!items_.empty() && "PyHeap::pop on an empty heap");
    T last = std::move(items_.back());
    items_.pop_back();
    if (items_.empty()) return last;
    T result = std::move(items_.front());
    items_.front() = std::move(last);
    sift_up(0);
    return result;
  }

  // heapq.heapify, over whatever items() now holds.
  void heapify() {
    for (size_t i = items_.size() / 2; i-- > 0;) sift_up(i);
  }

 private:
  // heapq._siftdown: moves items_[pos] up towards `start`.
  void sift_down(size_t start, size_t pos) {
    T item = std::move(items_[pos]);
    while (pos > start) {
      size_t parent = (pos - 1) >> 1;
      if (!less_(item, items_[parent])) break;
      items_[pos] = std::move(items_[parent]);
      pos = parent;
    }
    items_[pos] = std::move(item);
  }

  // heapq._siftup: sinks items_[pos] to a leaf, then sift_down.
  void sift_up(size_t pos) {
    const size_t end = items_.size();
    const size_t start = pos;
    T item = std::move(items_[pos]);
    size_t child = 2 * pos + 1;
    while (child < end) {
      size_t right = child + 1;
      if (right < end && !less_(items_[child], items_[right])) child = right;
      items_[pos] = std::move(items_[child]);
      pos = child;
      child = 2 * pos + 1;
    }
    items_[pos] = std::move(item);
    sift_down(start, pos);
  }

  std::vector<T> items_;
  Less less_;
};

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_INTERNAL_PY_HEAP_H_
