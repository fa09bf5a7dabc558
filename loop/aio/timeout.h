// timeout() / timeout_at(): asyncio's Timeout scopes.
//
//   // Python: async with asyncio.timeout(0.5) as cm: await work()
//   Timeout cm = timeout(0.5);
//   try {
//     int v = co_await cm.async_with([&](Timeout& cm) -> Coro<int> {
//       co_return co_await work();
//     });
//   } catch (const TimeoutError&) {
//     // cm.expired() is true
//   }
//   // or, in one line: co_await with_timeout(0.5, [&]() -> Coro<void> {...});
//
// Semantics are CPython 3.11's timeouts.Timeout (asyncio-semantics item 43):
//   - states created -> active -> (expiring -> expired | finished);
//   - entering records the task's cancelling() count and schedules the
//     deadline: std::nullopt means never; a deadline <= loop.time() fires
//     via call_soon (the next iteration), a later one via call_at;
//   - at the deadline the task is cancelled with no message (state
//     expiring); the body sees CancelledError;
//   - on exit the timer is cancelled; an expiring scope becomes expired and
//     turns the body's CancelledError into TimeoutError only if the task's
//     uncancel() drops to at most the recorded count, so only the timeout
//     that expired converts (nested scopes, or an outside cancel at the same
//     time, leave CancelledError alone). A body that swallows the cancel
//     exits normally, with expired() true;
//   - errors (RuntimeError): "Timeout has not been entered" and "Cannot
//     change state of {state} Timeout" from reschedule() outside the active
//     state; "Timeout has already been entered" from entering twice;
//     "Timeout should be used inside a task" from entering in a plain
//     callback; timeout() outside a running loop raises "no running event
//     loop".
//
// C++ form, and why: Python's `async with` has no C++ counterpart, and an
// RAII guard cannot work here: leaving the scope must replace the
// CancelledError in flight with TimeoutError, which a destructor cannot
// do. So the body is a coroutine-returning callable that async_with() runs
// between __aenter__ (aenter()) and __aexit__ (aexit()); it may take the
// Timeout& (Python's `as cm`) or nothing, and its value is returned.
// Python's `raise TimeoutError from exc` becomes a TimeoutError (empty
// message) with the CancelledError nested as its cause
// (std::nested_exception, std::rethrow_if_nested).
//
// Lifetimes: Timeout is a handle: copies refer to the same scope, and the
// pending deadline keeps the scope alive; async_with() keeps the body
// callable until the scope is left. Deadlines are loop time in seconds.
// (The body-calling helpers below are shared with task_group.h.)
//
// Threads: the running loop's thread.

#ifndef SEEDLOOP_LOOP_AIO_TIMEOUT_H_
#define SEEDLOOP_LOOP_AIO_TIMEOUT_H_

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "loop/aio/outcome.h"
#include "loop/coro.h"
#include "loop/future.h"

namespace seedloop {

class TaskBase;

namespace internal {
struct TimeoutState;

// The value type of the coroutine `body` returns, called with `arg` if it
// takes one, else with nothing.
template <typename F, typename Arg>
auto call_body(F& body, Arg& arg) {
  if constexpr (std::is_invocable_v<F&, Arg&>) {
    return body(arg);
  } else {
    return body();
  }
}
template <typename F, typename Arg>
using body_value_t = typename decltype(call_body(std::declval<F&>(), std::declval<Arg&>()))::value_type;

// Runs the body to its end and captures its value or exception: the
// `async with` scopes (timeout, TaskGroup) hand the exception to __aexit__
// before anything is raised. Awaited inline: no loop iteration.
template <typename F, typename Arg>
Coro<Outcome<body_value_t<F, Arg>>> run_body(F& body, Arg& arg) {
  using T = body_value_t<F, Arg>;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await call_body(body, arg);
      co_return Outcome<T>::value(std::monostate{});
    } else {
      co_return Outcome<T>::value(co_await call_body(body, arg));
    }
  } catch (...) {
    co_return Outcome<T>::error(std::current_exception());
  }
}

// The scope's result: the body's value, or its exception raised.
template <typename T>
T finish_body(Outcome<T>&& out) {
  if constexpr (std::is_void_v<T>) {
    std::move(out).take();
  } else {
    return std::move(out).take();
  }
}
}  // namespace internal

class Timeout {
 public:
  enum class State { kCreated, kActive, kExpiring, kExpired, kFinished };

  // A scope with this deadline (loop time, seconds; nullopt: never). Most
  // code calls timeout() or timeout_at() instead.
  explicit Timeout(std::optional<double> when_s);

  // The current deadline.
  std::optional<double> when() const;
  // Moves the deadline (see the contract). Only while active.
  void reschedule(std::optional<double> when_s);
  // True once the deadline fired (expiring or expired).
  bool expired() const;
  State state() const;
  // "<Timeout [active] when=1.5>", "<Timeout [finished]>", as Python.
  std::string repr() const;

  // `async with cm: body`. Runs body (a callable returning Coro<T>, taking
  // Timeout& or nothing) inside the scope and returns its value.
  template <typename F>
  Coro<internal::body_value_t<F, Timeout>> async_with(F body);

  // The protocol async_with() runs, exposed for code that needs it:
  // Python's __aenter__ and __aexit__ (neither awaits anything, so both are
  // plain calls here).
  void aenter();
  // `exc` is what the body raised, or null. Raises TimeoutError when this
  // scope's expiry caused `exc`; otherwise returns, and the caller
  // re-raises `exc` itself.
  void aexit(std::exception_ptr exc);

 private:
  friend bool expire_innermost_timeout(TaskBase& task);
  static void reschedule_scope(const std::shared_ptr<internal::TimeoutState>& scope, std::optional<double> when_s);

  std::shared_ptr<internal::TimeoutState> state_;
};

// asyncio.timeout(delay): a scope ending `delay_s` seconds from now
// (nullopt: never). Requires a running loop.
Timeout timeout(std::optional<double> delay_s);
// asyncio.timeout_at(when): a scope ending at loop time `when_s`.
Timeout timeout_at(std::optional<double> when_s);

// Fault injection (sim/cancel_fuzz.h): moves the deadline of `task`'s
// innermost active timeout() scope to now, as reschedule(loop.time())
// would, so the scope expires at the next iteration and its body ends in
// TimeoutError as when a real deadline passes. False (and nothing done)
// when the task is inside no scope, or its innermost one already fired.
// Scopes of one task are entered and exited innermost last (as `async
// with` nests); the running loop's thread.
bool expire_innermost_timeout(TaskBase& task);

// `async with asyncio.timeout(delay_s): body`, returning the body's value.
// A coroutine: the deadline is computed when it starts running, as in
// `async def f(): async with asyncio.timeout(d): ...`.
template <typename F>
Coro<internal::body_value_t<F, Timeout>> with_timeout(std::optional<double> delay_s, F body) {
  co_return co_await timeout(delay_s).async_with(std::move(body));
}
// `async with asyncio.timeout_at(when_s): body`.
template <typename F>
Coro<internal::body_value_t<F, Timeout>> with_timeout_at(std::optional<double> when_s, F body) {
  co_return co_await timeout_at(when_s).async_with(std::move(body));
}

// ---- Template definitions ----

namespace internal {
// async_with's coroutine. It takes the Timeout and the body by value (the
// frame must keep them even when async_with was called on a temporary) and
// moves them into locals, which a finished coroutine destroys at once (its
// parameters live as long as its frame; see task_group_scope).
template <typename F>
Coro<body_value_t<F, Timeout>> timeout_scope(Timeout scope, F body_arg) {
  using T = body_value_t<F, Timeout>;
  Timeout self = std::move(scope);
  F body = std::move(body_arg);
  self.aenter();
  Outcome<T> out = co_await run_body(body, self);
  self.aexit(out.exception());  // may raise TimeoutError instead
  co_return finish_body(std::move(out));
}
}  // namespace internal

template <typename F>
Coro<internal::body_value_t<F, Timeout>> Timeout::async_with(F body) {
  return internal::timeout_scope(*this, std::move(body));
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_TIMEOUT_H_
