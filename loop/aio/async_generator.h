// AsyncGenerator<T>: Python's async generators (`async def` with `yield`).
//
//   AsyncGenerator<int> ticks(int n) {
//     for (int i = 0; i < n; ++i) {
//       co_await sleep(1.0);
//       co_yield i;
//     }
//   }
//   ...
//   auto gen = ticks(3);
//   while (std::optional<int> v = co_await gen.anext()) use(*v);
//   co_await gen.aclose();
//
// The Python protocol, under its own names:
//   anext()   runs to the next co_yield; nullopt is StopAsyncIteration;
//   athrow(e) raises e at the paused co_yield and runs to the next one;
//   aclose()  raises GeneratorExit at the paused co_yield; the generator
//             may run async cleanup (co_await in a catch-all... see below)
//             and must finish: yielding again raises RuntimeError("async
//             generator ignored GeneratorExit").
// Calling anext() while the generator runs raises RuntimeError
// ("anext(): asynchronous generator is already running").
//
// The loop's hooks, as asyncio's run_forever installs them
// (asyncio-semantics item 54):
//   - first iteration registers the generator with the running loop, so
//     loop->shutdown_asyncgens() closes every live one (asyncio.run does);
//     a generator first iterated after shutdown_asyncgens() is reported
//     through the exception handler;
//   - a generator dropped while paused at a co_yield is finalized: its
//     aclose() runs as a task on its loop, as asyncio's finalizer schedules
//     it, so its cleanup still runs.
//
// C++ notes: a C++ catch block cannot co_await, so async cleanup goes after
// the try statement (catch GeneratorExit, remember it, clean up, rethrow).
// Generators belong to their loop's thread. AsyncGenerator is move-only.

#ifndef SEEDLOOP_LOOP_AIO_ASYNC_GENERATOR_H_
#define SEEDLOOP_LOOP_AIO_ASYNC_GENERATOR_H_

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "loop/coro.h"
#include "loop/errors.h"
#include "loop/event_loop.h"

namespace seedloop {

namespace internal {

struct AsyncGenPromiseBase {
  std::coroutine_handle<> consumer;  // who resumed us last
  std::exception_ptr exception;      // what the body raised
  std::exception_ptr injected;       // thrown in at the co_yield (athrow/aclose)
  bool yielded = false;              // the last resumption ended at a co_yield
};

// The generator's frame and its state, shared by the user's handles, the
// loop's registry entry and a finalizing aclose() task.
class AsyncGenState : public std::enable_shared_from_this<AsyncGenState> {
 public:
  AsyncGenState(std::coroutine_handle<> frame, AsyncGenPromiseBase* promise) : frame_(frame), promise_(promise) {}
  ~AsyncGenState();

  // Runs the body to its next co_yield or its end, with `injected` thrown
  // in at the paused co_yield. Returns true when it stopped at a co_yield;
  // raises what the body raised.
  Coro<bool> resume(std::exception_ptr injected);
  // asyncio's asyncgen hooks.
  void first_iteration();
  // aclose(): a static coroutine, so that its frame owns the state.
  static Coro<void> aclose(std::shared_ptr<AsyncGenState> self);
  bool finished() const { return finished_; }
  uint64_t id() const { return id_; }
  bool paused_at_yield() const { return started_ && !finished_; }
  // Called by the last user handle: finalize (schedule aclose) or free.
  static void finalize(std::shared_ptr<AsyncGenState> state);

 private:
  std::coroutine_handle<> frame_;
  AsyncGenPromiseBase* promise_;
  std::weak_ptr<EventLoop> loop_;  // set at first iteration
  bool started_ = false;
  bool finished_ = false;
  bool running_ = false;
  uint64_t id_ = 0;  // the loop's number for it, for reports
};

struct YieldToConsumer {
  AsyncGenPromiseBase* promise;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept { return promise->consumer; }
  void await_resume() {
    if (promise->injected) std::rethrow_exception(std::exchange(promise->injected, nullptr));
  }
};

struct FinishToConsumer {
  AsyncGenPromiseBase* promise;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept { return promise->consumer; }
  void await_resume() const noexcept {}
};

}  // namespace internal

template <typename T>
class [[nodiscard]] AsyncGenerator {
 public:
  struct promise_type : internal::AsyncGenPromiseBase {
    std::optional<T> current;

    AsyncGenerator get_return_object() {
      auto h = std::coroutine_handle<promise_type>::from_promise(*this);
      return AsyncGenerator(std::make_shared<internal::AsyncGenState>(h, this), this);
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    internal::FinishToConsumer final_suspend() noexcept {
      yielded = false;
      return {this};
    }
    template <typename U>
    internal::YieldToConsumer yield_value(U&& value) {
      current.emplace(std::forward<U>(value));
      yielded = true;
      return {this};
    }
    void return_void() {}
    void unhandled_exception() { exception = std::current_exception(); }
  };

  AsyncGenerator() = default;
  AsyncGenerator(AsyncGenerator&&) noexcept = default;
  AsyncGenerator& operator=(AsyncGenerator&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
      promise_ = std::exchange(other.promise_, nullptr);
    }
    return *this;
  }
  AsyncGenerator(const AsyncGenerator&) = delete;
  AsyncGenerator& operator=(const AsyncGenerator&) = delete;
  ~AsyncGenerator() { release(); }

  // The next value, or nullopt once the generator has finished.
  Coro<std::optional<T>> anext() { return step(state_, promise_, nullptr); }
  // Raises `e` at the paused co_yield; the next value, or nullopt.
  Coro<std::optional<T>> athrow(std::exception_ptr e) { return step(state_, promise_, std::move(e)); }
  Coro<void> aclose() { return internal::AsyncGenState::aclose(state_); }

 private:
  AsyncGenerator(std::shared_ptr<internal::AsyncGenState> state, promise_type* promise)
      : state_(std::move(state)), promise_(promise) {}

  static Coro<std::optional<T>> step(std::shared_ptr<internal::AsyncGenState> state, promise_type* promise,
                                     std::exception_ptr injected) {
    if (state->finished()) {
      if (injected) std::rethrow_exception(injected);
      co_return std::nullopt;
    }
    bool at_yield = co_await state->resume(std::move(injected));
    if (!at_yield) co_return std::nullopt;
    std::optional<T> out = std::move(promise->current);
    promise->current.reset();
    co_return out;
  }

  void release() {
    if (state_) internal::AsyncGenState::finalize(std::move(state_));
    promise_ = nullptr;
  }

  std::shared_ptr<internal::AsyncGenState> state_;
  promise_type* promise_ = nullptr;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_ASYNC_GENERATOR_H_
