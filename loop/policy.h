// asyncio's module-level loop functions and event loop policies.
//
//   get_running_loop()   the loop running in this thread, else
//                        RuntimeError("no running event loop")
//   get_event_loop()     the running loop, else the policy's loop for this
//                        thread (seed 003 quotes CPython's code for this)
//   set_event_loop(l)    the policy's loop for this thread
//   new_event_loop()     a new loop, from the policy
//   get_event_loop_policy() / set_event_loop_policy(p)
//
// The default policy is CPython's BaseDefaultEventLoopPolicy: one current
// loop per thread (per policy: installing a policy with
// set_event_loop_policy, even nullptr for the default, starts every thread
// from no current loop, as asyncio's fresh policy object does); get_event_loop() creates one on demand in the main
// thread only, until set_event_loop() has been called there, and elsewhere
// raises RuntimeError("There is no current event loop in thread '...'.").
// Its loops run on new_default_backend() (loop/real/). A test installs a
// policy whose new_event_loop() returns simulated loops.
//
// Threads: the policy pointer is process-wide (as in asyncio) and may be
// set from any thread; set it before loops are made. Policies are not owned
// by seedloop: a policy passed to set_event_loop_policy must outlive its
// use; nullptr restores the default.

#ifndef SEEDLOOP_LOOP_POLICY_H_
#define SEEDLOOP_LOOP_POLICY_H_

#include <functional>
#include <memory>

#include "loop/backend.h"
#include "loop/event_loop.h"

namespace seedloop {

namespace internal {
struct ThreadState;
}  // namespace internal

class AbstractEventLoopPolicy {
 public:
  virtual ~AbstractEventLoopPolicy() = default;
  virtual std::shared_ptr<EventLoop> get_event_loop() = 0;
  virtual void set_event_loop(std::shared_ptr<EventLoop> loop) = 0;
  virtual std::shared_ptr<EventLoop> new_event_loop() = 0;
};

class DefaultEventLoopPolicy : public AbstractEventLoopPolicy {
 public:
  using BackendFactory = std::function<Backend()>;
  // Loops run on `factory()`; by default on the production backend.
  explicit DefaultEventLoopPolicy(BackendFactory factory = new_default_backend);

  std::shared_ptr<EventLoop> get_event_loop() override;
  void set_event_loop(std::shared_ptr<EventLoop> loop) override;
  std::shared_ptr<EventLoop> new_event_loop() override;

 private:
  internal::ThreadState& local_state() const;
  BackendFactory factory_;
};

std::shared_ptr<EventLoop> get_running_loop();
std::shared_ptr<EventLoop> get_event_loop();
void set_event_loop(std::shared_ptr<EventLoop> loop);
std::shared_ptr<EventLoop> new_event_loop();
AbstractEventLoopPolicy* get_event_loop_policy();
void set_event_loop_policy(AbstractEventLoopPolicy* policy);

// asyncio.current_task() is declared in loop/task.h. all_tasks: the loop's
// tasks that are not done, in creation order (CPython returns a set).
std::vector<TaskBase*> all_tasks(EventLoop* loop = nullptr);

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_POLICY_H_
