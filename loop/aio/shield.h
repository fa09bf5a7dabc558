// shield(): asyncio.shield.
//
//   int v = co_await shield(important());
//
// Cancelling the returned future (or the task awaiting it) leaves the inner
// one running (tasks.shield; asyncio-semantics item 39): an already-done
// argument is returned as is; otherwise a new outer future follows the
// inner one; if the outer is cancelled first, the inner's eventual result
// is marked retrieved; if the inner is cancelled, the outer is cancelled
// with no message.

#ifndef SEEDLOOP_LOOP_AIO_SHIELD_H_
#define SEEDLOOP_LOOP_AIO_SHIELD_H_

#include <utility>

#include "loop/aio/ensure_future.h"
#include "loop/aio/gather.h"

namespace seedloop {

template <Awaitable A>
Future<internal::awaited_t<A>> shield(A awaitable) {
  using T = internal::awaited_t<A>;
  Future<T> inner = ensure_future(std::move(awaitable));
  if (inner.done()) return inner;
  Future<T> outer = inner.get_loop()->template create_future<T>();
  uint64_t id = inner.base()->add_done_callback([outer](FutureBase& in) {
    if (outer.cancelled()) {
      if (!in.cancelled()) in.exception();  // mark it retrieved
      return;
    }
    if (in.cancelled()) {
      outer.cancel();
    } else if (std::exception_ptr e = in.exception()) {
      outer.set_exception(std::move(e));
    } else if constexpr (std::is_void_v<T>) {
      outer.set_result();
    } else {
      outer.set_result(internal::child_value<T>(in));
    }
  });
  outer.base()->add_done_callback([inner, id](FutureBase&) {
    if (!inner.done()) inner.remove_done_callback(id);
  });
  return outer;
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_SHIELD_H_
