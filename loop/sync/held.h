// Held<P>: the C++ form of `async with lock:` for Lock, Semaphore,
// BoundedSemaphore and Condition.
//
//   {
//     Held<Lock> held = co_await lock.hold();   // await lock.acquire()
//     ...                                       // the body
//   }                                           // lock.release()
//
// hold() acquires exactly as acquire() does (a cancelled hold() holds
// nothing) and returns a Held that calls release() once, when it is
// destroyed: at the end of the scope, on an exception, or when its
// coroutine frame is destroyed (a task abandoned by a closing loop). Name
// the Held: a discarded `co_await lock.hold();` releases at once.
//
// release() releases early and raises what P::release() raises; the
// destructor then does nothing. A destructor cannot raise, so a release at
// scope exit that fails is handled as follows:
//   - if the primitive's loop is closed (the release could not schedule its
//     waiter's wake-up), the error is ignored, as CPython ignores it when a
//     closed coroutine leaves `async with`;
//   - otherwise the program was wrong (the lock was released behind the
//     Held's back, a BoundedSemaphore over-released): it aborts with a
//     message, where Python would raise from `__aexit__`.
//
// Lifetime: the primitive must outlive the Held. Held is move-only.
// Threads: the primitive's loop thread only.

#ifndef SEEDLOOP_LOOP_SYNC_HELD_H_
#define SEEDLOOP_LOOP_SYNC_HELD_H_

#include <exception>
#include <utility>

#include "loop/sync/internal/loop_binding.h"

namespace seedloop {

template <typename P>
class [[nodiscard]] Held {
 public:
  Held() = default;
  Held(Held&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  Held& operator=(Held&& other) noexcept {
    if (this != &other) {
      release_at_scope_exit();
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held() { release_at_scope_exit(); }

  // True until released.
  bool owns() const { return p_ != nullptr; }
  explicit operator bool() const { return owns(); }

  // Releases now; raises what P::release() raises.
  void release() {
    if (P* p = std::exchange(p_, nullptr)) p->release();
  }

 private:
  friend P;
  explicit Held(P& p) : p_(&p) {}

  void release_at_scope_exit() noexcept {
    P* p = std::exchange(p_, nullptr);
    if (p == nullptr) return;
    try {
      p->release();
    } catch (...) {
      internal::on_release_at_scope_exit_failed(p->repr(), std::current_exception(), p->loop_closed());
    }
  }

  P* p_ = nullptr;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_HELD_H_
