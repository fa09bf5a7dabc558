// A bounded per-thread free list for HandleState memory.
//
// call_soon allocates one HandleState per callback; recycling their memory
// on the thread that frees them removes malloc/free from the loop's hot
// path (BENCHMARKS.md: about a quarter of a callback's cost). Blocks freed
// on another thread go to that thread's list; a list never holds more than
// kMaxPooledHandles blocks, and its thread frees them when it exits.
// Under AddressSanitizer the pool is off, so use-after-free stays visible.

#ifndef SEEDLOOP_LOOP_INTERNAL_HANDLE_POOL_H_
#define SEEDLOOP_LOOP_INTERNAL_HANDLE_POOL_H_

#include <cstddef>
#include <cstdint>

namespace seedloop::internal {

inline constexpr uint32_t kMaxPooledHandles = 4096;

// Lives in the thread's ThreadState.
struct HandlePool {
  struct Block {
    Block* next;
  };
  Block* head = nullptr;
  uint32_t size = 0;
  size_t block_size = 0;  // every block has the size of the first
  bool closed = false;    // set when the thread's state is destroyed

  constexpr HandlePool() = default;
  ~HandlePool();
};

void* handle_pool_allocate(size_t size);
void handle_pool_free(void* p, size_t size);

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_INTERNAL_HANDLE_POOL_H_
