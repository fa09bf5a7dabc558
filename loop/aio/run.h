// run(): asyncio.run.
//
//   int main() { return seedloop::run(main_coro()); }
//
// As asyncio.run / asyncio.Runner (asyncio-semantics item 55): a new loop
// from the policy becomes the current loop; `main` runs as a task in a copy
// of the current context; then, whatever happened: every remaining task is
// cancelled and waited for (a task that failed with something other than
// CancelledError is reported as "unhandled exception during asyncio.run()
// shutdown"), async generators are closed (shutdown_asyncgens), the default
// executor is shut down, the current loop is unset and the loop closed.
// Called while a loop runs in this thread, it raises RuntimeError
// ("asyncio.run() cannot be called from a running event loop").
//
// Deviations: the remaining tasks are cancelled in creation order (CPython:
// set order; a LoopObserver may reorder them, as the simulator's chaos mode
// does). The SIGINT handler asyncio.Runner installs comes with the
// signals work of the networking issue.

#ifndef SEEDLOOP_LOOP_AIO_RUN_H_
#define SEEDLOOP_LOOP_AIO_RUN_H_

#include <optional>
#include <utility>

#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/policy.h"

namespace seedloop {

struct RunOptions {
  // Sets the loop's debug mode when given (asyncio.run(debug=...)).
  std::optional<bool> debug;
};

namespace internal {
// Checks that no loop runs here; makes and installs the loop.
std::shared_ptr<EventLoop> runner_open(const RunOptions& options);
// Runner.close's steps before closing: cancel the remaining tasks and wait
// for them, shutdown_asyncgens, shutdown_default_executor. Raises what they
// raise (the simulator runs them on its own loop).
void runner_shutdown(EventLoop& loop);
// Runner.close: runner_shutdown (its errors reported, not raised), then
// unset the current loop and close it.
void runner_close(const std::shared_ptr<EventLoop>& loop);
}  // namespace internal

template <typename T>
T run(Coro<T> main, RunOptions options = {}) {
  std::shared_ptr<EventLoop> loop = internal::runner_open(options);
  struct Closer {
    std::shared_ptr<EventLoop> loop;
    ~Closer() { internal::runner_close(loop); }
  } closer{loop};
  Task<T> task = loop->create_task(std::move(main), "", copy_context());
  return loop->run_until_complete(static_cast<const Future<T>&>(task));
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_RUN_H_
