// wait() and as_completed(): asyncio.wait and asyncio.as_completed.
//
//   auto [done, pending] = co_await wait(tasks, {.timeout = 1.0,
//                                              .return_when = FIRST_COMPLETED});
//   for (Coro<int>& next : as_completed(tasks, 2.0)) int v = co_await next;
//
// wait (tasks.wait; asyncio-semantics item 41): returns when the condition
// holds or the timeout passes; never raises the children's exceptions,
// never cancels them, and a timeout is not an error. An empty list raises
// ValueError("Set of Tasks/Futures is empty.").
//
// as_completed (tasks.as_completed; item 42): one coroutine per distinct
// future, resolving in completion order; at the timeout every coroutine not
// yet resolved raises TimeoutError and nothing is cancelled.
//
// C++ forms: Python takes a set and returns sets; seedloop takes a vector
// (duplicates count once) and returns vectors in argument order, where
// Python's set order is not reproducible. Coroutines are not accepted
// (asyncio: "Passing coroutines is forbidden, use tasks explicitly.").

#ifndef SEEDLOOP_LOOP_AIO_WAIT_H_
#define SEEDLOOP_LOOP_AIO_WAIT_H_

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "loop/aio/gather.h"
#include "loop/aio/wait_for.h"

namespace seedloop {

enum class ReturnWhen { kFirstCompleted, kFirstException, kAllCompleted };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::kFirstCompleted;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::kFirstException;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::kAllCompleted;

struct WaitOptions {
  std::optional<double> timeout;  // seconds; nullopt waits without limit
  ReturnWhen return_when = ALL_COMPLETED;
};

template <typename T>
struct WaitResult {
  std::vector<Future<T>> done;
  std::vector<Future<T>> pending;
};

namespace internal {

// tasks._wait over untyped futures (already deduplicated).
Coro<void> wait_untyped(std::vector<Ref<FutureBase>> fs, std::optional<int64_t> timeout_ns, ReturnWhen when);

// The shared state of one as_completed() call.
struct AsCompleted {
  std::vector<Ref<FutureBase>> todo;
  std::deque<Ref<FutureBase>> done;  // null: the timeout's dummy entry
  std::deque<Future<void>> getters;  // asyncio.Queue's getters
  TimerHandle timeout_handle;

  void put(Ref<FutureBase> f);
  void put_wakeup_next();
  Coro<Ref<FutureBase>> get(std::shared_ptr<AsCompleted> self);
  void on_completion(FutureBase& f);
  void on_timeout();
};
std::shared_ptr<AsCompleted> start_as_completed(std::vector<Ref<FutureBase>> fs, std::optional<double> timeout_s);

template <typename T>
Coro<T> wait_for_one(std::shared_ptr<AsCompleted> state) {
  Ref<FutureBase> f = co_await state->get(state);
  if (!f) throw TimeoutError();
  co_return take_value<T>(*f);
}

template <typename T>
std::vector<Future<T>> distinct(std::vector<Future<T>> fs) {
  std::vector<Future<T>> out;
  for (Future<T>& f : fs) {
    bool seen = false;
    for (const Future<T>& g : out) seen = seen || g == f;
    if (!seen) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace internal

template <typename T>
Coro<WaitResult<T>> wait(std::vector<Future<T>> fs, WaitOptions options = {}) {
  if (fs.empty()) throw ValueError("Set of Tasks/Futures is empty.");
  fs = internal::distinct(std::move(fs));
  std::vector<internal::Ref<FutureBase>> untyped;
  for (const Future<T>& f : fs) untyped.push_back(f.ref());
  co_await internal::wait_untyped(std::move(untyped), internal::seconds_to_ns(options.timeout), options.return_when);
  WaitResult<T> result;
  for (Future<T>& f : fs) (f.done() ? result.done : result.pending).push_back(std::move(f));
  co_return result;
}

template <typename T>
std::vector<Coro<T>> as_completed(std::vector<Future<T>> fs, std::optional<double> timeout_s = std::nullopt) {
  fs = internal::distinct(std::move(fs));
  std::vector<internal::Ref<FutureBase>> untyped;
  for (const Future<T>& f : fs) untyped.push_back(f.ref());
  std::shared_ptr<internal::AsCompleted> state = internal::start_as_completed(std::move(untyped), timeout_s);
  std::vector<Coro<T>> out;
  for (size_t i = 0; i < fs.size(); ++i) out.push_back(internal::wait_for_one<T>(state));
  return out;
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_WAIT_H_
