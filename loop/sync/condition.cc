#include "loop/sync/condition.h"

#include <exception>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace seedloop {

Coro<Held<Condition>> Condition::hold() {
  co_await lock_->acquire();
  co_return Held<Condition>(*this);
}

Coro<bool> Condition::wait() {
  // locks.Condition.wait (3.11).
  if (!locked()) throw RuntimeError("cannot wait on un-acquired lock");
  release();
  std::exception_ptr error;
  try {
    Future<void> fut = binding_.get_loop([this] { return repr(); }).create_future<void>();
    waiters_.push_back(fut);
    auto unlink = absl::MakeCleanup([this, &fut] { internal::remove_waiter(waiters_, fut); });
    co_await fut;
  } catch (...) {
    error = std::current_exception();
  }
  // Python's `finally`: the lock is re-acquired even if the wait was
  // cancelled (C++ cannot co_await inside a handler, hence the exception_ptr).
  bool cancelled = false;
  while (true) {
    try {
      co_await lock_->acquire();
      break;
    } catch (const CancelledError&) {
      cancelled = true;
    }
  }
  if (cancelled) throw CancelledError();
  if (error) std::rethrow_exception(error);
  co_return true;
}

void Condition::notify(int64_t n) {
  if (!locked()) throw RuntimeError("cannot notify on un-acquired lock");
  int64_t idx = 0;
  for (const Future<void>& fut : waiters_) {
    if (idx >= n) break;
    if (!fut.done()) {
      ++idx;
      fut.set_result();
    }
  }
}

std::string Condition::repr() const {
  std::string extra = locked() ? "locked" : "unlocked";
  if (!waiters_.empty()) absl::StrAppend(&extra, ", waiters:", waiters_.size());
  return absl::StrCat("<Condition [", extra, "]>");
}

}  // namespace seedloop
