#include "loop/aio/async_generator.h"

#include "absl/strings/str_format.h"
#include "loop/aio/gather.h"
#include "loop/event_loop.h"
#include "loop/internal/thread_state.h"

namespace seedloop {

namespace internal {

namespace {

// Resumes the generator's frame from the consumer, by symmetric transfer;
// control comes back at the next co_yield or at the end.
struct ResumeFrame {
  std::coroutine_handle<> frame;
  AsyncGenPromiseBase* promise;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) noexcept {
    promise->consumer = consumer;
    return frame;
  }
  void await_resume() const noexcept {}
};

}  // namespace

AsyncGenState::~AsyncGenState() {
  if (auto loop = loop_.lock()) loop->unregister_asyncgen(this);
  frame_.destroy();
}

void AsyncGenState::first_iteration() {
  // asyncio's firstiter hook (BaseEventLoop._asyncgen_firstiter_hook).
  EventLoop* loop = thread_state().running_loop;
  if (loop == nullptr) return;
  loop_ = loop->shared_from_this();
  id_ = loop->register_asyncgen(weak_from_this());
}

Coro<bool> AsyncGenState::resume(std::exception_ptr injected) {
  if (running_) throw RuntimeError("anext(): asynchronous generator is already running");
  if (!started_) {
    first_iteration();
    started_ = true;
    if (injected) {
      // Thrown into a generator that never started: it is closed at once.
      finished_ = true;
      std::rethrow_exception(injected);
    }
  }
  running_ = true;
  promise_->injected = std::move(injected);
  promise_->exception = nullptr;
  promise_->yielded = false;
  co_await ResumeFrame{frame_, promise_};
  running_ = false;
  if (promise_->exception) {
    finished_ = true;
    std::rethrow_exception(std::exchange(promise_->exception, nullptr));
  }
  if (!promise_->yielded) finished_ = true;
  co_return promise_->yielded;
}

Coro<void> AsyncGenState::aclose(std::shared_ptr<AsyncGenState> self) {
  if (!self->started_ || self->finished_) {
    self->started_ = true;
    self->finished_ = true;
    co_return;
  }
  bool yielded = false;
  bool closed = false;
  try {
    yielded = co_await self->resume(std::make_exception_ptr(GeneratorExit()));
  } catch (const GeneratorExit&) {
    closed = true;
  }
  if (!closed && yielded) throw RuntimeError("async generator ignored GeneratorExit");
}

void AsyncGenState::finalize(std::shared_ptr<AsyncGenState> state) {
  // asyncio's finalizer hook (BaseEventLoop._asyncgen_finalizer_hook):
  // a generator dropped while paused gets aclose() as a task on its loop.
  if (state.use_count() != 1 || !state->paused_at_yield() || state->running_) return;
  std::shared_ptr<EventLoop> loop = state->loop_.lock();
  if (!loop || loop->is_closed()) return;
  loop->call_soon_threadsafe([loop, state] { loop->create_task(aclose(state)); });
}

}  // namespace internal

Coro<void> EventLoop::shutdown_asyncgens() {
  // base_events.BaseEventLoop.shutdown_asyncgens
  asyncgens_shutdown_called_ = true;
  std::vector<std::shared_ptr<internal::AsyncGenState>> closing;
  for (auto& weak : asyncgens_) {
    if (auto g = weak.lock()) closing.push_back(std::move(g));
  }
  asyncgens_.clear();
  if (closing.empty()) co_return;
  order_unordered(UnorderedSet::kAsyncgenShutdown, &closing);  // CPython: set order
  std::vector<Coro<void>> closers;
  for (auto& g : closing) closers.push_back(internal::AsyncGenState::aclose(g));
  std::vector<Outcome<void>> results = co_await gather(return_exceptions, std::move(closers));
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].has_value() || !is_exception_class(results[i].exception())) continue;
    ExceptionContext context;
    // CPython prints the generator's repr, with its address; seedloop
    // prints a per-loop number so reports are the same on every run.
    std::string name = absl::StrFormat("<async_generator #%d>", closing[i]->id());
    context.message = "an error occurred during closing of asynchronous generator " + name;
    context.exception = results[i].exception();
    context.extra["asyncgen"] = name;
    call_exception_handler(context);
  }
}

uint64_t EventLoop::register_asyncgen(std::weak_ptr<internal::AsyncGenState> gen) {
  const uint64_t id = ++asyncgen_counter_;
  if (asyncgens_shutdown_called_) {
    // CPython warns (ResourceWarning); seedloop reports it.
    ExceptionContext context;
    context.message = absl::StrFormat(
        "asynchronous generator <async_generator #%d> was scheduled after loop.shutdown_asyncgens() call", id);
    call_exception_handler(context);
  }
  asyncgens_.push_back(std::move(gen));
  return id;
}

void EventLoop::unregister_asyncgen(const internal::AsyncGenState* gen) {
  for (auto it = asyncgens_.begin(); it != asyncgens_.end(); ++it) {
    auto g = it->lock();
    if (!g || g.get() == gen) {
      asyncgens_.erase(it);
      return;
    }
  }
}

}  // namespace seedloop
