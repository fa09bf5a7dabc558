// The one thread_local of seedloop (STYLE.md item 10).
//
// Everything asyncio keeps per OS thread lives here, in one place:
//   - the running loop (asyncio's _running_loop), set and cleared only by
//     EventLoop::run_forever through RunningLoopScope;
//   - the entered contextvars Context, and the thread's base context;
//   - the default policy's current loop (asyncio keeps it in the policy's
//     threading.local).

#ifndef SEEDLOOP_LOOP_INTERNAL_THREAD_STATE_H_
#define SEEDLOOP_LOOP_INTERNAL_THREAD_STATE_H_

#include <memory>

#include "loop/context.h"

namespace seedloop {
class EventLoop;
namespace internal {

struct ThreadState {
  EventLoop* running_loop = nullptr;
  ContextData* context = nullptr;  // null: the base context is current
  std::unique_ptr<ContextData> base_context;
  std::shared_ptr<EventLoop> policy_loop;  // set_event_loop()
  bool policy_loop_set = false;            // set_event_loop() was called
};

ThreadState& thread_state();

}  // namespace internal
}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_INTERNAL_THREAD_STATE_H_
