#include "loop/sync/internal/queue_core.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace seedloop::internal {

QueueCore::QueueCore(const char* type_name, int64_t maxsize) : type_name_(type_name), maxsize_(maxsize) {
  finished_.set();
}

void QueueCore::wakeup_next(Waiters& waiters) {
  while (!waiters.empty()) {
    Future<void> waiter = std::move(waiters.front());
    waiters.pop_front();
    if (!waiter.done()) {
      waiter.set_result();
      break;
    }
  }
}

Coro<void> QueueCore::wait_while_full() { return wait_in_line(putters_, &QueueCore::full); }

Coro<void> QueueCore::wait_while_empty() { return wait_in_line(getters_, &QueueCore::empty); }

// queues.Queue.put / get, the loop before put_nowait / get_nowait. A
// waiter woken by put_nowait (get_nowait) holds no claim on the item (slot):
// anyone may take it first, and the waiter then queues again at the back.
Coro<void> QueueCore::wait_in_line(Waiters& line, bool (QueueCore::*blocked)() const) {
  while ((this->*blocked)()) {
    Future<void> waiter = binding_.get_loop([this] { return repr(); }).create_future<void>();
    line.push_back(waiter);
    // Python's bare `except:` also runs when the coroutine is closed; a
    // destroyed frame (its loop closed) only unlinks its waiter.
    auto unlink = absl::MakeCleanup([&line, &waiter] { remove_waiter(line, waiter); });
    try {
      co_await waiter;
    } catch (...) {
      std::move(unlink).Cancel();
      waiter.cancel();  // just in case it is not done yet
      // It may be gone already: a wakeup_next took it off the line.
      remove_waiter(line, waiter);
      // Woken, but cannot take the item (slot): wake the next in line.
      if (!(this->*blocked)() && !waiter.cancelled()) wakeup_next(line);
      throw;
    }
    std::move(unlink).Cancel();
  }
}

void QueueCore::item_put() {
  ++unfinished_tasks_;
  finished_.clear();
  wakeup_next(getters_);
}

void QueueCore::task_done() {
  if (unfinished_tasks_ == 0) throw ValueError("task_done() called too many times");
  --unfinished_tasks_;
  if (unfinished_tasks_ == 0) finished_.set();
}

Coro<void> QueueCore::join() {
  if (unfinished_tasks_ > 0) co_await finished_.wait();
}

std::string QueueCore::repr() const {
  std::string result = absl::StrCat("<", type_name_, " maxsize=", maxsize_);
  if (!getters_.empty()) absl::StrAppend(&result, " _getters[", getters_.size(), "]");
  if (!putters_.empty()) absl::StrAppend(&result, " _putters[", putters_.size(), "]");
  if (unfinished_tasks_ > 0) absl::StrAppend(&result, " tasks=", unfinished_tasks_);
  return result + ">";
}

}  // namespace seedloop::internal
