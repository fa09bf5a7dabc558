#include "loop/sync/barrier.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace seedloop {

Barrier::Barrier(int parties) : parties_(parties) {
  if (parties < 1) throw ValueError("parties must be > 0");
}

Coro<int> Barrier::wait() {
  // locks.Barrier.wait (3.11).
  Held<Condition> held = co_await cond_.hold();
  co_await block();
  int index = count_;
  std::exception_ptr error;
  try {
    ++count_;
    if (index + 1 == parties_) {
      release_waiters();
    } else {
      co_await wait_released();
    }
  } catch (...) {
    error = std::current_exception();
  }
  --count_;
  exit();
  if (error) std::rethrow_exception(error);
  co_return index;
}

Coro<void> Barrier::block() {
  co_await cond_.wait_for([this] { return state_ != State::kDraining && state_ != State::kResetting; });
  if (state_ == State::kBroken) throw BrokenBarrierError("Barrier aborted");
}

void Barrier::release_waiters() {
  state_ = State::kDraining;
  cond_.notify_all();
}

Coro<void> Barrier::wait_released() {
  co_await cond_.wait_for([this] { return state_ != State::kFilling; });
  if (state_ == State::kBroken || state_ == State::kResetting) {
    throw BrokenBarrierError("Abort or reset of barrier");
  }
}

void Barrier::exit() {
  if (count_ != 0) return;
  if (state_ == State::kResetting || state_ == State::kDraining) state_ = State::kFilling;
  cond_.notify_all();
}

Coro<void> Barrier::reset() {
  Held<Condition> held = co_await cond_.hold();
  if (count_ > 0) {
    state_ = State::kResetting;
  } else {
    state_ = State::kFilling;
  }
  cond_.notify_all();
}

Coro<void> Barrier::abort() {
  Held<Condition> held = co_await cond_.hold();
  state_ = State::kBroken;
  cond_.notify_all();
}

std::string Barrier::repr() const {
  static constexpr const char* kStateNames[] = {"filling", "draining", "resetting", "broken"};
  std::string extra = kStateNames[static_cast<int>(state_)];
  if (!broken()) absl::StrAppend(&extra, ", waiters:", n_waiting(), "/", parties_);
  return absl::StrCat("<Barrier [", extra, "]>");
}

}  // namespace seedloop
