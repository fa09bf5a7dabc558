#include "loop/handle.h"

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"

namespace seedloop::internal {

void HandleState::run() {
  // events.Handle._run: context.run(callback); report anything but
  // SystemExit/KeyboardInterrupt.
  ContextData fresh;
  ContextData* context = context_.data;
  if (context == nullptr) {
    fresh.vars = context_.snapshot;
    context = &fresh;
  }
  running_ = true;
  try {
    ContextScope scope(context);
    callback_();
  } catch (...) {
    running_ = false;
    std::exception_ptr e = std::current_exception();
    if (is_exit_exception(e)) throw;
    ExceptionContext report;
    report.message = "Exception in callback " + repr();
    report.exception = e;
    report.handle = Handle(Ref<HandleState>(this));
    loop_->call_exception_handler(report);
  }
  running_ = false;
  // What the callback captured is released here, on the loop's thread,
  // even when another thread holds the Handle.
  if (!repeating_) callback_ = nullptr;
  if (cancelled_) callback_ = nullptr;
}

void HandleState::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  if (!running_) callback_ = nullptr;
  if (is_timer_ && scheduled_) loop_->timer_handle_cancelled(this);
}

std::string HandleState::repr() const {
  std::string state = cancelled_ ? " cancelled" : "";
  if (is_timer_) return absl::StrFormat("<TimerHandle%s when=%.9g %s>", state, when_ns_ / 1e9, label_);
  return absl::StrFormat("<Handle%s %s>", state, label_);
}

}  // namespace seedloop::internal
