#include "loop/aio/run.h"

#include "loop/aio/gather.h"
#include "loop/internal/thread_state.h"

namespace seedloop::internal {

std::shared_ptr<EventLoop> runner_open(const RunOptions& options) {
  if (thread_state().running_loop != nullptr) {
    throw RuntimeError("asyncio.run() cannot be called from a running event loop");
  }
  std::shared_ptr<EventLoop> loop = new_event_loop();
  if (options.debug) loop->set_debug(*options.debug);
  set_event_loop(loop);
  return loop;
}

namespace {

// runners._cancel_all_tasks
void cancel_all_tasks(EventLoop& loop) {
  std::vector<Ref<FutureBase>> to_cancel;
  for (TaskBase* t : loop.all_tasks()) to_cancel.emplace_back(t);
  if (to_cancel.empty()) return;
  loop.order_unordered(UnorderedSet::kRunShutdownCancel, &to_cancel);  // CPython: set order
  for (auto& t : to_cancel) t->cancel();
  auto gathered = make_gathering<std::monostate>(&loop, to_cancel, /*return_exceptions=*/true,
                                                 [](const std::vector<Ref<FutureBase>>&) { return std::monostate{}; });
  loop.run_until_complete(gathered);
  for (auto& t : to_cancel) {
    if (t->cancelled()) continue;
    if (std::exception_ptr e = t->exception()) {
      ExceptionContext context;
      context.message = "unhandled exception during asyncio.run() shutdown";
      context.exception = e;
      context.task = static_cast<TaskBase*>(t.get());
      loop.call_exception_handler(context);
    }
  }
}

}  // namespace

void runner_shutdown(EventLoop& loop) {
  cancel_all_tasks(loop);
  loop.run_until_complete(loop.shutdown_asyncgens());
  loop.run_until_complete(loop.shutdown_default_executor());
}

void runner_close(const std::shared_ptr<EventLoop>& loop) {
  try {
    runner_shutdown(*loop);
  } catch (...) {
    // Runner.close's `finally`: the loop is closed whatever happened. A
    // destructor cannot raise, so a failure here is reported instead.
    ExceptionContext context;
    context.message = "exception while closing the asyncio.run() loop";
    context.exception = std::current_exception();
    loop->call_exception_handler(context);
  }
  set_event_loop(nullptr);
  loop->close();
}

}  // namespace seedloop::internal
