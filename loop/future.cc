#include "loop/future.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"

namespace seedloop {

FutureBase::FutureBase(EventLoop* loop) : loop_(loop) {
  assert(loop != nullptr && "a future needs a loop");
  loop_->register_future(this);
}

FutureBase::~FutureBase() {
  if (loop_ == nullptr) return;
  if (log_traceback_) {
    // futures.Future.__del__
    ExceptionContext context;
    context.message = is_task() ? "Task exception was never retrieved" : "Future exception was never retrieved";
    context.exception = exception_;
    context.future = this;
    try {
      loop_->call_exception_handler(context);
    } catch (...) {
      // A destructor cannot raise; SystemExit from a handler is dropped here.
    }
  }
  loop_->unregister_future(this);
}

std::string FutureBase::repr() const {
  const char* state = status_ == FutureStatus::kPending     ? "pending"
                      : status_ == FutureStatus::kCancelled ? "cancelled"
                                                            : "finished";
  return absl::StrFormat("<Future %s>", state);
}

bool FutureBase::cancel(std::optional<std::string> msg) { return cancel_future(std::move(msg)); }

bool FutureBase::cancel_future(std::optional<std::string> msg) {
  log_traceback_ = false;
  if (status_ != FutureStatus::kPending) return false;
  status_ = FutureStatus::kCancelled;
  cancel_message_ = std::move(msg);
  schedule_callbacks();
  return true;
}

std::exception_ptr FutureBase::make_cancelled_error() {
  if (cancelled_exc_) return std::exchange(cancelled_exc_, nullptr);
  return std::make_exception_ptr(CancelledError(cancel_message_.value_or("")));
}

void FutureBase::raise_if_failed() {
  switch (status_) {
    case FutureStatus::kPending:
      throw InvalidStateError("Result is not set.");
    case FutureStatus::kCancelled:
      std::rethrow_exception(make_cancelled_error());
    case FutureStatus::kFinished:
      log_traceback_ = false;
      if (exception_) std::rethrow_exception(exception_);
      return;
  }
}

std::exception_ptr FutureBase::exception() {
  switch (status_) {
    case FutureStatus::kPending:
      throw InvalidStateError("Exception is not set.");
    case FutureStatus::kCancelled:
      std::rethrow_exception(make_cancelled_error());
    case FutureStatus::kFinished:
      break;
  }
  log_traceback_ = false;
  return exception_;
}

void FutureBase::set_exception(std::exception_ptr e) {
  check_exception_settable();
  if (done()) throw InvalidStateError("invalid state");
  if (!e) throw TypeError("exception must be set");
  finish_with_exception(std::move(e));
}

void FutureBase::finish_with_value(const void* value) {
  assert(status_ == FutureStatus::kPending);
  value_ = value;
  status_ = FutureStatus::kFinished;
  schedule_callbacks();
}

void FutureBase::finish_with_exception(std::exception_ptr e) {
  assert(status_ == FutureStatus::kPending);
  exception_ = std::move(e);
  status_ = FutureStatus::kFinished;
  log_traceback_ = true;
  schedule_callbacks();
}

void FutureBase::schedule_callbacks() {
  // futures.Future.__schedule_callbacks: copy, clear, then call_soon each in
  // registration order, in the context captured at registration.
  if (callbacks_dropped_ && loop_ != nullptr) loop_->check_closed();  // raises, as asyncio would
  if (loop_ != nullptr && loop_->observer() != nullptr) report_done();
  if (callbacks_.empty()) return;
  auto callbacks = std::move(callbacks_);
  callbacks_.clear();
  if (loop_ == nullptr) return;
  for (DoneCallback& cb : callbacks) {
    loop_->schedule(std::move(cb.fn), std::move(cb.context), "done_callback", this);
  }
}

void FutureBase::report_done() {
  const FutureOutcome outcome = status_ == FutureStatus::kCancelled ? FutureOutcome::kCancelled
                                : exception_                       ? FutureOutcome::kException
                                                                   : FutureOutcome::kResult;
  if (is_task()) {
    const auto* task = static_cast<const TaskBase*>(this);
    loop_->emit(LoopEventKind::kTaskDone, task->number(), static_cast<int64_t>(outcome), task->get_name());
  } else {
    loop_->emit(LoopEventKind::kFutureDone, id_, static_cast<int64_t>(outcome));
  }
}

void FutureBase::drop_callbacks_of_closed_loop(std::vector<absl::AnyInvocable<void()>>* sink) {
  if (callbacks_.empty()) return;
  callbacks_dropped_ = true;
  for (DoneCallback& cb : callbacks_) sink->push_back(std::move(cb.fn));
  callbacks_.clear();
}

uint64_t FutureBase::add_done_callback(absl::AnyInvocable<void(FutureBase&)> fn, std::optional<Context> context) {
  internal::ContextBinding binding = context ? internal::ContextBinding{nullptr, context->data(), context->shared_data()}
                                             : internal::ContextBinding::current();
  return add_done_callback(std::move(fn), std::move(binding));
}

uint64_t FutureBase::add_done_callback(absl::AnyInvocable<void(FutureBase&)> fn, internal::ContextBinding context) {
  // The scheduled handle keeps this future alive, so a raw pointer will do.
  return add_bound_done_callback([fn = std::move(fn), self = this]() mutable { fn(*self); }, std::move(context));
}

uint64_t FutureBase::add_bound_done_callback(absl::AnyInvocable<void()> fn, internal::ContextBinding context) {
  const uint64_t id = next_callback_id_++;
  if (done()) {
    if (loop_ == nullptr) return id;
    loop_->schedule(std::move(fn), std::move(context), "done_callback", this);
    return id;
  }
  callbacks_.push_back(DoneCallback{id, std::move(fn), std::move(context)});
  return id;
}

size_t FutureBase::remove_done_callback(uint64_t id) {
  size_t before = callbacks_.size();
  callbacks_.erase(std::remove_if(callbacks_.begin(), callbacks_.end(),
                                  [id](const DoneCallback& cb) { return cb.id == id; }),
                   callbacks_.end());
  return before - callbacks_.size();
}

}  // namespace seedloop
