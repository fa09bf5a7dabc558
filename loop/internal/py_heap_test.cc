// PyHeap reproduces heapq's pop order for equal keys (the order CPython's
// loop fires equal-deadline timers in). Expected sequences were printed by
// python3 for the same pushes (heapq.heappush of (key, index) compared on
// key only).

#include "loop/internal/py_heap.h"

#include <vector>

#include "gtest/gtest.h"

namespace seedloop::internal {
namespace {

struct Item {
  int key;
  int id;
};
struct KeyLess {
  bool operator()(const Item& a, const Item& b) const { return a.key < b.key; }
};

std::vector<int> drain(PyHeap<Item, KeyLess>& heap) {
  std::vector<int> out;
  while (!heap.empty()) out.push_back(heap.pop().id);
  return out;
}

TEST(PyHeapTest, PopsInKeyOrder) {
  PyHeap<Item, KeyLess> heap;
  for (int k : {5, 1, 4, 2, 3}) heap.push({k, k});
  EXPECT_EQ(drain(heap), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(PyHeapTest, EqualKeysPopInHeapqOrder) {
  PyHeap<Item, KeyLess> heap;
  for (int i = 0; i < 8; ++i) heap.push({0, i});
  EXPECT_EQ(drain(heap), (std::vector<int>{0, 2, 6, 5, 7, 4, 1, 3}));
}

TEST(PyHeapTest, HeapifyMatchesHeapq) {
  // python3: h=[(0,i) ...]; heapq.heapify on keys [3,0,0,2,0,1] then pops.
  PyHeap<Item, KeyLess> heap;
  const int keys[] = {3, 0, 0, 2, 0, 1};
  for (int i = 0; i < 6; ++i) heap.items().push_back({keys[i], i});
  heap.heapify();
  EXPECT_EQ(drain(heap), (std::vector<int>{2, 4, 1, 5, 3, 0}));
}

}  // namespace
}  // namespace seedloop::internal
