#include "loop/handle.h"

#include <cassert>
#include <utility>

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/internal/handle_pool.h"

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
  // Whatever happens, what the callback captured is released here, on the
  // loop's thread, even when another thread holds the Handle.
  struct Finish {
    HandleState* h;
    ~Finish() {
      h->running_ = false;
      if (!h->repeating_ || h->cancelled_) h->drop_callback();
    }
  };
  std::exception_ptr failure;
  {
    Finish finish{this};
    running_ = true;
    try {
      ContextScope scope(context);
      callback_();
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (!failure) return;
  if (is_exit_exception(failure)) std::rethrow_exception(failure);
  ExceptionContext report;
  report.message = "Exception in callback " + repr();
  report.exception = failure;
  report.handle = Handle(Ref<HandleState>(this));
  loop_->call_exception_handler(report);
}

void HandleState::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  if (!running_) drop_callback();
  if (is_timer_ && scheduled_) loop_->timer_handle_cancelled(this);
}

void HandleState::keep_alive(FutureBase* future) {
  assert(keep_alive_ == nullptr);
  future->ref_retain();
  keep_alive_ = future;
}

void HandleState::drop_callback() {
  callback_ = nullptr;
  if (keep_alive_ != nullptr) std::exchange(keep_alive_, nullptr)->ref_release();
}

HandleState::~HandleState() {
  // A done-callback handle is always run or cancelled on the loop's thread
  // before its last reference goes.
  assert(keep_alive_ == nullptr && "a future's done callback was dropped unrun");
}

void* HandleState::operator new(size_t size) { return handle_pool_allocate(size); }

void HandleState::operator delete(void* p, size_t size) { handle_pool_free(p, size); }

std::string HandleState::repr() const {
  std::string state = cancelled_ ? " cancelled" : "";
  if (is_timer_) return absl::StrFormat("<TimerHandle%s when=%.9g %s>", state, when_ns_ / 1e9, label_);
  return absl::StrFormat("<Handle%s %s>", state, label_);
}

}  // namespace seedloop::internal
