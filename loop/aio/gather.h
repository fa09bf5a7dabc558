// gather(): asyncio.gather.
//
//   auto [a, b] = co_await gather(fetch("a"), sleep(1.0, 2));   // a tuple
//   std::vector<int> all = co_await gather(tasks);               // a vector
//   auto outcomes = co_await gather(return_exceptions, tasks);   // Outcome<T>s
//
// Semantics are CPython 3.11's tasks.gather (asyncio-semantics item 40):
//   - coroutines become tasks (their "destroyed pending" report is off);
//     the same future passed twice is one child;
//   - results come in argument order;
//   - without return_exceptions, the first child exception (or a child's
//     cancellation, as CancelledError) becomes the gather's exception at
//     once, while the other children keep running;
//   - with return_exceptions, each failed child yields its exception, and a
//     cancelled child a CancelledError carrying its cancel message;
//   - cancelling the gather cancels every child with the message; if any
//     child was cancelled, the gather then ends FINISHED with CancelledError
//     (so cancelled() is false), even with return_exceptions;
//   - gather() of nothing is a done future holding an empty result.
//
// C++ forms: several arguments of any types give a std::tuple (void
// children give std::monostate); one std::vector of futures gives a
// std::vector. Python's return_exceptions=True keyword is the leading
// `return_exceptions` tag; each element is then an Outcome<T>.
//
// Threads: the running loop's thread.

#ifndef SEEDLOOP_LOOP_AIO_GATHER_H_
#define SEEDLOOP_LOOP_AIO_GATHER_H_

#include <cstddef>
#include <exception>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "loop/aio/ensure_future.h"
#include "loop/aio/outcome.h"
#include "loop/event_loop.h"

namespace seedloop {

struct ReturnExceptions {};
// gather(return_exceptions, ...) is asyncio's gather(..., return_exceptions=True).
inline constexpr ReturnExceptions return_exceptions{};

namespace internal {

// _GatheringFuture plus gather's _done_callback, untyped.
class GatheringBase : public FutureBase {
 public:
  GatheringBase(EventLoop* loop, std::vector<Ref<FutureBase>> children, bool return_exceptions);
  // _GatheringFuture.cancel: cancels every child with `msg`.
  bool cancel(std::optional<std::string> msg = std::nullopt) override;
  // Registers the done callback on each distinct child.
  void start();

 protected:
  // Called once every child is done and no cancel was requested: sets the
  // typed result.
  virtual void set_results() = 0;
  const std::vector<Ref<FutureBase>>& children() const { return children_; }

 private:
  void on_child_done(FutureBase& child);

  std::vector<Ref<FutureBase>> children_;  // argument order, duplicates repeated
  size_t nfuts_ = 0;
  size_t nfinished_ = 0;
  bool return_exceptions_;
  bool cancel_requested_ = false;
};

template <typename R, typename Build>
class GatheringState final : public GatheringBase {
 public:
  GatheringState(EventLoop* loop, std::vector<Ref<FutureBase>> children, bool return_exceptions, Build build)
      : GatheringBase(loop, std::move(children), return_exceptions), build_(std::move(build)) {}

 private:
  void set_results() override {
    value_.emplace(build_(children()));
    finish_with_value(&*value_);
  }
  std::optional<R> value_;
  Build build_;
};

// A done child's value, or (with return_exceptions) its outcome.
template <typename T>
Stored<T> child_value(FutureBase& f) {
  if constexpr (std::is_void_v<T>) {
    f.raise_if_failed();
    return std::monostate{};
  } else {
    f.raise_if_failed();
    return *static_cast<const T*>(f.value_address());
  }
}
template <typename T>
Outcome<T> child_outcome(FutureBase& f) {
  if (f.cancelled()) return Outcome<T>::error(std::make_exception_ptr(CancelledError(f.cancel_message().value_or(""))));
  if (std::exception_ptr e = f.exception()) return Outcome<T>::error(std::move(e));
  return Outcome<T>::value(child_value<T>(f));
}

template <typename R, typename Build>
Future<R> make_gathering(EventLoop* loop, std::vector<Ref<FutureBase>> children, bool return_exceptions,
                         Build build) {
  auto* state = new GatheringState<R, Build>(loop, std::move(children), return_exceptions, std::move(build));
  Ref<FutureBase> ref(state);
  state->start();
  return Future<R>(std::move(ref));
}

template <typename R>
Future<R> done_future_with(R value) {
  Future<R> f = get_event_loop()->create_future<R>();
  f.set_result(std::move(value));
  return f;
}

template <bool kOutcomes, typename... A>
auto gather_variadic(A&&... args) {
  using R = std::conditional_t<kOutcomes, std::tuple<Outcome<awaited_t<A>>...>, std::tuple<Stored<awaited_t<A>>...>>;
  if constexpr (sizeof...(A) == 0) {
    return done_future_with<R>(R());
  } else {
    // A braced initializer evaluates left to right: the children's tasks are
    // created (and so start) in argument order, as in asyncio.
    std::tuple<Future<awaited_t<A>>...> typed{child_future(std::forward<A>(args))...};
    std::vector<Ref<FutureBase>> children;
    std::apply([&](auto&... f) { (children.push_back(f.ref()), ...); }, typed);
    EventLoop* loop = std::get<0>(typed).get_loop();
    auto build = [](const std::vector<Ref<FutureBase>>& done) {
      return [&]<size_t... I>(std::index_sequence<I...>) {
        if constexpr (kOutcomes) {
          return R(child_outcome<awaited_t<A>>(*done[I])...);
        } else {
          return R(child_value<awaited_t<A>>(*done[I])...);
        }
      }(std::index_sequence_for<A...>());
    };
    return make_gathering<R>(loop, std::move(children), kOutcomes, build);
  }
}

template <bool kOutcomes, typename A>
auto gather_vector(std::vector<A> args) {
  using T = awaited_t<A>;
  using E = std::conditional_t<kOutcomes, Outcome<T>, Stored<T>>;
  using R = std::vector<E>;
  if (args.empty()) return done_future_with<R>(R());
  std::vector<Ref<FutureBase>> children;
  children.reserve(args.size());
  for (A& a : args) children.push_back(child_future(std::move(a)).ref());
  EventLoop* loop = children.front()->get_loop();
  auto build = [](const std::vector<Ref<FutureBase>>& done) {
    R out;
    out.reserve(done.size());
    for (const auto& f : done) {
      if constexpr (kOutcomes) {
        out.push_back(child_outcome<T>(*f));
      } else {
        out.push_back(child_value<T>(*f));
      }
    }
    return out;
  };
  return make_gathering<R>(loop, std::move(children), kOutcomes, build);
}

}  // namespace internal

template <Awaitable... A>
auto gather(A&&... args) {
  return internal::gather_variadic<false>(std::forward<A>(args)...);
}
template <Awaitable... A>
auto gather(ReturnExceptions, A&&... args) {
  return internal::gather_variadic<true>(std::forward<A>(args)...);
}
template <typename A>
auto gather(std::vector<A> args) {
  return internal::gather_vector<false>(std::move(args));
}
template <typename A>
auto gather(ReturnExceptions, std::vector<A> args) {
  return internal::gather_vector<true>(std::move(args));
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_GATHER_H_
