#include "loop/internal/thread_state.h"

#include "absl/base/attributes.h"

namespace seedloop::internal {

namespace {
// The one thread_local (see thread_state.h). Constant-initialized; its
// destructor releases the thread's base context and policy loop.
ABSL_CONST_INIT thread_local ThreadState t_state;
}  // namespace

ThreadState& thread_state() { return t_state; }

}  // namespace seedloop::internal
