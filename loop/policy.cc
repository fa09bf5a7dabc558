#include "loop/policy.h"

#include <atomic>
#include <sstream>
#include <thread>

#include "absl/base/attributes.h"
#include "loop/internal/thread_state.h"

namespace seedloop {

namespace {

// asyncio's _event_loop_policy: process-wide, trivially destructible.
ABSL_CONST_INIT std::atomic<AbstractEventLoopPolicy*> g_policy{nullptr};

// Bumped by every set_event_loop_policy(): per-thread policy state from an
// earlier generation is ignored.
ABSL_CONST_INIT std::atomic<uint64_t> g_policy_generation{0};

// threading.main_thread(): the thread that ran static initialization.
const std::thread::id g_main_thread = std::this_thread::get_id();

AbstractEventLoopPolicy* default_policy() {
  // Made once and never destroyed (reachable, so not a leak).
  static AbstractEventLoopPolicy* const policy = new DefaultEventLoopPolicy();
  return policy;
}

}  // namespace

DefaultEventLoopPolicy::DefaultEventLoopPolicy(BackendFactory factory) : factory_(std::move(factory)) {}

// This thread's slot, reset if another policy (or generation) filled it.
internal::ThreadState& DefaultEventLoopPolicy::local_state() const {
  internal::ThreadState& ts = internal::thread_state();
  const uint64_t generation = g_policy_generation.load(std::memory_order_acquire);
  if (ts.policy_owner != this || ts.policy_generation != generation) {
    ts.policy_loop.reset();
    ts.policy_loop_set = false;
    ts.policy_owner = this;
    ts.policy_generation = generation;
  }
  return ts;
}

std::shared_ptr<EventLoop> DefaultEventLoopPolicy::get_event_loop() {
  internal::ThreadState& ts = local_state();
  if (!ts.policy_loop && !ts.policy_loop_set && std::this_thread::get_id() == g_main_thread) {
    set_event_loop(new_event_loop());
  }
  if (!ts.policy_loop) {
    std::ostringstream id;
    id << std::this_thread::get_id();
    throw RuntimeError("There is no current event loop in thread '" + id.str() + "'.");
  }
  return ts.policy_loop;
}

void DefaultEventLoopPolicy::set_event_loop(std::shared_ptr<EventLoop> loop) {
  internal::ThreadState& ts = local_state();
  ts.policy_loop_set = true;
  ts.policy_loop = std::move(loop);
}

std::shared_ptr<EventLoop> DefaultEventLoopPolicy::new_event_loop() { return EventLoop::create(factory_()); }

std::shared_ptr<EventLoop> get_running_loop() {
  EventLoop* loop = internal::thread_state().running_loop;
  if (loop == nullptr) throw RuntimeError("no running event loop");
  return loop->shared_from_this();
}

std::shared_ptr<EventLoop> get_event_loop() {
  // events.get_event_loop: the running loop first, then the policy's.
  if (EventLoop* loop = internal::thread_state().running_loop) return loop->shared_from_this();
  return get_event_loop_policy()->get_event_loop();
}

void set_event_loop(std::shared_ptr<EventLoop> loop) { get_event_loop_policy()->set_event_loop(std::move(loop)); }

std::shared_ptr<EventLoop> new_event_loop() { return get_event_loop_policy()->new_event_loop(); }

AbstractEventLoopPolicy* get_event_loop_policy() {
  AbstractEventLoopPolicy* p = g_policy.load(std::memory_order_acquire);
  return p != nullptr ? p : default_policy();
}

void set_event_loop_policy(AbstractEventLoopPolicy* policy) {
  g_policy.store(policy, std::memory_order_release);
  g_policy_generation.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<TaskBase*> all_tasks(EventLoop* loop) {
  if (loop == nullptr) loop = get_running_loop().get();
  return loop->all_tasks();
}

}  // namespace seedloop
