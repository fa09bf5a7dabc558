// The one thread_local of seedloop (STYLE.md item 10).
//
// Everything asyncio keeps per OS thread lives here, in one place:
//   - the running loop (asyncio's _running_loop), set and cleared only by
//     EventLoop::run_forever through RunningLoopScope;
//   - the entered contextvars Context, and the thread's base context;
//   - the default policy's current loop (asyncio keeps it in the policy's
//     threading.local);
//   - the free list that recycles HandleState memory (handle_pool.h).

#ifndef SEEDLOOP_LOOP_INTERNAL_THREAD_STATE_H_
#define SEEDLOOP_LOOP_INTERNAL_THREAD_STATE_H_

#include <cstdint>
#include <memory>

#include "loop/context.h"
#include "loop/internal/handle_pool.h"

namespace seedloop {
class EventLoop;
namespace internal {

struct ThreadState {
  // First member, so it is destroyed last: destroying the members below
  // (a policy loop) may free handles into it.
  HandlePool handle_pool;
  EventLoop* running_loop = nullptr;
  ContextData* context = nullptr;  // null: the base context is current
  std::unique_ptr<ContextData> base_context;
  // The default policy's current loop (set_event_loop()), valid only for
  // the policy object and policy generation that set it: installing a new
  // policy starts from no loop, as a new policy object does in asyncio.
  std::shared_ptr<EventLoop> policy_loop;
  bool policy_loop_set = false;  // set_event_loop() was called
  const void* policy_owner = nullptr;
  uint64_t policy_generation = 0;
};

ThreadState& thread_state();

}  // namespace internal
}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_INTERNAL_THREAD_STATE_H_
