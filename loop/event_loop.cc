#include "loop/event_loop.h"

#include <algorithm>
#include <cassert>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "loop/internal/thread_state.h"

namespace seedloop {

namespace {
// base_events: _MIN_SCHEDULED_TIMER_HANDLES, _MIN_CANCELLED_TIMER_HANDLES_FRACTION.
constexpr size_t kMinScheduledTimerHandles = 100;
constexpr double kMinCancelledTimerHandlesFraction = 0.5;

// Sets and clears everything run_forever holds while it runs, in one place.
class RunningScope {
 public:
  explicit RunningScope(EventLoop* loop, std::atomic<std::thread::id>* running, bool* stopping)
      : running_(running), stopping_(stopping) {
    running_->store(std::this_thread::get_id(), std::memory_order_release);
    internal::thread_state().running_loop = loop;
  }
  ~RunningScope() {
    *stopping_ = false;
    running_->store(std::thread::id(), std::memory_order_release);
    internal::thread_state().running_loop = nullptr;
  }

 private:
  std::atomic<std::thread::id>* running_;
  bool* stopping_;
};
}  // namespace

std::shared_ptr<EventLoop> EventLoop::create(Backend backend, Options options) {
  assert(backend.clock && backend.poller && backend.threads && backend.sockets &&
         backend.signals && "Backend members must be set");
  return std::shared_ptr<EventLoop>(new EventLoop(std::move(backend), options));
}

EventLoop::EventLoop(Backend backend, Options options) : backend_(std::move(backend)), options_(options) {}

EventLoop::~EventLoop() {
  assert(!is_running() && "an EventLoop was destroyed while running");
  if (!is_closed()) close();
  // Executor workers post back to this loop: wait for them before the
  // boundary goes away. (close() only asked them to stop.)
  if (default_executor_) default_executor_->shutdown(Executor::Shutdown::kWait);
  default_executor_.reset();
  // Futures may outlive the loop; they must not call back into it.
  for (FutureBase* f = futures_head_; f != nullptr; f = f->registry_next_) f->loop_ = nullptr;
  futures_head_ = nullptr;
}

// ---- The iteration: asyncio's _run_once, phase by phase ----

void EventLoop::run_once() {
  purge_cancelled_timers();
  drain_inbox();
  poll_io(select_timeout());
  collect_due_timers();
  run_ready_batch();
}

void EventLoop::purge_cancelled_timers() {
  const size_t n = scheduled_.size();
  if (n > kMinScheduledTimerHandles &&
      static_cast<double>(timer_cancelled_count_) / static_cast<double>(n) > kMinCancelledTimerHandlesFraction) {
    // Compact: keep the live timers, in heap-array order, and re-heapify,
    // exactly as base_events._run_once does (this reshuffles equal deadlines).
    std::vector<TimerEntry>& items = scheduled_.items();
    std::vector<TimerEntry> kept;
    kept.reserve(n);
    for (const TimerEntry& e : items) {
      if (e.handle->cancelled()) {
        e.handle->set_scheduled(false);
        e.handle->ref_release();
      } else {
        kept.push_back(e);
      }
    }
    items.swap(kept);
    scheduled_.heapify();
    timer_cancelled_count_ = 0;
    return;
  }
  while (!scheduled_.empty() && scheduled_.top().handle->cancelled()) {
    internal::HandleState* h = scheduled_.pop().handle;
    assert(timer_cancelled_count_ > 0);
    --timer_cancelled_count_;
    h->set_scheduled(false);
    h->ref_release();
  }
}

void EventLoop::drain_inbox() {
  const size_t n = backend_.threads->drain(&inbox_);
  if (n == 0) return;
  emit(LoopEventKind::kThreadsafeArrival, 0, static_cast<int64_t>(n));
  for (auto& fn : inbox_) std::move(fn)();
  inbox_.clear();
}

std::optional<int64_t> EventLoop::select_timeout() const {
  if (!ready_.empty() || stopping_) return 0;
  if (scheduled_.empty()) return std::nullopt;
  int64_t wait = scheduled_.top().when_ns - time_ns();
  return std::min(std::max<int64_t>(0, wait), kMaximumSelectTimeoutNs);
}

void EventLoop::poll_io(std::optional<int64_t> timeout_ns) {
  events_.clear();
  backend_.poller->poll(timeout_ns, options_.max_events_per_poll, &events_);
  assert(events_.size() <= options_.max_events_per_poll && "poller returned more events than asked");
  emit(LoopEventKind::kPoll, events_.size(), timeout_ns.value_or(-1));
  for (const IoEvent& ev : events_) {
    auto it = fd_watches_.find(ev.fd);
    if (it == fd_watches_.end()) continue;
    // selector_events._process_events -> _add_callback skips cancelled handles.
    if ((ev.events & kReadable) && it->second.reader && !it->second.reader->cancelled()) {
      push_ready(it->second.reader);
    }
    if ((ev.events & kWritable) && it->second.writer && !it->second.writer->cancelled()) {
      push_ready(it->second.writer);
    }
  }
  drain_inbox();
}

void EventLoop::collect_due_timers() {
  if (scheduled_.empty()) return;  // no clock read when there are no timers
  // A timer less than one clock resolution away is due (strict <).
  const int64_t end_ns = time_ns() + backend_.clock->resolution_ns();
  if (observer_ != nullptr) {
    collect_due_timers_observed(end_ns);
    return;
  }
  while (!scheduled_.empty() && scheduled_.top().when_ns < end_ns) {
    internal::HandleState* h = scheduled_.pop().handle;
    h->set_scheduled(false);
    ready_.push_back(h);  // the heap's reference moves to the ready queue
  }
}

// As collect_due_timers, reporting each due timer and letting the observer
// order each run of equal deadlines (LoopObserver::pick).
void EventLoop::collect_due_timers_observed(int64_t end_ns) {
  while (!scheduled_.empty() && scheduled_.top().when_ns < end_ns) {
    const int64_t when = scheduled_.top().when_ns;
    due_ties_.clear();
    while (!scheduled_.empty() && scheduled_.top().when_ns == when) {
      internal::HandleState* h = scheduled_.pop().handle;
      h->set_scheduled(false);
      due_ties_.push_back(h);
    }
    // Repeatedly pick the next among those left (a Fisher-Yates draw).
    for (size_t first = 0; first < due_ties_.size(); ++first) {
      const size_t left = due_ties_.size() - first;
      if (left >= 2) {
        const size_t k = observer_->pick(UnorderedSet::kEqualDeadlineTimers, left);
        assert(k < left && "LoopObserver::pick returned an index out of range");
        std::rotate(due_ties_.begin() + first, due_ties_.begin() + first + k, due_ties_.begin() + first + k + 1);
      }
      internal::HandleState* h = due_ties_[first];
      emit(LoopEventKind::kTimerDue, h->id(), when);
      ready_.push_back(h);  // the heap's reference moves to the ready queue
    }
  }
  due_ties_.clear();
}

void EventLoop::run_ready_batch() {
  // Only what is ready now runs; what these callbacks schedule waits for the
  // next iteration.
  const size_t ntodo = ready_.size();
  for (size_t i = 0; i < ntodo; ++i) {
    if (observer_ != nullptr && !ready_.at(0)->cancelled()) {
      // Reported while the handle is still queued: an observer that throws
      // (the simulator stopping a run) leaves it for close() to drop.
      internal::HandleState* next = ready_.at(0);
      emit(LoopEventKind::kCallbackRun, next->id(), 0, next->label());
    }
    internal::Ref<internal::HandleState> h = internal::Ref<internal::HandleState>::adopt(ready_.pop_front());
    if (h->cancelled()) continue;
    run_handle(h.get());
  }
}

void EventLoop::run_handle(internal::HandleState* h) {
  if (!debug_) {
    h->run();
    return;
  }
  const int64_t t0 = time_ns();
  h->run();
  const int64_t dt = time_ns() - t0;
  if (dt >= slow_callback_ns_) {
    ExceptionContext context;
    context.message = absl::StrFormat("Executing %s took %.3f seconds", h->repr(), static_cast<double>(dt) / 1e9);
    call_exception_handler(context);
  }
}

// ---- run / stop / close ----

void EventLoop::check_closed() const {
  if (is_closed()) throw RuntimeError("Event loop is closed");
}

void EventLoop::check_running() const {
  if (is_running()) throw RuntimeError("This event loop is already running");
  if (internal::thread_state().running_loop != nullptr) {
    throw RuntimeError("Cannot run the event loop while another loop is running");
  }
}

void EventLoop::check_thread(const char* method) const {
  (void)method;
  std::thread::id owner = running_thread_.load(std::memory_order_acquire);
  if (owner != std::thread::id() && owner != std::this_thread::get_id()) {
    throw RuntimeError("Non-thread-safe operation invoked on an event loop other than the current one");
  }
}

void EventLoop::run_forever() {
  check_closed();
  check_running();
  RunningScope scope(this, &running_thread_, &stopping_);
  while (true) {
    run_once();
    if (stopping_) break;
  }
}

void EventLoop::stop() {
  emit(LoopEventKind::kStop);
  stopping_ = true;
}

void EventLoop::set_observer(LoopObserver* observer) {
  if (is_running()) throw RuntimeError("set_observer() called while the loop is running");
  observer_ = observer;
}

void EventLoop::close() {
  if (is_running()) throw RuntimeError("Cannot close a running event loop");
  if (is_closed()) return;
  emit(LoopEventKind::kClose);
  closed_.store(true, std::memory_order_release);
  // Tasks still pending now can never finish (see abandon_pending_tasks).
  std::vector<internal::Ref<TaskBase>> pending;
  for (TaskBase* t = tasks_head_; t != nullptr; t = t->tasks_next_) {
    if (!t->done()) pending.emplace_back(t);
  }
  // Drop what is queued without running it; callbacks are destroyed here,
  // on the loop's thread.
  while (!ready_.empty()) {
    internal::HandleState* h = ready_.pop_front();
    h->cancel();
    h->ref_release();
  }
  for (const TimerEntry& e : scheduled_.items()) {
    internal::HandleState* h = e.handle;
    h->set_scheduled(false);
    h->cancel();
    h->ref_release();
  }
  scheduled_.items().clear();
  timer_cancelled_count_ = 0;
  for (auto& [fd, watch] : fd_watches_) {
    (void)backend_.poller->unregister_fd(fd);
    if (watch.reader) watch.reader->cancel();
    if (watch.writer) watch.writer->cancel();
  }
  fd_watches_.clear();
  executor_shutdown_called_ = true;
  if (default_executor_) default_executor_->shutdown(Executor::Shutdown::kNoWait);
  // unix_events: close() removes every signal handler.
  while (!signal_handlers_.empty()) remove_signal_handler(signal_handlers_.begin()->first);
  // A pending task of a closed loop can never finish. CPython reports it
  // when the garbage collector destroys it; here it is reported now and its
  // coroutine frame destroyed, which also breaks the task <-> awaited-future
  // reference cycle.
  for (auto& t : pending) t->abandon();
  // Pending futures' done callbacks can never run now; dropping them breaks
  // the cycles they close (a gather and its children, say). Destroyed after
  // the walk, since destroying them may free futures.
  std::vector<absl::AnyInvocable<void()>> dropped;
  for (FutureBase* f = futures_head_; f != nullptr; f = f->registry_next_) {
    if (!f->done()) f->drop_callbacks_of_closed_loop(&dropped);
  }
  dropped.clear();
}

Coro<void> EventLoop::shutdown_default_executor() {
  executor_shutdown_called_ = true;
  if (!default_executor_) co_return;
  Future<void> done = create_future<void>();
  // Built here, on the loop's thread: the helper thread only moves it, so
  // the future's (loop-thread) reference count is never touched there.
  Callback complete = [done]() {
    if (!done.done()) done.set_result();
  };
  std::shared_ptr<Executor> executor = default_executor_;
  backend_.threads->spawn([this, executor, complete = std::move(complete)]() mutable {
    executor->shutdown(Executor::Shutdown::kWait);
    post_to_loop(std::move(complete), internal::ContextBinding());
  });
  co_await done;
  default_executor_.reset();
}

void EventLoop::set_default_executor(std::shared_ptr<Executor> executor) {
  default_executor_ = std::move(executor);
}

// ---- Errors ----

void EventLoop::default_exception_handler(const ExceptionContext& context) {
  std::string text = format_exception_context(context);
  std::fprintf(stderr, "%s\n", text.c_str());
}

void EventLoop::call_exception_handler(const ExceptionContext& context) {
  emit(LoopEventKind::kExceptionHandler, 0, 0, context.message);
  if (!exception_handler_) {
    try {
      default_exception_handler(context);
    } catch (...) {
      std::fprintf(stderr, "Exception in default exception handler\n");
    }
    return;
  }
  try {
    exception_handler_(*this, context);
  } catch (...) {
    std::exception_ptr e = std::current_exception();
    if (is_exit_exception(e)) throw;
    ExceptionContext nested;
    nested.message = "Unhandled error in exception handler";
    nested.exception = e;
    nested.extra["context"] = format_exception_context(context);
    try {
      default_exception_handler(nested);
    } catch (...) {
      std::fprintf(stderr, "Exception in default exception handler\n");
    }
  }
}

}  // namespace seedloop
