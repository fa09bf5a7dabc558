// ensure_future(): asyncio.ensure_future.
//
//   Future<int> f = ensure_future(some_future);   // the same future
//   Task<int> t = ensure_future(some_coro());     // a new task on the loop
//
// A coroutine becomes a task on the running loop, or, outside a loop, on
// get_event_loop()'s loop (tasks.ensure_future -> events._get_event_loop).
// Non-awaitables do not compile (asyncio raises TypeError at run time).

#ifndef SEEDLOOP_LOOP_AIO_ENSURE_FUTURE_H_
#define SEEDLOOP_LOOP_AIO_ENSURE_FUTURE_H_

#include <utility>

#include "loop/event_loop.h"
#include "loop/policy.h"

namespace seedloop {

template <typename T>
Future<T> ensure_future(Future<T> future) {
  return future;
}

template <typename T>
Task<T> ensure_future(Coro<T> coro) {
  return get_event_loop()->create_task(std::move(coro));
}

namespace internal {

// What a helper makes of one argument: the future itself, or a task for a
// coroutine (whose "destroyed pending" report is off, as gather and
// wait_for turn it off for the tasks they make).
template <typename T>
Future<T> child_future(Future<T> future) {
  return future;
}
template <typename T>
Future<T> child_future(Coro<T> coro) {
  Task<T> task = get_event_loop()->create_task(std::move(coro));
  task.task()->set_log_destroy_pending(false);
  return task;
}

// The value type of an awaitable argument: Future<T>, Task<T> or Coro<T>.
template <typename A>
struct awaited;
template <typename T>
struct awaited<Future<T>> {
  using type = T;
};
template <typename T>
struct awaited<Task<T>> {
  using type = T;
};
template <typename T>
struct awaited<Coro<T>> {
  using type = T;
};
template <typename A>
using awaited_t = typename awaited<std::decay_t<A>>::type;

}  // namespace internal

// Future<T>, Task<T> or Coro<T>: what gather, wait_for and shield take.
template <typename A>
concept Awaitable = requires { typename internal::awaited<std::decay_t<A>>::type; };
}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_ENSURE_FUTURE_H_
