// Handle and TimerHandle: asyncio's scheduled-callback objects.
//
// call_soon / call_soon_threadsafe return a Handle; call_later / call_at
// return a TimerHandle. A Handle is a reference to a callback the loop will
// run once, unless cancelled first. Copies refer to the same callback.
//
//   cancel()     idempotent; drops the callback (and what it captured) unless
//                it is running right now; a cancelled timer is counted so the
//                loop can compact its heap (asyncio-semantics item 1, 10).
//                Cancelling after the callback ran only sets the flag.
//   cancelled()  the flag.
//   when()       (TimerHandle) the absolute deadline in loop time, seconds.
//
// Threads: a Handle may be held and destroyed on any thread (its count is
// atomic), but cancel() belongs to the loop's thread, as in asyncio.

#ifndef SEEDLOOP_LOOP_HANDLE_H_
#define SEEDLOOP_LOOP_HANDLE_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/functional/any_invocable.h"
#include "loop/context.h"
#include "loop/internal/ref.h"

namespace seedloop {

class EventLoop;
class FutureBase;
using Callback = absl::AnyInvocable<void()>;

namespace internal {

// The shared state behind a Handle. Owned by reference count: the loop's
// ready queue or timer heap holds one reference while it is scheduled.
class HandleState {
 public:
  // `initial_refs` lets the maker hand out its references without atomic
  // increments (one for the queue, one for the returned Handle).
  HandleState(EventLoop* loop, Callback callback, uint32_t initial_refs = 1)
      : refs_(initial_refs), loop_(loop), callback_(std::move(callback)) {}

  // Handles are recycled through a bounded per-thread free list
  // (internal/handle_pool.h), except under AddressSanitizer.
  static void* operator new(size_t size);
  static void operator delete(void* p, size_t size);

  void ref_retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void ref_release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Runs the callback inside its context (asyncio's Handle._run). Exceptions
  // other than SystemExit/KeyboardInterrupt go to the loop's exception
  // handler as "Exception in callback ..."; those two propagate.
  void run();
  void cancel();
  bool cancelled() const { return cancelled_; }

  // Which context the callback runs in.
  void bind(ContextBinding context) { context_ = std::move(context); }
  // A future's done callback keeps the future alive until it has run
  // (asyncio passes the future as the callback's argument). Loop thread.
  void keep_alive(FutureBase* future);

  // Timer fields, used by the loop's heap.
  void make_timer(int64_t when_ns) {
    is_timer_ = true;
    when_ns_ = when_ns;
  }
  bool is_timer() const { return is_timer_; }
  // An I/O watch handle runs once per readiness, not once in all.
  void make_repeating() { repeating_ = true; }
  int64_t when_ns() const { return when_ns_; }
  bool scheduled() const { return scheduled_; }
  void set_scheduled(bool s) { scheduled_ = s; }

  // A short description for reports ("<Handle callback>", "<TimerHandle
  // when=1.5 callback>"); set_label names the callback.
  std::string repr() const;
  void set_label(const char* label) { label_ = label; }
  const char* label() const { return label_; }
  // Per-loop creation number, from 1 (LoopObserver events name handles by it).
  uint64_t id() const { return id_; }
  void set_id(uint64_t id) { id_ = id; }

 private:
  ~HandleState();
  void drop_callback();

  std::atomic<uint32_t> refs_;
  bool cancelled_ = false;
  bool running_ = false;
  bool repeating_ = false;
  bool is_timer_ = false;
  bool scheduled_ = false;
  int64_t when_ns_ = 0;
  uint64_t id_ = 0;
  const char* label_ = "callback";
  EventLoop* loop_;
  Callback callback_;
  ContextBinding context_;
  FutureBase* keep_alive_ = nullptr;  // one reference, released with the callback
};

}  // namespace internal

class Handle {
 public:
  Handle() = default;
  explicit Handle(internal::Ref<internal::HandleState> state) : state_(std::move(state)) {}

  void cancel() { state_->cancel(); }
  bool cancelled() const { return state_->cancelled(); }
  std::string repr() const { return state_->repr(); }

  explicit operator bool() const { return static_cast<bool>(state_); }
  bool operator==(const Handle& other) const { return state_ == other.state_; }
  internal::HandleState* state() const { return state_.get(); }

 private:
  internal::Ref<internal::HandleState> state_;
};

class TimerHandle : public Handle {
 public:
  TimerHandle() = default;
  explicit TimerHandle(internal::Ref<internal::HandleState> state) : Handle(std::move(state)) {}

  // The absolute deadline in loop time: seconds, as asyncio's when().
  double when() const { return static_cast<double>(state()->when_ns()) / 1e9; }
  int64_t when_ns() const { return state()->when_ns(); }
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_HANDLE_H_
