// Steps on the loop (asyncio.AbstractEventLoop), futures and tasks, and the
// object registry (scenarios/README.md "Steps").

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "loop/errors.h"
#include "loop/exception_context.h"
#include "loop/policy.h"
#include "scenarios/internal/interp.h"
#include "scenarios/text.h"

namespace seedloop::scenarios::internal {

namespace {

const char* kind_name(Object::Kind kind) {
  switch (kind) {
    case Object::Kind::kFuture: return "a Future";
    case Object::Kind::kTask: return "a Task";
    case Object::Kind::kHandle: return "a handle";
    case Object::Kind::kQueue: return "a queue";
    case Object::Kind::kLock: return "a Lock";
    case Object::Kind::kEvent: return "an Event";
    case Object::Kind::kSemaphore: return "a Semaphore";
    case Object::Kind::kCondition: return "a Condition";
    case Object::Kind::kTimeout: return "a timeout";
    case Object::Kind::kTaskGroup: return "a task group";
  }
  return "an object";
}

bool is_future(const Object& o) { return o.kind == Object::Kind::kFuture || o.kind == Object::Kind::kTask; }

TaskBase* task_of(const Object& o) { return static_cast<TaskBase*>(o.future.base()); }

}  // namespace

// ---- Registry ----

Object& Interp::object(const json& s, const char* field, const Loc& loc) {
  const std::string& name = s[field].get_ref<const std::string&>();
  auto it = objects_.find(name);
  if (it == objects_.end()) input_error(loc, field, absl::StrCat("no object named \"", name, "\" exists yet in this run"));
  return it->second;
}

Object& Interp::add(const std::string& name, Object::Kind kind, const Loc& loc) {
  auto [it, fresh] = objects_.try_emplace(name);
  if (!fresh) input_error(loc, "name", absl::StrCat("the name \"", name, "\" is already taken in this run"));
  it->second.kind = kind;
  return it->second;
}

Task<json> Interp::start_task(const std::string& coro, const std::string& name) {
  return loop_->create_task(body(coro, name.empty() ? coro : name), name);
}

Future<json> Interp::awaitable(const json& a, const Loc& loc) {
  if (a.is_string()) {
    auto it = objects_.find(a.get<std::string>());
    if (it == objects_.end() || !is_future(it->second)) {
      input_error(loc, "", absl::StrCat("\"", a.get<std::string>(), "\" is not a Task or Future of this run"));
    }
    return it->second.future;
  }
  // asyncio's ensure_future(coro): a task with the default name.
  const std::string coro = a["coro"].get<std::string>();
  const std::string name = a.contains("name") ? a["name"].get<std::string>() : coro;
  return loop_->create_task(body(coro, name), name);
}

void Interp::make_objects() {
  if (!sc_.doc.contains("objects")) return;
  const Loc root;
  const Loc objects = root.child("objects");
  // Conditions last: one may share a Lock object.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [name, spec] : sc_.doc["objects"].items()) {
      const std::string type = spec["type"].get<std::string>();
      if ((type == "Condition") != (pass == 1)) continue;
      const Loc here = objects.child(name);
      const int64_t maxsize = spec.value("maxsize", int64_t{0});
      if (type == "Future") {
        add(name, Object::Kind::kFuture, here).future = loop_->create_future<json>();
      } else if (type == "Queue") {
        add(name, Object::Kind::kQueue, here).queue = make_queue<Queue<json>>(maxsize);
      } else if (type == "LifoQueue") {
        add(name, Object::Kind::kQueue, here).queue = make_queue<LifoQueue<json>>(maxsize);
      } else if (type == "PriorityQueue") {
        add(name, Object::Kind::kQueue, here).queue = make_queue<PriorityQueue<json>>(maxsize);
      } else if (type == "Lock") {
        add(name, Object::Kind::kLock, here).lock = std::make_unique<Lock>();
      } else if (type == "Event") {
        add(name, Object::Kind::kEvent, here).event = std::make_unique<Event>();
      } else if (type == "Semaphore") {
        add(name, Object::Kind::kSemaphore, here).semaphore = std::make_unique<Semaphore>(spec.value("value", 1));
      } else if (type == "BoundedSemaphore") {
        add(name, Object::Kind::kSemaphore, here).semaphore =
            std::make_unique<BoundedSemaphore>(spec.value("value", 1));
      } else if (type == "Condition") {
        Object& o = add(name, Object::Kind::kCondition, here);
        if (spec.contains("lock")) {
          Object& lock = object(spec, "lock", here);
          if (lock.kind != Object::Kind::kLock) input_error(here, "lock", "must name a Lock object");
          o.condition = std::make_unique<Condition>(*lock.lock);
        } else {
          o.condition = std::make_unique<Condition>();
        }
      }
    }
  }
}

json Interp::state_of(const std::string& name) {
  auto it = objects_.find(name);
  if (it == objects_.end()) return "undefined";
  const Object& o = it->second;
  switch (o.kind) {
    case Object::Kind::kFuture:
    case Object::Kind::kTask: {
      const Future<json>& f = o.future;
      if (!f.done()) return "pending";
      if (f.cancelled()) return "cancelled";
      std::exception_ptr e = f.exception();
      if (e) return absl::StrCat("exception ", exception_text(e));
      return absl::StrCat("result ", value_text(f.result()));
    }
    case Object::Kind::kHandle: return o.handle->cancelled() ? "cancelled" : "active";
    case Object::Kind::kQueue: return o.queue->core().qsize();
    case Object::Kind::kLock: return o.lock->locked();
    case Object::Kind::kEvent: return o.event->is_set();
    case Object::Kind::kSemaphore: return o.semaphore->value();
    case Object::Kind::kCondition: return o.condition->locked();
    case Object::Kind::kTimeout:
    case Object::Kind::kTaskGroup: return nullptr;  // no State; the `state` step refuses them
  }
  return nullptr;
}

// ---- The loop ----

json Interp::loop_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled) {
  *handled = true;
  EventLoop& loop = *loop_;
  if (op == "call_soon" || op == "call_later" || op == "call_at" || op == "call_soon_threadsafe") {
    Callback cb = [this, name = s["callback"].get<std::string>(), args = s.value("args", json::array())] {
      run_callback(name, args);
    };
    std::optional<Handle> h;
    if (op == "call_soon") h = loop.call_soon(std::move(cb));
    if (op == "call_soon_threadsafe") h = loop.call_soon_threadsafe(std::move(cb));
    if (op == "call_later") h = loop.call_later(s["delay"].get<double>(), std::move(cb));
    if (op == "call_at") h = loop.call_at(s["when"].get<double>(), std::move(cb));
    if (s.contains("name")) add(s["name"].get<std::string>(), Object::Kind::kHandle, loc).handle = std::move(h);
    return nullptr;
  }
  if (op == "cancel_handle") {
    Object& o = object(s, "object", loc);
    if (o.kind != Object::Kind::kHandle) input_error(loc, "object", "must name a handle");
    o.handle->cancel();
    return nullptr;
  }
  if (op == "time") return format_time(loop.time_ns());
  if (op == "create_task") {
    // Named tasks join the namespace; an unnamed one is named after its
    // coroutine, as a label only (several may share it).
    const std::string coro = s["coro"].get<std::string>();
    Task<json> t = start_task(coro, s.contains("name") ? s["name"].get<std::string>() : coro);
    if (s.contains("name")) add(s["name"].get<std::string>(), Object::Kind::kTask, loc).future = t;
    return nullptr;
  }
  if (op == "create_future") {
    add(s["name"].get<std::string>(), Object::Kind::kFuture, loc).future = loop.create_future<json>();
    return nullptr;
  }
  if (op == "stop") return loop.stop(), nullptr;
  if (op == "close") return loop.close(), nullptr;
  if (op == "run_forever") return loop.run_forever(), nullptr;
  if (op == "is_running") return loop.is_running();
  if (op == "is_closed") return loop.is_closed();
  if (op == "run_until_complete") {
    if (s.contains("object")) return loop.run_until_complete(awaitable(s["object"], loc.child("object")));
    // The coroutine goes in as it is (run_until_complete checks the loop
    // before it makes a task); a named instance names and registers its
    // task when it starts.
    const std::string coro = s["coro"].get<std::string>();
    if (!s.contains("name")) return loop.run_until_complete(body(coro, coro));
    return loop.run_until_complete(body(coro, s["name"].get<std::string>(), Adopt::kRegister));
  }
  if (op == "set_exception_handler") {
    if (s["callback"].is_null()) {
      restore_default_handler();
      return nullptr;
    }
    loop.set_exception_handler([this, name = s["callback"].get<std::string>()](EventLoop&, const ExceptionContext& c) {
      // Only callbacks' errors: other contexts come at garbage-collection
      // times in CPython (README "set_exception_handler").
      if (!c.exception || !absl::StartsWith(c.message, "Exception in callback")) return;
      emit(absl::StrCat(name, " exception_handler -> ", value_text(exception_text(c.exception))));
      try {
        run_callback(name, json::array());
      } catch (const std::exception&) {
        // asyncio logs an error in the handler and goes on; the failing
        // step is already in the trace.
      }
    });
    return nullptr;
  }
  if (op == "set_task_factory") {
    if (s["factory"].is_null()) {
      loop.set_task_factory(nullptr);
      return nullptr;
    }
    loop.set_task_factory([this](EventLoop& l, CoroFrame coro, std::optional<Context> context) {
      emit("task_factory: create");
      return seedloop::internal::Ref<TaskBase>(new TaskBase(&l, std::move(coro), std::move(context)));
    });
    return nullptr;
  }
  if (op == "current_task") {
    TaskBase* t = seedloop::current_task(&loop);
    return t == nullptr ? json() : json(t->get_name());
  }
  *handled = false;
  return nullptr;
}

// ---- Futures and tasks ----

json Interp::future_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled) {
  *handled = true;
  if (op == "uncancel" || op == "cancelling") {
    TaskBase* t = nullptr;
    if (s.contains("object")) {
      Object& o = object(s, "object", loc);
      if (o.kind != Object::Kind::kTask) input_error(loc, "object", "must name a Task");
      t = task_of(o);
    } else {
      t = seedloop::current_task(loop_.get());
      if (t == nullptr) input_error(loc, "op", absl::StrCat("\"", op, "\" without an object needs a current task"));
    }
    return op == "uncancel" ? t->uncancel() : t->cancelling();
  }
  static constexpr const char* kFutureOps[] = {"set_result", "set_exception", "cancel", "done", "cancelled",
                                               "result", "exception", "state"};
  bool known = false;
  for (const char* name : kFutureOps) known = known || op == name;
  if (!known) {
    *handled = false;
    return nullptr;
  }
  Object& o = object(s, "object", loc);
  if (op == "state") {
    if (o.kind == Object::Kind::kTimeout || o.kind == Object::Kind::kTaskGroup) {
      input_error(loc, "object", absl::StrCat(kind_name(o.kind), " has no State (README \"State\")"));
    }
    return state_of(s["object"].get<std::string>());
  }
  if (!is_future(o)) {
    input_error(loc, "object", absl::StrCat("must name a Task or Future, not ", kind_name(o.kind)));
  }
  const Future<json>& fut = o.future;
  if (op == "set_result") return fut.set_result(s.value("value", json())), nullptr;
  if (op == "set_exception") return fut.set_exception(make_exception(s["exception"])), nullptr;
  if (op == "cancel") {
    if (s.contains("msg")) return fut.cancel(s["msg"].get<std::string>());
    return fut.cancel();
  }
  if (op == "done") return fut.done();
  if (op == "cancelled") return fut.cancelled();
  if (op == "result") return fut.result();
  std::exception_ptr e = fut.exception();
  return e ? json(exception_text(e)) : json();
}

}  // namespace seedloop::scenarios::internal
