#include "loop/internal/handle_pool.h"

#include <new>

#include "loop/internal/thread_state.h"

namespace seedloop::internal {

namespace {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kPoolEnabled = false;
#else
constexpr bool kPoolEnabled = true;
#endif
}  // namespace

HandlePool::~HandlePool() {
  while (head != nullptr) {
    Block* b = head;
    head = b->next;
    ::operator delete(static_cast<void*>(b), block_size);
  }
  size = 0;
  closed = true;
}

void* handle_pool_allocate(size_t size) {
  if constexpr (kPoolEnabled) {
    HandlePool& pool = thread_state().handle_pool;
    if (pool.head != nullptr && size == pool.block_size) {
      HandlePool::Block* b = pool.head;
      pool.head = b->next;
      --pool.size;
      return b;
    }
  }
  return ::operator new(size);
}

void handle_pool_free(void* p, size_t size) {
  if constexpr (kPoolEnabled) {
    HandlePool& pool = thread_state().handle_pool;
    if (!pool.closed && pool.size < kMaxPooledHandles && size >= sizeof(HandlePool::Block)) {
      if (pool.block_size == 0) pool.block_size = size;
      if (size == pool.block_size) {
        pool.head = new (p) HandlePool::Block{pool.head};
        ++pool.size;
        return;
      }
    }
  }
  ::operator delete(p, size);
}

}  // namespace seedloop::internal
