// Coro<T>: the coroutine type, Python's coroutine object.
//
//   Coro<int> answer() { co_await sleep(0.1); co_return 42; }
//
// Calling a Coro function creates a suspended coroutine and runs nothing
// (like calling an `async def`). It then runs in one of two ways:
//   - `co_await answer()` inside another coroutine runs it inline, in the
//     awaiting task, at no loop iteration (asyncio-semantics item 36);
//   - `loop->create_task(answer())` wraps it in a Task<T>, scheduled on the
//     loop (see loop/task.h).
// C++ needs the two types Python gets from one (`async def` objects and
// Task): a Coro is the coroutine, a Task the scheduled future running it.
//
// A Coro owns its frame: destroying an unstarted or finished Coro frees it.
// A Coro is move-only and awaited at most once. Exceptions propagate to the
// awaiter, as in Python. Nested awaits use symmetric transfer; g++ turns
// it into tail calls only when optimizing, so in -O0/sanitizer builds an
// await chain thousands of coroutines deep can exhaust the thread's stack.
//
// Await sites: every `co_await` in a Coro body records its source location
// (file:line of the awaited expression, through the promise's
// await_transform) in the promise, and a Coro awaiting a Coro inline links
// the two promises while the inner one runs. A suspended task can so name
// where it waits: the chain of co_awaits from its top coroutine down to the
// innermost one that suspended (TaskBase::await_stack(), used by the
// cancellation fuzzer, sim/cancel_fuzz.h). The cost is two stores per await.

#ifndef SEEDLOOP_LOOP_CORO_H_
#define SEEDLOOP_LOOP_CORO_H_

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "loop/future.h"

namespace seedloop {

// Where a co_await is: file and line, with std::source_location's accessors.
// seedloop's own type because clang 14 with libstdc++ 12 has no
// std::source_location (no __builtin_source_location), while
// __builtin_FILE/__builtin_LINE as default arguments work in both compilers
// and name the caller's line.
class AwaitSite {
 public:
  constexpr AwaitSite() = default;
  static constexpr AwaitSite current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) noexcept {
    AwaitSite site;
    site.file_ = file;
    site.line_ = line;
    return site;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr unsigned line() const noexcept { return line_; }

 private:
  const char* file_ = "";
  unsigned line_ = 0;
};

namespace internal {

// The untyped part of every Coro promise; a Task drives its coroutine
// through it.
struct PromiseBase {
  std::coroutine_handle<> continuation;  // the awaiter, or null at a task's top
  std::exception_ptr exception;
  const void* value = nullptr;  // address of the returned value, once returned
  // The location of this coroutine's latest co_await (the one it is
  // suspended in, while suspended), and the Coro it awaits inline, if any.
  AwaitSite await_site;
  PromiseBase* awaiting_inline = nullptr;

  // Records where the coroutine awaits; the awaitable goes through unchanged.
  template <typename A>
  A&& await_transform(A&& awaitable, AwaitSite where = AwaitSite::current()) noexcept {
    await_site = where;
    return std::forward<A>(awaitable);
  }
};

struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <typename P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
    std::coroutine_handle<> next = h.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

template <typename T>
struct PromiseValue : PromiseBase {
  std::optional<T> result;
  template <typename U>
  void return_value(U&& v) {
    result.emplace(std::forward<U>(v));
    value = &*result;
  }
};

// The one "returned value" of every Coro<void> (a static, so the promise
// stays small: coroutine frames are allocated per task).
inline constexpr std::monostate kVoidResult{};

template <>
struct PromiseValue<void> : PromiseBase {
  void return_void() { value = &kVoidResult; }
};

}  // namespace internal

template <typename T = void>
class [[nodiscard]] Coro {
 public:
  using value_type = T;

  struct promise_type : internal::PromiseValue<T> {
    Coro get_return_object() { return Coro(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    internal::FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() { this->exception = std::current_exception(); }
  };

  Coro() = default;
  Coro(Coro&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Coro& operator=(Coro&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  ~Coro() { reset(); }

  explicit operator bool() const { return static_cast<bool>(h_); }

  // Runs the coroutine inline in the awaiting coroutine.
  struct Awaiter {
    std::coroutine_handle<promise_type> h;
    internal::PromiseBase* awaiting_promise = nullptr;
    bool await_ready() const noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> awaiting) noexcept {
      h.promise().continuation = awaiting;
      if constexpr (std::is_base_of_v<internal::PromiseBase, P>) {
        awaiting_promise = &awaiting.promise();
        awaiting_promise->awaiting_inline = &h.promise();
      }
      return h;
    }
    T await_resume() {
      if (awaiting_promise != nullptr) awaiting_promise->awaiting_inline = nullptr;
      if (h.promise().exception) std::rethrow_exception(h.promise().exception);
      if constexpr (!std::is_void_v<T>) return std::move(*h.promise().result);
    }
  };
  Awaiter operator co_await() && { return Awaiter{h_}; }

  // For Task: gives up the frame.
  std::coroutine_handle<promise_type> release() { return std::exchange(h_, {}); }

 private:
  explicit Coro(std::coroutine_handle<promise_type> h) : h_(h) {}
  void reset() {
    if (h_) h_.destroy();
    h_ = {};
  }

  std::coroutine_handle<promise_type> h_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_CORO_H_
