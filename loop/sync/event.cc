#include "loop/sync/event.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace seedloop {

void Event::set() {
  if (value_) return;
  value_ = true;
  for (const Future<void>& fut : waiters_) {
    if (!fut.done()) fut.set_result();
  }
}

Coro<bool> Event::wait() {
  if (value_) co_return true;
  Future<void> fut = binding_.get_loop([this] { return repr(); }).create_future<void>();
  waiters_.push_back(fut);
  auto unlink = absl::MakeCleanup([this, &fut] { internal::remove_waiter(waiters_, fut); });
  co_await fut;
  co_return true;
}

std::string Event::repr() const {
  std::string extra = value_ ? "set" : "unset";
  if (!waiters_.empty()) absl::StrAppend(&extra, ", waiters:", waiters_.size());
  return absl::StrCat("<Event [", extra, "]>");
}

}  // namespace seedloop
