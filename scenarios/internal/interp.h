// The interpreter's machinery, shared by its .cc files (not an API; see
// scenarios/interpreter.h).
//
// One Interp per run. Coroutine bodies and step lists run as Coro<void>
// (interp_steps.cc); a callback's or the driver's steps run through the same
// code, driven to completion at once (they contain no awaiting step: the
// validator guarantees it). Every step that reports goes through report(),
// which writes the README's event text. Objects live in one namespace
// (std::map: ordered by name, never by address, and node-based, so a step
// may hold an Object& across a co_await while other tasks make names) until
// the Interp goes, after the loop is closed; the Interp keeps the loop alive
// until then.

#ifndef SEEDLOOP_SCENARIOS_INTERNAL_INTERP_H_
#define SEEDLOOP_SCENARIOS_INTERNAL_INTERP_H_

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "loop/aio/task_group.h"
#include "loop/aio/timeout.h"
#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/handle.h"
#include "loop/sync/condition.h"
#include "loop/sync/event.h"
#include "loop/sync/lock.h"
#include "loop/sync/queue.h"
#include "loop/sync/semaphore.h"
#include "loop/task.h"
#include "nlohmann/json.hpp"
#include "scenarios/interpreter.h"
#include "scenarios/scenario.h"

namespace seedloop::scenarios::internal {

using json = nlohmann::json;

// Where a step is, as a chain built on the stack: the JSON pointer is made
// only when an error needs it.
struct Loc {
  const Loc* parent = nullptr;
  std::string_view key;  // an object key, or empty for an array index
  size_t index = 0;
  Loc child(std::string_view k) const { return Loc{this, k, 0}; }
  Loc at(size_t i) const { return Loc{this, {}, i}; }
  std::string pointer() const;
};

// Thrown to end a run on bad input found while running. Not an
// std::exception: no scenario `catch` handles it.
struct InputError {};

// A queue of any kind, through one interface.
class AnyQueue {
 public:
  virtual ~AnyQueue() = default;
  virtual seedloop::internal::QueueCore& core() = 0;
  virtual Coro<void> put(json item) = 0;
  virtual void put_nowait(json item) = 0;
  virtual Coro<json> get() = 0;
  virtual json get_nowait() = 0;
};

template <typename Q>
class QueueOf final : public AnyQueue {
 public:
  explicit QueueOf(int64_t maxsize) : q_(maxsize) {}
  seedloop::internal::QueueCore& core() override { return q_; }
  Coro<void> put(json item) override { return q_.put(std::move(item)); }
  void put_nowait(json item) override { q_.put_nowait(std::move(item)); }
  Coro<json> get() override { return q_.get(); }
  json get_nowait() override { return q_.get_nowait(); }

 private:
  Q q_;
};

template <typename Q>
std::unique_ptr<AnyQueue> make_queue(int64_t maxsize) {
  return std::make_unique<QueueOf<Q>>(maxsize);
}

struct Object {
  enum class Kind { kFuture, kTask, kHandle, kQueue, kLock, kEvent, kSemaphore, kCondition, kTimeout, kTaskGroup };
  Kind kind = Kind::kFuture;
  Future<json> future;  // kFuture and kTask (a Task is its Future)
  std::optional<Handle> handle;
  std::unique_ptr<AnyQueue> queue;
  std::unique_ptr<Lock> lock;
  std::unique_ptr<Event> event;
  std::unique_ptr<Semaphore> semaphore;  // also a BoundedSemaphore
  std::unique_ptr<Condition> condition;
  std::optional<Timeout> timeout;
  std::optional<TaskGroup> group;
};

// One running body: a coroutine instance, a callback call, the driver.
struct Frame {
  std::string actor;
  json args = json::array();        // a callback's arguments
  std::exception_ptr handling;      // inside `catch`: the exception
  bool returned = false;            // `return` ran
  json value;                       // its value
};

class Interp {
 public:
  Interp(const Scenario& scenario, bool quiet, CancelInjection inject)
      : sc_(scenario), quiet_(quiet), inject_(inject) {}
  // The loop may outlive this (its owner still holds it): it must not keep
  // handlers that point here.
  ~Interp() {
    if (!loop_) return;
    loop_->set_task_factory(nullptr);
    restore_default_handler();
  }
  Interp(const Interp&) = delete;
  Interp& operator=(const Interp&) = delete;

  // ---- Entry points (interpreter.cc) ----
  Coro<void> main_coro();               // asyncio.run's main
  void drive(EventLoop& loop);          // the driver's steps
  void make_objects();
  // The handler a null set_exception_handler restores: asyncio's default,
  // or a silent one when the run is quiet.
  void restore_default_handler();
  json state_of(const std::string& name);
  void end_run();                       // drops the objects, then the loop

  // ---- Steps (interp_steps.cc) ----
  // What a coroutine instance does with the task it starts in: nothing (it
  // was awaited inline, or its task was named when made), take the actor's
  // name (a task some function made for it), or also register the task
  // under that name (run_until_complete's named instance).
  enum class Adopt { kNone, kRename, kRegister };
  Coro<json> body(std::string coro, std::string actor, Adopt adopt = Adopt::kNone);
  Coro<void> run_steps(const json& steps, Frame& f, const Loc& loc);
  void run_now(Coro<void> steps);       // a body that cannot suspend
  void run_callback(const std::string& name, const json& args);
  void emit(std::string text);
  // Before an awaiting step of a task: counts the suspension point and
  // injects a cancel there when the run's CancelInjection says so.
  void at_suspension_point(const json& s, const Frame& f, const Loc& loc);
  [[noreturn]] void input_error(const Loc& loc, std::string_view field, std::string problem);

  // ---- Ops (interp_ops.cc: loop, futures, tasks; interp_aio.cc: the rest) ----
  Coro<json> op_value(const json& s, Frame& f, const Loc& loc);
  json loop_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled);
  json future_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled);
  Coro<json> aio_op(const std::string& op, const json& s, Frame& f, const Loc& loc);
  json sync_primitive_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled);
  Coro<json> await_primitive_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled);

  // Registry.
  Object& object(const json& s, const char* field, const Loc& loc);
  Object& add(const std::string& name, Object::Kind kind, const Loc& loc);
  Future<json> awaitable(const json& a, const Loc& loc);  // wraps a coro in a task
  Task<json> start_task(const std::string& coro, const std::string& name);

  EventLoop& loop() { return *loop_; }
  const Scenario& scenario() const { return sc_; }

  std::vector<ScenarioEvent> events;
  absl::Status error;              // the first input error
  std::optional<json> main_value;  // what main returned
  std::vector<std::string> points;    // suspension points reached (with injection on)
  std::vector<std::string> injected;  // where a cancel was injected
  std::vector<std::string> not_applicable;  // kExpireTimeout: due, but in no timeout block

 private:
  std::shared_ptr<EventLoop> loop_;  // first: destroyed last
  const Scenario& sc_;
  const bool quiet_;
  const CancelInjection inject_;
  std::map<std::string, Object> objects_;  // not btree_map: references must stay valid
};

}  // namespace seedloop::scenarios::internal

#endif  // SEEDLOOP_SCENARIOS_INTERNAL_INTERP_H_
