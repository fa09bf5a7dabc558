#include "loop/aio/timeout.h"

#include <cassert>
#include <charconv>
#include <cstdlib>

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "loop/task.h"

namespace seedloop {

namespace internal {

// timeouts.Timeout's fields. The pending deadline's callback holds the
// state, as asyncio's timer holds the bound method.
struct TimeoutState : std::enable_shared_from_this<TimeoutState> {
  Timeout::State state = Timeout::State::kCreated;
  std::optional<double> when;
  Handle timeout_handler;  // empty: none scheduled
  // The task the scope runs in, held from entering to exiting.
  Ref<TaskBase> task;
  int cancelling = 0;  // task->cancelling() when entered
  // The task's innermost scope when this one was entered (restored on exit).
  TimeoutState* outer = nullptr;
};

}  // namespace internal

namespace {

const char* state_value(Timeout::State s) {
  switch (s) {
    case Timeout::State::kCreated:
      return "created";
    case Timeout::State::kActive:
      return "active";
    case Timeout::State::kExpiring:
      return "expiring";
    case Timeout::State::kExpired:
      return "expired";
    case Timeout::State::kFinished:
      return "finished";
  }
  return "?";
}

// Python's repr(round(x, 3)): "%.3f" rounds the binary value exactly as
// round() does; the result is then printed shortest, in fixed notation for
// decimal exponents -4..15 (with ".0" when integral), else scientific.
std::string py_round3_repr(double x) {
  double r = std::strtod(absl::StrFormat("%.3f", x).c_str(), nullptr);
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof(buf), r, std::chars_format::scientific);
  std::string s(buf, sci.ptr);
  int exponent = std::atoi(s.c_str() + s.find('e') + 1);
  if (exponent < -4 || exponent >= 16) return s;
  auto fixed = std::to_chars(buf, buf + sizeof(buf), r, std::chars_format::fixed);
  s.assign(buf, fixed.ptr);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

// Timeout._on_timeout.
void on_timeout(internal::TimeoutState& s) {
  assert(s.state == Timeout::State::kActive && "a Timeout fired outside the active state");
  assert(s.task && "an active Timeout has a task");
  s.task->cancel();
  s.state = Timeout::State::kExpiring;
  s.timeout_handler = Handle();  // drop the reference early
}

}  // namespace

Timeout::Timeout(std::optional<double> when_s) : state_(std::make_shared<internal::TimeoutState>()) {
  state_->when = when_s;
}

std::optional<double> Timeout::when() const { return state_->when; }

Timeout::State Timeout::state() const { return state_->state; }

bool Timeout::expired() const { return state_->state == State::kExpiring || state_->state == State::kExpired; }

std::string Timeout::repr() const {
  std::string info;
  if (state_->state == State::kActive) {
    info = " when=" + (state_->when ? py_round3_repr(*state_->when) : std::string("None"));
  }
  return absl::StrFormat("<Timeout [%s]%s>", state_value(state_->state), info);
}

void Timeout::reschedule(std::optional<double> when_s) { reschedule_scope(state_, when_s); }

void Timeout::reschedule_scope(const std::shared_ptr<internal::TimeoutState>& scope, std::optional<double> when_s) {
  internal::TimeoutState& s = *scope;
  if (s.state != State::kActive) {
    if (s.state == State::kCreated) throw RuntimeError("Timeout has not been entered");
    throw RuntimeError(absl::StrFormat("Cannot change state of %s Timeout", state_value(s.state)));
  }
  s.when = when_s;
  if (s.timeout_handler) s.timeout_handler.cancel();
  if (!when_s) {
    s.timeout_handler = Handle();
    return;
  }
  std::shared_ptr<EventLoop> loop = get_running_loop();
  auto fire = [scope] { on_timeout(*scope); };
  if (*when_s <= loop->time()) {
    s.timeout_handler = loop->call_soon(std::move(fire));
  } else {
    s.timeout_handler = loop->call_at(*when_s, std::move(fire));
  }
}

bool expire_innermost_timeout(TaskBase& task) {
  internal::TimeoutState* scope = task.innermost_timeout();
  if (scope == nullptr || scope->state != Timeout::State::kActive) return false;
  Timeout::reschedule_scope(scope->shared_from_this(), get_running_loop()->time());
  return true;
}

void Timeout::aenter() {
  if (state_->state != State::kCreated) throw RuntimeError("Timeout has already been entered");
  TaskBase* task = current_task();
  if (task == nullptr) throw RuntimeError("Timeout should be used inside a task");
  state_->state = State::kActive;
  state_->task = internal::Ref<TaskBase>(task);
  state_->cancelling = task->cancelling();
  state_->outer = task->innermost_timeout();
  task->set_innermost_timeout(state_.get());
  reschedule(state_->when);
}

void Timeout::aexit(std::exception_ptr exc) {
  internal::TimeoutState& s = *state_;
  assert((s.state == State::kActive || s.state == State::kExpiring) && "Timeout exited outside its scope");
  assert(s.task && "an entered Timeout has a task");
  if (s.timeout_handler) {
    s.timeout_handler.cancel();
    s.timeout_handler = Handle();
  }
  internal::Ref<TaskBase> task = std::move(s.task);
  assert(task->innermost_timeout() == &s && "Timeout scopes of one task exited out of order");
  task->set_innermost_timeout(std::exchange(s.outer, nullptr));
  if (s.state == State::kExpiring) {
    s.state = State::kExpired;
    // No newer cancel requests than ours: the CancelledError is this
    // scope's doing. (`raise TimeoutError from exc_val`.)
    if (task->uncancel() <= s.cancelling && is_cancelled_error(exc)) {
      try {
        std::rethrow_exception(exc);
      } catch (...) {
        std::throw_with_nested(TimeoutError());
      }
    }
  } else if (s.state == State::kActive) {
    s.state = State::kFinished;
  }
}

Timeout timeout(std::optional<double> delay_s) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  return Timeout(delay_s ? std::optional<double>(loop->time() + *delay_s) : std::nullopt);
}

Timeout timeout_at(std::optional<double> when_s) { return Timeout(when_s); }

}  // namespace seedloop
