#include "loop/sync/internal/loop_binding.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "loop/errors.h"
#include "loop/internal/thread_state.h"

namespace seedloop::internal {

EventLoop& LoopBinding::get_loop(absl::FunctionRef<std::string()> repr) {
  EventLoop* running = thread_state().running_loop;
  if (!bound_) {
    if (running == nullptr) throw RuntimeError("no running event loop");
    loop_ = running->shared_from_this();
    bound_ = true;
    return *running;
  }
  // A destroyed loop locks to null, so a new loop at its address differs.
  std::shared_ptr<EventLoop> bound = loop_.lock();
  if (running == nullptr || bound.get() != running) {
    throw RuntimeError(repr() + " is bound to a different event loop");
  }
  return *running;
}

bool LoopBinding::loop_closed() const {
  if (!bound_) return false;
  std::shared_ptr<EventLoop> loop = loop_.lock();
  return loop == nullptr || loop->is_closed();
}

bool remove_waiter(Waiters& waiters, const Future<void>& fut) {
  auto it = std::find(waiters.begin(), waiters.end(), fut);
  if (it == waiters.end()) return false;
  waiters.erase(it);
  return true;
}

void on_release_at_scope_exit_failed(const std::string& what, std::exception_ptr error, bool loop_closed) {
  if (loop_closed) return;
  std::fprintf(stderr, "seedloop: releasing %s at the end of its Held scope raised %s\n", what.c_str(),
               describe_exception(error).c_str());
  std::abort();
}

}  // namespace seedloop::internal
