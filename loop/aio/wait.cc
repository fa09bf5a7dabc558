#include "loop/aio/wait.h"

#include <algorithm>

#include "loop/event_loop.h"
#include "loop/policy.h"

namespace seedloop::internal {

Coro<void> wait_untyped(std::vector<Ref<FutureBase>> fs, std::optional<int64_t> timeout_ns, ReturnWhen when) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Future<void> waiter = loop->create_future<void>();
  // Shared with the callbacks, which may outlive this frame.
  struct State {
    Future<void> waiter;
    TimerHandle timeout_handle;
    size_t counter;
    ReturnWhen when;
  };
  auto state = std::make_shared<State>(State{waiter, TimerHandle(), fs.size(), when});
  if (timeout_ns) {
    state->timeout_handle = loop->call_at_ns(loop->time_ns() + *timeout_ns, [waiter] {
      if (!waiter.done()) waiter.set_result();
    });
  }
  std::vector<uint64_t> ids;
  for (const auto& f : fs) {
    ids.push_back(f->add_done_callback([state](FutureBase& done) {
      // tasks._wait._on_completion
      --state->counter;
      bool failed = state->when == FIRST_EXCEPTION && !done.cancelled() && done.exception() != nullptr;
      if (state->counter == 0 || state->when == FIRST_COMPLETED || failed) {
        if (state->timeout_handle) state->timeout_handle.cancel();
        if (!state->waiter.done()) state->waiter.set_result();
      }
    }));
  }
  struct Cleanup {
    std::shared_ptr<State> state;
    const std::vector<Ref<FutureBase>>& fs;
    const std::vector<uint64_t>& ids;
    ~Cleanup() {
      if (state->timeout_handle) state->timeout_handle.cancel();
      for (size_t i = 0; i < fs.size(); ++i) fs[i]->remove_done_callback(ids[i]);
    }
  } cleanup{state, fs, ids};
  co_await waiter;
}

void AsCompleted::put(Ref<FutureBase> f) {
  done.push_back(std::move(f));
  put_wakeup_next();
}

Coro<Ref<FutureBase>> AsCompleted::get(std::shared_ptr<AsCompleted> self) {
  // asyncio.Queue.get
  while (self->done.empty()) {
    Future<void> getter = get_running_loop()->create_future<void>();
    self->getters.push_back(getter);
    try {
      co_await getter;
    } catch (...) {
      getter.cancel();
      auto it = std::find(self->getters.begin(), self->getters.end(), getter);
      if (it != self->getters.end()) self->getters.erase(it);
      if (!self->done.empty() && !getter.cancelled()) self->put_wakeup_next();
      throw;
    }
  }
  Ref<FutureBase> f = std::move(self->done.front());
  self->done.pop_front();
  co_return f;
}

void AsCompleted::put_wakeup_next() {
  // asyncio.Queue._wakeup_next
  while (!getters.empty()) {
    Future<void> getter = std::move(getters.front());
    getters.pop_front();
    if (!getter.done()) {
      getter.set_result();
      break;
    }
  }
}

void AsCompleted::on_completion(FutureBase& f) {
  if (todo.empty()) return;  // the timeout came first
  auto it = std::find_if(todo.begin(), todo.end(), [&](const Ref<FutureBase>& t) { return t.get() == &f; });
  if (it != todo.end()) todo.erase(it);
  put(Ref<FutureBase>(&f));
  if (todo.empty() && timeout_handle) timeout_handle.cancel();
}

void AsCompleted::on_timeout() {
  for (size_t i = 0; i < todo.size(); ++i) put(nullptr);  // one dummy per pending coroutine
  todo.clear();
}

std::shared_ptr<AsCompleted> start_as_completed(std::vector<Ref<FutureBase>> fs, std::optional<double> timeout_s) {
  auto state = std::make_shared<AsCompleted>();
  state->todo = fs;
  for (const auto& f : fs) {
    // A weak reference: the state must not keep itself alive through the
    // futures' callbacks once every coroutine is gone.
    std::weak_ptr<AsCompleted> weak = state;
    f->add_done_callback([weak](FutureBase& done) {
      if (auto s = weak.lock()) s->on_completion(done);
    });
  }
  if (!fs.empty() && timeout_s) {
    std::weak_ptr<AsCompleted> weak = state;
    state->timeout_handle = get_event_loop()->call_later(*timeout_s, [weak] {
      if (auto s = weak.lock()) s->on_timeout();
    });
  }
  return state;
}

}  // namespace seedloop::internal
