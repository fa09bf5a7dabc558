// EventLoop: Unix signals (add_signal_handler / remove_signal_handler),
// after CPython 3.11's Lib/asyncio/unix_events.py
// (_UnixSelectorEventLoop). Every OS call goes through the backend's
// SignalOps; nothing here touches signal dispositions itself.
//
// The shape: the first handler starts the SignalOps (set_wakeup_fd) and
// watches its wakeup fd; a caught signal makes the fd readable, the watch's
// callback (_read_from_self -> _process_self_data) takes the signals and
// queues each one's handler on the ready queue (_handle_signal ->
// _add_callback_signalsafe), so handlers run in the next iteration as
// ordinary callbacks. Removing the last handler stops the watch.

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// unix_events._check_signal: "invalid signal number 0".
void check_signal(const SignalOps& ops, int sig) {
  if (!ops.is_valid(sig)) throw ValueError(absl::StrFormat("invalid signal number %d", sig));
}

// signal.signal's OSError: EINVAL is "sig 9 cannot be caught"
// (RuntimeError); anything else is the OSError itself.
[[noreturn]] void raise_disposition_error(int sig, const absl::Status& status) {
  if (errno_of(status) == EINVAL) throw RuntimeError(absl::StrFormat("sig %d cannot be caught", sig));
  internal::raise_status(status);
}

}  // namespace

void EventLoop::add_signal_handler(int sig, Callback callback) {
  SignalOps& ops = *backend_.signals;
  check_signal(ops, sig);
  check_closed();
  // set_wakeup_fd first, so that a loop off the main thread cannot add a
  // handler; its ValueError becomes RuntimeError(str(exc)).
  absl::StatusOr<int> wakeup_fd = ops.start();
  if (!wakeup_fd.ok()) {
    if (wakeup_fd.status().code() == absl::StatusCode::kFailedPrecondition) {
      throw RuntimeError(std::string(wakeup_fd.status().message()));
    }
    internal::raise_status(wakeup_fd.status());
  }
  if (signal_wakeup_fd_ < 0) {
    watch_fd(*wakeup_fd, kReadable, [this] { process_signals(); });
    signal_wakeup_fd_ = *wakeup_fd;
  }
  auto handle = internal::Ref<internal::HandleState>::adopt(new internal::HandleState(this, std::move(callback)));
  handle->bind(internal::ContextBinding::current());
  handle->make_repeating();  // queued again on every arrival
  handle->set_id(++handle_counter_);
  signal_handlers_[sig] = handle;
  absl::Status caught = ops.catch_signal(sig);
  if (!caught.ok()) {
    signal_handlers_.erase(sig);
    if (signal_handlers_.empty()) stop_signal_wakeup();
    raise_disposition_error(sig, caught);
  }
}

bool EventLoop::remove_signal_handler(int sig) {
  SignalOps& ops = *backend_.signals;
  check_signal(ops, sig);
  auto it = signal_handlers_.find(sig);
  if (it == signal_handlers_.end()) return false;
  signal_handlers_.erase(it);
  absl::Status restored = ops.restore_signal(sig);
  if (signal_handlers_.empty()) stop_signal_wakeup();
  if (!restored.ok()) raise_disposition_error(sig, restored);
  return true;
}

void EventLoop::stop_signal_wakeup() {
  if (signal_wakeup_fd_ < 0) return;
  unwatch_fd(signal_wakeup_fd_, kReadable);  // false once closed: close() dropped every watch
  backend_.signals->stop();
  signal_wakeup_fd_ = -1;
}

void EventLoop::process_signals() {
  std::vector<int> arrived;
  backend_.signals->take_pending(&arrived);
  for (int sig : arrived) {
    // _handle_signal: a signal whose handler is gone meanwhile is dropped.
    // (CPython also checks for a cancelled handle; here the handle is never
    // handed out, so nobody can cancel it.)
    auto it = signal_handlers_.find(sig);
    if (it != signal_handlers_.end()) push_ready(it->second);
  }
}

}  // namespace seedloop
