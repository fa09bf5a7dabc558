// ThreadSanitizer shim for Debian's prebuilt Abseil (tsan config only).
//
// libabsl_synchronization.so is not built with -fsanitize=thread, so TSan
// cannot see the happens-before edges of absl::Mutex, CondVar, Notification,
// BlockingCounter and Barrier, and reports false data races on everything
// they protect. third_party/BUILD links tsan binaries with
// -Wl,--wrap=<symbol> for the functions below: calls from our (instrumented)
// code land in __wrap_<symbol>, which calls the real function and tells TSan
// about the acquire/release. Only the happens-before edges are modelled (no
// TSan lock-order / double-unlock checks for absl::Mutex).
//
// Tied to Abseil 20220623 with inline namespace "debian3" (Debian 12): the
// mangled names below fail to link loudly if that ever changes.

#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstddef>

#include "absl/synchronization/barrier.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

using absl::CondVar;
using absl::Condition;
using absl::Duration;
using absl::Mutex;
using absl::Time;

void Acquire(const void* p) { __tsan_acquire(const_cast<void*>(p)); }
void Release(const void* p) { __tsan_release(const_cast<void*>(p)); }

// A Condition is evaluated inside the uninstrumented library, with the mutex
// held, often on another thread (the one unlocking). Guarded wraps the
// caller's condition: evaluating it acquires and then releases the mutex (so
// the predicate sees the writes made under it, and later holders see the
// predicate's reads), and first acquires the Guarded object itself
// (so the evaluating thread sees the caller's Condition object). `wrapped`
// is built by the library's own (uninstrumented) constructor, so its fields
// are only touched by uninstrumented code.
bool EvalGuarded(void* arg);
struct Guarded {
  Guarded(const Condition& c, Mutex* m)
      : cond(&c), mu(m), wrapped(&EvalGuarded, static_cast<void*>(this)) {
    Release(this);
  }
  const Condition* cond;
  Mutex* mu;
  Condition wrapped;
};
bool EvalGuarded(void* arg) {
  Acquire(arg);
  auto* g = static_cast<Guarded*>(arg);
  Acquire(g->mu);
  bool result = g->cond->Eval();
  Release(g->mu);  // The evaluation happened under the mutex, too.
  return result;
}

// HasBeenNotified() is inline: an acquire load of Notification's private
// atomic flag in our instrumented code. Sync on that flag's address, so both
// it and WaitForNotification*() see the writes made before Notify().
struct NotificationLayout {
  Mutex mutex;
  std::atomic<bool> notified_yet;
};
static_assert(sizeof(NotificationLayout) == sizeof(absl::Notification),
              "absl::Notification layout changed");
const void* Flag(const absl::Notification* n) {
  return reinterpret_cast<const char*>(n) +
         offsetof(NotificationLayout, notified_yet);
}

}  // namespace

// WRAP(return type, mangled name, parameters...) declares __real_<name> and
// opens the definition of __wrap_<name>. `self` is the object (this).
#define WRAP(ret, name, ...)                          \
  extern "C" ret __real_##name(__VA_ARGS__);          \
  extern "C" ret __wrap_##name(__VA_ARGS__)

// ---- absl::Mutex ----
WRAP(void, _ZN4absl7debian35Mutex4LockEv, Mutex* self) {
  __real__ZN4absl7debian35Mutex4LockEv(self);
  Acquire(self);
}
WRAP(void, _ZN4absl7debian35Mutex10ReaderLockEv, Mutex* self) {
  __real__ZN4absl7debian35Mutex10ReaderLockEv(self);
  Acquire(self);
}
WRAP(bool, _ZN4absl7debian35Mutex7TryLockEv, Mutex* self) {
  bool ok = __real__ZN4absl7debian35Mutex7TryLockEv(self);
  if (ok) Acquire(self);
  return ok;
}
WRAP(bool, _ZN4absl7debian35Mutex13ReaderTryLockEv, Mutex* self) {
  bool ok = __real__ZN4absl7debian35Mutex13ReaderTryLockEv(self);
  if (ok) Acquire(self);
  return ok;
}
WRAP(void, _ZN4absl7debian35Mutex6UnlockEv, Mutex* self) {
  Release(self);
  __real__ZN4absl7debian35Mutex6UnlockEv(self);
}
WRAP(void, _ZN4absl7debian35Mutex12ReaderUnlockEv, Mutex* self) {
  Release(self);
  __real__ZN4absl7debian35Mutex12ReaderUnlockEv(self);
}

// LockWhen*: take the lock once `cond` holds (the lock is held on return,
// also when a timed variant returns false).
#define WRAP_LOCK_WHEN(ret, name, ...)                                   \
  WRAP(ret, name, Mutex* self, const Condition& cond __VA_OPT__(, ) __VA_ARGS__)
WRAP_LOCK_WHEN(void, _ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE) {
  Guarded g(cond, self);
  __real__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(
      self, g.wrapped);
  Acquire(self);
}
WRAP_LOCK_WHEN(void, _ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE) {
  Guarded g(cond, self);
  __real__ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE(
      self, g.wrapped);
  Acquire(self);
}
WRAP_LOCK_WHEN(bool,
               _ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE,
               Duration d) {
  Guarded g(cond, self);
  bool ok =
      __real__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          self, g.wrapped, d);
  Acquire(self);
  return ok;
}
WRAP_LOCK_WHEN(bool,
               _ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE,
               Time t) {
  Guarded g(cond, self);
  bool ok =
      __real__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
          self, g.wrapped, t);
  Acquire(self);
  return ok;
}
WRAP_LOCK_WHEN(bool,
               _ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE,
               Duration d) {
  Guarded g(cond, self);
  bool ok =
      __real__ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          self, g.wrapped, d);
  Acquire(self);
  return ok;
}
WRAP_LOCK_WHEN(bool,
               _ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE,
               Time t) {
  Guarded g(cond, self);
  bool ok =
      __real__ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
          self, g.wrapped, t);
  Acquire(self);
  return ok;
}

// Await*: called with the lock held; releases it while waiting.
WRAP_LOCK_WHEN(void, _ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE) {
  Guarded g(cond, self);
  Release(self);
  __real__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(
      self, g.wrapped);
  Acquire(self);
}
WRAP_LOCK_WHEN(bool,
               _ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE,
               Duration d) {
  Guarded g(cond, self);
  Release(self);
  bool ok =
      __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          self, g.wrapped, d);
  Acquire(self);
  return ok;
}
WRAP_LOCK_WHEN(bool,
               _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE,
               Time t) {
  Guarded g(cond, self);
  Release(self);
  bool ok =
      __real__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(
          self, g.wrapped, t);
  Acquire(self);
  return ok;
}

// ---- absl::CondVar: Wait* releases and re-takes `mu` ----
WRAP(void, _ZN4absl7debian37CondVar4WaitEPNS0_5MutexE, CondVar* self, Mutex* mu) {
  Release(mu);
  __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(self, mu);
  Acquire(mu);
}
WRAP(bool, _ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE,
     CondVar* self, Mutex* mu, Duration d) {
  Release(mu);
  bool r = __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
      self, mu, d);
  Acquire(mu);
  return r;
}
WRAP(bool, _ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE,
     CondVar* self, Mutex* mu, Time t) {
  Release(mu);
  bool r = __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(
      self, mu, t);
  Acquire(mu);
  return r;
}

// ---- absl::Notification ----
WRAP(void, _ZN4absl7debian312Notification6NotifyEv, absl::Notification* self) {
  Release(Flag(self));
  __real__ZN4absl7debian312Notification6NotifyEv(self);
}
WRAP(void, _ZNK4absl7debian312Notification19WaitForNotificationEv,
     const absl::Notification* self) {
  __real__ZNK4absl7debian312Notification19WaitForNotificationEv(self);
  Acquire(Flag(self));
}
WRAP(bool, _ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE,
     const absl::Notification* self, Duration d) {
  bool ok =
      __real__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
          self, d);
  if (ok) Acquire(Flag(self));
  return ok;
}
WRAP(bool, _ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE,
     const absl::Notification* self, Time t) {
  bool ok =
      __real__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(
          self, t);
  if (ok) Acquire(Flag(self));
  return ok;
}

// ---- absl::BlockingCounter and absl::Barrier ----
WRAP(bool, _ZN4absl7debian315BlockingCounter14DecrementCountEv,
     absl::BlockingCounter* self) {
  Release(self);
  bool last = __real__ZN4absl7debian315BlockingCounter14DecrementCountEv(self);
  if (last) Acquire(self);
  return last;
}
WRAP(void, _ZN4absl7debian315BlockingCounter4WaitEv, absl::BlockingCounter* self) {
  __real__ZN4absl7debian315BlockingCounter4WaitEv(self);
  Acquire(self);
}
WRAP(bool, _ZN4absl7debian37Barrier5BlockEv, absl::Barrier* self) {
  Release(self);
  bool last = __real__ZN4absl7debian37Barrier5BlockEv(self);
  Acquire(self);
  return last;
}
