// LoopBinding: asyncio's _LoopBoundMixin, and the waiter deques every
// primitive keeps.
//
// A primitive is bound to no loop when made. The first operation that needs
// the loop (in CPython, exactly the calls to `_get_loop()`: the ones that
// are about to wait) binds it to the running loop; from then on, the same
// call from any other loop raises RuntimeError(f'{repr} is bound to a
// different event loop'). A bound primitive keeps only a weak reference to
// its loop: a destroyed loop is never mistaken for a new one at the same
// address.
//
// Deviation: outside a running loop, an unbound primitive raises
// RuntimeError("no running event loop") where CPython binds to None and
// then fails with AttributeError.
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_SYNC_INTERNAL_LOOP_BINDING_H_
#define SEEDLOOP_LOOP_SYNC_INTERNAL_LOOP_BINDING_H_

#include <deque>
#include <exception>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "loop/event_loop.h"
#include "loop/future.h"

namespace seedloop::internal {

class LoopBinding {
 public:
  // _get_loop(): the running loop, binding to it on first use. `repr`
  // describes the primitive for the error message.
  EventLoop& get_loop(absl::FunctionRef<std::string()> repr);
  // True once bound to a loop that has since been closed or destroyed.
  bool loop_closed() const;

 private:
  std::weak_ptr<EventLoop> loop_;
  bool bound_ = false;
};

// A FIFO of waiters' futures (CPython's collections.deque of futures).
using Waiters = std::deque<Future<void>>;

// deque.remove(fut), except that a missing future is no error: removes the
// first entry equal to `fut`; returns whether there was one.
bool remove_waiter(Waiters& waiters, const Future<void>& fut);

// A release at scope exit (Held's destructor) cannot raise. `error` is what
// release() raised: ignored when the primitive's loop is closed (CPython
// reports the same error from a closed coroutine as "Exception ignored"),
// otherwise a broken invariant: this prints `what` and the error, and aborts.
void on_release_at_scope_exit_failed(const std::string& what, std::exception_ptr error, bool loop_closed);

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_SYNC_INTERNAL_LOOP_BINDING_H_
