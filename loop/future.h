// Future<T>: asyncio.Future, as a reference-counted handle.
//
// A future is PENDING until set_result, set_exception or cancel moves it to
// FINISHED or CANCELLED, once (asyncio-semantics items 22-28):
//   - result() on a pending future raises InvalidStateError("Result is not
//     set."); exception() raises InvalidStateError("Exception is not set.");
//     on a cancelled future both raise CancelledError(msg);
//   - set_result / set_exception on a done future raise
//     InvalidStateError("invalid state");
//   - done callbacks are never called inline: completing the future
//     schedules each with call_soon, in registration order, in the context
//     captured when it was added; add_done_callback on a done future
//     schedules at once;
//   - an exception nobody retrieved (result(), exception() or cancel()) is
//     reported through the loop's exception handler as "Future exception
//     was never retrieved" when the last reference goes.
//
// C++ forms: Python's remove_done_callback(fn) compares functions; C++
// lambdas cannot be compared, so add_done_callback returns an id and
// remove_done_callback(id) returns how many callbacks it removed.
// Future<void> is the future of no value: set_result() takes no argument.
//
// Threads: futures belong to their loop's thread. Copies of a Future refer
// to the same future; a Future may outlive its loop (it then reports
// nothing).

#ifndef SEEDLOOP_LOOP_FUTURE_H_
#define SEEDLOOP_LOOP_FUTURE_H_

#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/functional/any_invocable.h"
#include "loop/context.h"
#include "loop/errors.h"
#include "loop/internal/ref.h"

namespace seedloop {

class EventLoop;
class TaskBase;

enum class FutureStatus { kPending, kCancelled, kFinished };

// The untyped core of every future and task.
class FutureBase {
 public:
  explicit FutureBase(EventLoop* loop);
  virtual ~FutureBase();
  FutureBase(const FutureBase&) = delete;
  FutureBase& operator=(const FutureBase&) = delete;

  void ref_retain() { ++refs_; }
  void ref_release() {
    if (--refs_ == 0) delete this;
  }

  bool done() const { return status_ != FutureStatus::kPending; }
  bool cancelled() const { return status_ == FutureStatus::kCancelled; }
  FutureStatus status() const { return status_; }
  // The loop the future belongs to; null once that loop is destroyed.
  EventLoop* get_loop() const { return loop_; }

  // asyncio Future.cancel(msg) (Task overrides it with Task.cancel).
  virtual bool cancel(std::optional<std::string> msg = std::nullopt);
  // asyncio Future.exception(): null when finished with a result.
  std::exception_ptr exception();
  // Raises what result() would raise, if anything; marks the exception
  // retrieved. On return, the future holds a value.
  void raise_if_failed();
  // asyncio Future.set_exception().
  void set_exception(std::exception_ptr e);

  uint64_t add_done_callback(absl::AnyInvocable<void(FutureBase&)> fn,
                             std::optional<Context> context = std::nullopt);
  uint64_t add_done_callback(absl::AnyInvocable<void(FutureBase&)> fn,
                             internal::ContextBinding context);
  // For the loop's own callbacks (a task's wakeup): `fn` already knows this
  // future, so scheduling it wraps nothing and allocates only the handle.
  uint64_t add_bound_done_callback(absl::AnyInvocable<void()> fn, internal::ContextBinding context);
  size_t remove_done_callback(uint64_t id);

  // True for tasks (a plain flag: it must hold during destruction too).
  bool is_task() const { return is_task_; }
  // Per-loop creation number, from 1 (LoopObserver events name futures by it).
  uint64_t id() const { return id_; }
  // A short description, as in reports.
  virtual std::string repr() const;

  // Address of the stored value once finished with a result.
  const void* value_address() const { return value_; }

  // asyncio's Future._make_cancelled_error(): the CancelledError a cancelled
  // future raises (a task hands out the one its coroutine raised, once).
  std::exception_ptr make_cancelled_error();
  // The message given to cancel(), if any (Future._cancel_message).
  const std::optional<std::string>& cancel_message() const { return cancel_message_; }

 protected:
  // Raises unless set_result/set_exception are allowed (Task forbids them).
  virtual void check_settable() const {}
  virtual void check_exception_settable() const {}
  // Moves to FINISHED with the value at `value` and schedules callbacks.
  void finish_with_value(const void* value);
  void finish_with_exception(std::exception_ptr e);
  // Future.cancel proper: PENDING -> CANCELLED with the message.
  bool cancel_future(std::optional<std::string> msg);
  void set_cancelled_exc(std::exception_ptr e) { cancelled_exc_ = std::move(e); }
  bool log_traceback() const { return log_traceback_; }
  void clear_log_traceback() { log_traceback_ = false; }
  void set_cancel_message(std::optional<std::string> msg) { cancel_message_ = std::move(msg); }
  void mark_task() { is_task_ = true; }

  template <typename T>
  friend class Future;
  friend class EventLoop;

 private:
  struct DoneCallback {
    uint64_t id;
    absl::AnyInvocable<void()> fn;  // bound to this future
    internal::ContextBinding context;
  };
  void schedule_callbacks();
  void report_done();  // to the loop's observer
  // EventLoop::close(): the callbacks of a pending future of a closed loop
  // can never be scheduled; they are moved to `sink` (to be destroyed by the
  // caller), which breaks reference cycles through them. Completing the
  // future later still raises "Event loop is closed", as it would have.
  void drop_callbacks_of_closed_loop(std::vector<absl::AnyInvocable<void()>>* sink);

  uint32_t refs_ = 0;
  FutureStatus status_ = FutureStatus::kPending;
  bool log_traceback_ = false;
  bool is_task_ = false;
  uint64_t id_ = 0;
  bool callbacks_dropped_ = false;
  EventLoop* loop_;
  const void* value_ = nullptr;
  std::exception_ptr exception_;
  std::exception_ptr cancelled_exc_;
  std::optional<std::string> cancel_message_;
  uint64_t next_callback_id_ = 1;
  absl::InlinedVector<DoneCallback, 1> callbacks_;
  // The loop's registry of live futures (so it can detach them when it is
  // destroyed). Maintained by EventLoop.
  FutureBase* registry_prev_ = nullptr;
  FutureBase* registry_next_ = nullptr;
};

namespace internal {

template <typename T>
using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// A plain future's storage for its value.
template <typename T>
class FutureState final : public FutureBase {
 public:
  using FutureBase::FutureBase;
  template <typename... A>
  void set_value(A&&... a) {
    value_.emplace(std::forward<A>(a)...);
    finish_with_value(&*value_);
  }

 private:
  std::optional<Stored<T>> value_;
};

// Suspends the running task on `future` (asyncio's `yield fut` inside
// Task.__step). Returns the task, which the awaiter asks on resumption for an
// exception thrown into it (cancellation). Raises RuntimeError when no task
// is running: futures can only be awaited from a task's coroutine.
TaskBase* block_current_task(FutureBase* future, std::coroutine_handle<> resume_at);
// The exception thrown into `task` at its resumption, if any (consumed).
void rethrow_injected(TaskBase* task);

// Takes the value out of a finished future for co_await: moves it when T
// cannot be copied.
template <typename T>
T take_value(FutureBase& f) {
  f.raise_if_failed();
  if constexpr (!std::is_void_v<T>) {
    auto* v = const_cast<T*>(static_cast<const T*>(f.value_address()));
    if constexpr (std::is_copy_constructible_v<T>) {
      return *v;
    } else {
      return std::move(*v);
    }
  }
}

// The awaiter of `co_await future`: asyncio's Future.__await__.
template <typename T>
class FutureAwaiter {
 public:
  explicit FutureAwaiter(Ref<FutureBase> f) : f_(std::move(f)) {}
  // Awaiting a done future never yields to the loop (item 27).
  bool await_ready() const { return f_->done(); }
  void await_suspend(std::coroutine_handle<> h) { task_ = block_current_task(f_.get(), h); }
  T await_resume() {
    if (task_ != nullptr) rethrow_injected(task_);
    return take_value<T>(*f_);
  }

 private:
  Ref<FutureBase> f_;
  TaskBase* task_ = nullptr;
};

}  // namespace internal

template <typename T = void>
class Future {
 public:
  using value_type = T;

  Future() = default;
  explicit Future(internal::Ref<FutureBase> base) : base_(std::move(base)) {}

  bool done() const { return base_->done(); }
  bool cancelled() const { return base_->cancelled(); }
  bool cancel(std::optional<std::string> msg = std::nullopt) const { return base_->cancel(std::move(msg)); }
  EventLoop* get_loop() const { return base_->get_loop(); }

  // asyncio Future.result(): the value, or raises (see the header comment).
  decltype(auto) result() const {
    base_->raise_if_failed();
    if constexpr (!std::is_void_v<T>) return *static_cast<const T*>(base_->value_address());
  }
  std::exception_ptr exception() const { return base_->exception(); }

  template <typename U = T, typename = std::enable_if_t<!std::is_void_v<U>>>
  void set_result(U value) const {
    check_can_set();
    static_cast<internal::FutureState<T>*>(base_.get())->set_value(std::move(value));
  }
  template <typename U = T, typename = std::enable_if_t<std::is_void_v<U>>>
  void set_result() const {
    check_can_set();
    static_cast<internal::FutureState<T>*>(base_.get())->set_value();
  }
  void set_exception(std::exception_ptr e) const { base_->set_exception(std::move(e)); }
  template <typename E, typename = std::enable_if_t<std::is_base_of_v<std::exception, E>>>
  void set_exception(E e) const {
    base_->set_exception(std::make_exception_ptr(std::move(e)));
  }

  // fn(Future<T>) is scheduled with call_soon when the future is done.
  template <typename F>
  uint64_t add_done_callback(F fn, std::optional<Context> context = std::nullopt) const {
    return base_->add_done_callback(
        [fn = std::move(fn)](FutureBase& f) mutable { fn(Future<T>(internal::Ref<FutureBase>(&f))); },
        std::move(context));
  }
  size_t remove_done_callback(uint64_t id) const { return base_->remove_done_callback(id); }

  internal::FutureAwaiter<T> operator co_await() const { return internal::FutureAwaiter<T>(base_); }

  explicit operator bool() const { return static_cast<bool>(base_); }
  bool operator==(const Future& other) const { return base_ == other.base_; }
  FutureBase* base() const { return base_.get(); }
  const internal::Ref<FutureBase>& ref() const { return base_; }

 private:
  void check_can_set() const {
    base_->check_settable();
    if (base_->done()) throw InvalidStateError("invalid state");
  }

  internal::Ref<FutureBase> base_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_FUTURE_H_
