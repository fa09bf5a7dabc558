#include "loop/sync/semaphore.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace seedloop {

Semaphore::Semaphore(int64_t value, std::optional<int64_t> bound) : value_(value), bound_(bound) {
  if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
}

bool Semaphore::locked() const {
  return value_ == 0 ||
         std::any_of(waiters_.begin(), waiters_.end(), [](const Future<void>& w) { return !w.cancelled(); });
}

Coro<bool> Semaphore::acquire() {
  // locks.Semaphore.acquire (3.11.7).
  if (!locked()) {
    --value_;
    co_return true;
  }
  Future<void> fut = binding_.get_loop([this] { return repr(); }).create_future<void>();
  waiters_.push_back(fut);
  // The waiter leaves the line before the CancelledError handling, so that
  // wake_up_next() cannot pick this waiter itself.
  try {
    auto unlink = absl::MakeCleanup([this, &fut] { internal::remove_waiter(waiters_, fut); });
    co_await fut;
  } catch (const CancelledError&) {
    if (!fut.cancelled()) {
      // Handed a unit, then cancelled before running: pass it on.
      ++value_;
      wake_up_next();
    }
    throw;
  }
  if (value_ > 0) wake_up_next();
  co_return true;
}

void Semaphore::release() {
  if (bound_.has_value() && value_ >= *bound_) throw ValueError("BoundedSemaphore released too many times");
  if (value_ == std::numeric_limits<int64_t>::max()) {
    std::fprintf(stderr, "seedloop: %s released past INT64_MAX\n", repr().c_str());
    std::abort();
  }
  ++value_;
  wake_up_next();
}

Coro<Held<Semaphore>> Semaphore::hold() {
  co_await acquire();
  co_return Held<Semaphore>(*this);
}

void Semaphore::wake_up_next() {
  for (const Future<void>& fut : waiters_) {
    if (!fut.done()) {
      --value_;
      fut.set_result();
      return;
    }
  }
}

std::string Semaphore::repr() const {
  std::string extra = locked() ? "locked" : absl::StrCat("unlocked, value:", value_);
  if (!waiters_.empty()) absl::StrAppend(&extra, ", waiters:", waiters_.size());
  return absl::StrCat("<", bound_.has_value() ? "BoundedSemaphore" : "Semaphore", " [", extra, "]>");
}

}  // namespace seedloop
