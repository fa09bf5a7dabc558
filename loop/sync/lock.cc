#include "loop/sync/lock.h"

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace seedloop {

Coro<bool> Lock::acquire() {
  // locks.Lock.acquire (3.11).
  if (!locked_ && std::all_of(waiters_.begin(), waiters_.end(), [](const Future<void>& w) { return w.cancelled(); })) {
    locked_ = true;
    co_return true;
  }
  Future<void> fut = binding_.get_loop([this] { return repr(); }).create_future<void>();
  waiters_.push_back(fut);
  // The waiter leaves the line before the CancelledError handling, so that
  // wake_up_first() cannot pick this waiter itself.
  try {
    auto unlink = absl::MakeCleanup([this, &fut] { internal::remove_waiter(waiters_, fut); });
    co_await fut;
  } catch (const CancelledError&) {
    if (!locked_) wake_up_first();
    throw;
  }
  locked_ = true;
  co_return true;
}

void Lock::release() {
  if (!locked_) throw RuntimeError("Lock is not acquired.");
  locked_ = false;
  wake_up_first();
}

Coro<Held<Lock>> Lock::hold() {
  co_await acquire();
  co_return Held<Lock>(*this);
}

void Lock::wake_up_first() {
  if (waiters_.empty()) return;
  const Future<void>& fut = waiters_.front();
  if (!fut.done()) fut.set_result();
}

std::string Lock::repr() const {
  std::string extra = locked_ ? "locked" : "unlocked";
  if (!waiters_.empty()) absl::StrAppend(&extra, ", waiters:", waiters_.size());
  return absl::StrCat("<Lock [", extra, "]>");
}

}  // namespace seedloop
