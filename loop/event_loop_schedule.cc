// EventLoop: scheduling callbacks (call_soon, call_soon_threadsafe,
// call_later, call_at) and the ready queue's limit.

#include <cassert>
#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"

namespace seedloop {

namespace {
int64_t seconds_to_ns(double s) { return static_cast<int64_t>(std::llround(s * 1e9)); }
}  // namespace

void EventLoop::check_ready_capacity() const {
  if (ready_.size() >= options_.max_ready) {
    throw RuntimeError(absl::StrFormat("ready queue is full (%d callbacks; EventLoop::Options::max_ready)",
                                       options_.max_ready));
  }
}

void EventLoop::push_ready(internal::Ref<internal::HandleState> h) {
  check_ready_capacity();
  ready_.push_back(h.release());
}

Handle EventLoop::schedule(Callback callback, internal::ContextBinding context, const char* label,
                           FutureBase* keep_alive) {
  check_closed();
  // call_soon_threadsafe from this thread before the loop runs posts through
  // the boundary; CPython appends it to _ready at once (base_events
  // call_soon_threadsafe -> _call_soon), so a later call_soon runs after it.
  // Taking the arrivals first keeps that order; while the loop runs, the
  // iteration drains them (and the order across threads is a race anyway).
  if (!is_running()) drain_inbox();
  check_ready_capacity();
  // Two references from the start: the ready queue's and the returned Handle's.
  auto* h = new internal::HandleState(this, std::move(callback), 2);
  h->set_id(++handle_counter_);
  h->bind(std::move(context));
  h->set_label(label);
  if (keep_alive != nullptr) h->keep_alive(keep_alive);
  ready_.push_back(h);
  return Handle(internal::Ref<internal::HandleState>::adopt(h));
}

Handle EventLoop::call_soon(Callback callback, std::optional<Context> context) {
  check_closed();
  if (debug_) check_thread("call_soon");
  internal::ContextBinding binding = context ? internal::ContextBinding{nullptr, context->data(), context->shared_data()}
                                             : internal::ContextBinding::current();
  return schedule(std::move(callback), std::move(binding));
}

void EventLoop::post_to_loop(Callback callback, internal::ContextBinding context) {
  auto* raw = new internal::HandleState(this, std::move(callback));
  raw->bind(std::move(context));
  internal::Ref<internal::HandleState> h = internal::Ref<internal::HandleState>::adopt(raw);
  backend_.threads->post([this, h = std::move(h)]() mutable {
    h->set_id(++handle_counter_);  // ids are given on the loop's thread
    push_ready(std::move(h));
  });
}

Handle EventLoop::call_soon_threadsafe(Callback callback, std::optional<Context> context) {
  check_closed();
  internal::ContextBinding binding = context ? internal::ContextBinding{nullptr, context->data(), context->shared_data()}
                                             : internal::ContextBinding::current();
  // base_events.call_soon_threadsafe: on the loop's own thread this is
  // call_soon. A simulated thread borrowing the loop's OS thread posts.
  if (running_thread_.load(std::memory_order_acquire) == std::this_thread::get_id() &&
      backend_.threads->on_loop_thread()) {
    return schedule(std::move(callback), std::move(binding), "call_soon_threadsafe");
  }
  auto* raw = new internal::HandleState(this, std::move(callback));
  raw->bind(std::move(binding));
  internal::Ref<internal::HandleState> h = internal::Ref<internal::HandleState>::adopt(raw);
  Handle result(h);
  backend_.threads->post([this, h = std::move(h)]() mutable {
    if (is_closed()) return;
    h->set_id(++handle_counter_);  // ids are given on the loop's thread
    push_ready(std::move(h));
  });
  return result;
}

TimerHandle EventLoop::call_later(double delay_s, Callback callback, std::optional<Context> context) {
  return call_at_ns(time_ns() + seconds_to_ns(delay_s), std::move(callback), std::move(context));
}

TimerHandle EventLoop::call_at(double when_s, Callback callback, std::optional<Context> context) {
  return call_at_ns(seconds_to_ns(when_s), std::move(callback), std::move(context));
}

TimerHandle EventLoop::call_at_ns(int64_t when_ns, Callback callback, std::optional<Context> context) {
  check_closed();
  // CPython runs the debug checks under the name 'call_at' even for call_later.
  if (debug_) check_thread("call_at");
  return push_timer(when_ns, std::move(callback), std::move(context));
}

TimerHandle EventLoop::push_timer(int64_t when_ns, Callback callback, std::optional<Context> context) {
  // Two references from the start: the heap's and the returned TimerHandle's.
  auto* h = new internal::HandleState(this, std::move(callback), 2);
  h->bind(context ? internal::ContextBinding{nullptr, context->data(), context->shared_data()}
                  : internal::ContextBinding::current());
  h->make_timer(when_ns);
  h->set_id(++handle_counter_);
  h->set_scheduled(true);
  emit(LoopEventKind::kTimerScheduled, h->id(), when_ns);
  scheduled_.push(TimerEntry{when_ns, h});
  return TimerHandle(internal::Ref<internal::HandleState>::adopt(h));
}

void EventLoop::timer_handle_cancelled(internal::HandleState* timer) {
  assert(timer->is_timer());
  emit(LoopEventKind::kTimerCancelled, timer->id());
  if (timer->scheduled()) ++timer_cancelled_count_;
}

}  // namespace seedloop
