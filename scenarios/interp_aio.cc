// Steps on asyncio's functions (sleep, wait_for, shield, gather, wait,
// timeouts, TaskGroup, run_in_executor) and the synchronization primitives,
// and the dispatch of every reporting step (scenarios/README.md "Steps").

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "loop/aio/gather.h"
#include "loop/aio/shield.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait.h"
#include "loop/aio/wait_for.h"
#include "loop/errors.h"
#include "scenarios/internal/interp.h"
#include "scenarios/text.h"

namespace seedloop::scenarios::internal {

namespace {

std::optional<double> optional_seconds(const json& s, const char* key) {
  auto it = s.find(key);
  if (it == s.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}

ReturnWhen return_when(const json& s) {
  const std::string when = s.value("return_when", std::string("ALL_COMPLETED"));
  if (when == "FIRST_COMPLETED") return FIRST_COMPLETED;
  if (when == "FIRST_EXCEPTION") return FIRST_EXCEPTION;
  return ALL_COMPLETED;
}

}  // namespace

Coro<json> Interp::op_value(const json& s, Frame& f, const Loc& loc) {
  const std::string& op = s["op"].get_ref<const std::string&>();
  bool handled = false;
  json value = loop_op(op, s, f, loc, &handled);
  if (handled) co_return value;
  value = future_op(op, s, f, loc, &handled);
  if (handled) co_return value;
  value = sync_primitive_op(op, s, f, loc, &handled);
  if (handled) co_return value;
  value = co_await await_primitive_op(op, s, f, loc, &handled);
  if (handled) co_return value;
  value = co_await aio_op(op, s, f, loc);
  co_return value;
}

Coro<json> Interp::aio_op(const std::string& op, const json& s, Frame& f, const Loc& loc) {
  if (op == "sleep") {
    co_await sleep(s["delay"].get<double>());
    co_return s.value("result", json());
  }
  if (op == "await") {
    if (s.contains("object")) {
      Future<json> fut = awaitable(s["object"], loc.child("object"));
      json v = co_await fut;
      co_return v;
    }
    const std::string coro = s["coro"].get<std::string>();
    const std::string name = s.contains("name") ? s["name"].get<std::string>() : coro;
    Coro<json> inline_body = body(coro, name);
    json v = co_await std::move(inline_body);
    co_return v;
  }
  if (op == "wait_for" || op == "shield") {
    const json& a = s["awaitable"];
    const Loc where = loc.child("awaitable");
    const std::optional<double> timeout = optional_seconds(s, "timeout");
    json v;
    if (a.is_object()) {
      // A coroutine goes in as it is: the function wraps it, as asyncio does.
      // wait_for without a timeout awaits it inline; otherwise the function
      // makes the task, which takes the instance's name.
      const std::string coro = a["coro"].get<std::string>();
      const std::string name = a.contains("name") ? a["name"].get<std::string>() : coro;
      const bool inline_run = op == "wait_for" && !timeout.has_value();
      Coro<json> inner = body(coro, name, inline_run ? Adopt::kNone : Adopt::kRename);
      if (op == "shield") {
        Future<json> outer = shield(std::move(inner));
        v = co_await outer;
      } else {
        Coro<json> waiting = wait_for(std::move(inner), timeout);
        v = co_await std::move(waiting);
      }
    } else if (op == "shield") {
      Future<json> outer = shield(awaitable(a, where));
      v = co_await outer;
    } else {
      Coro<json> waiting = wait_for(awaitable(a, where), timeout);
      v = co_await std::move(waiting);
    }
    co_return v;
  }
  if (op == "gather") {
    std::vector<Future<json>> children;
    const Loc list = loc.child("awaitables");
    for (size_t i = 0; i < s["awaitables"].size(); ++i) children.push_back(awaitable(s["awaitables"][i], list.at(i)));
    json out = json::array();
    if (s.value("return_exceptions", false)) {
      auto gathering = gather(return_exceptions, std::move(children));
      auto results = co_await gathering;
      for (const auto& r : results) {
        out.push_back(r.has_value() ? r.value() : json(absl::StrCat("!", exception_text(r.exception()))));
      }
    } else {
      auto gathering = gather(std::move(children));
      auto results = co_await gathering;
      for (auto& r : results) out.push_back(std::move(r));
    }
    co_return out;
  }
  if (op == "wait") {
    std::vector<std::string> names;
    std::vector<Future<json>> fs;
    const Loc list = loc.child("awaitables");
    for (size_t i = 0; i < s["awaitables"].size(); ++i) {
      names.push_back(s["awaitables"][i].get<std::string>());
      fs.push_back(awaitable(s["awaitables"][i], list.at(i)));
    }
    WaitOptions options;
    options.timeout = optional_seconds(s, "timeout");
    options.return_when = return_when(s);
    auto waiting = wait(fs, options);
    co_await std::move(waiting);
    std::vector<std::string> done, pending;
    for (size_t i = 0; i < fs.size(); ++i) (fs[i].done() ? done : pending).push_back(names[i]);
    for (auto* v : {&done, &pending}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    co_return json{{"done", done}, {"pending", pending}};
  }
  if (op == "timeout" || op == "timeout_at") {
    const std::optional<double> at = optional_seconds(s, op == "timeout" ? "delay" : "when");
    Timeout scope = op == "timeout" ? timeout(at) : timeout_at(at);
    if (s.contains("name")) add(s["name"].get<std::string>(), Object::Kind::kTimeout, loc).timeout = scope;
    const Loc inner = loc.child("steps");
    auto run = [this, &s, &f, &inner]() -> Coro<void> { co_await run_steps(s["steps"], f, inner); };
    Coro<void> block = scope.async_with(std::move(run));
    co_await std::move(block);
    co_return nullptr;
  }
  if (op == "reschedule") {
    Object& o = object(s, "object", loc);
    if (o.kind != Object::Kind::kTimeout) input_error(loc, "object", "must name a timeout");
    const std::optional<double> delay = optional_seconds(s, "delay");
    // Python: cm.reschedule(loop.time() + delay).
    o.timeout->reschedule(delay ? std::optional<double>(loop_->time() + *delay) : std::nullopt);
    co_return nullptr;
  }
  if (op == "expired") {
    Object& o = object(s, "object", loc);
    if (o.kind != Object::Kind::kTimeout) input_error(loc, "object", "must name a timeout");
    co_return o.timeout->expired();
  }
  if (op == "task_group") {
    TaskGroup group;
    if (s.contains("name")) add(s["name"].get<std::string>(), Object::Kind::kTaskGroup, loc).group = group;
    const Loc inner = loc.child("steps");
    auto run = [this, &s, &f, &inner](TaskGroup&) -> Coro<void> { co_await run_steps(s["steps"], f, inner); };
    Coro<void> block = group.async_with(std::move(run));
    co_await std::move(block);
    co_return nullptr;
  }
  if (op == "tg_create_task") {
    Object& g = object(s, "object", loc);
    if (g.kind != Object::Kind::kTaskGroup) input_error(loc, "object", "must name a task group");
    const std::string coro = s["coro"].get<std::string>();
    const std::string name = s.contains("name") ? s["name"].get<std::string>() : coro;
    Task<json> t = g.group->create_task(body(coro, name), name);
    if (s.contains("name")) add(name, Object::Kind::kTask, loc).future = t;
    co_return nullptr;
  }
  if (op == "run_in_executor") {
    // The job runs on a (simulated) worker thread: it may only post back.
    Future<json> job = loop_->run_in_executor(nullptr, [this, &s]() -> json {
      if (s.contains("threadsafe")) {
        for (const json& cb : s["threadsafe"]) {
          loop_->call_soon_threadsafe([this, name = cb.get<std::string>()] { run_callback(name, json::array()); });
        }
      }
      if (s.contains("raise")) std::rethrow_exception(make_exception(s["raise"]));
      return s.value("result", json());
    });
    json v = co_await job;
    co_return v;
  }
  input_error(loc, "op", absl::StrCat("operation \"", op, "\" cannot run here"));
}

// ---- Synchronization primitives ----

json Interp::sync_primitive_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled) {
  *handled = false;
  if (!s.contains("object")) return nullptr;
  static constexpr const char* kOps[] = {"release", "locked", "set", "clear", "is_set", "notify", "notify_all",
                                         "put_nowait", "get_nowait", "task_done", "qsize", "empty", "full"};
  if (std::none_of(std::begin(kOps), std::end(kOps), [&](const char* k) { return op == k; })) return nullptr;
  *handled = true;
  Object& o = object(s, "object", loc);
  using K = Object::Kind;
  auto wrong = [&]() { input_error(loc, "object", absl::StrCat("\"", op, "\" does not apply to this object")); };
  if (op == "release" || op == "locked") {
    const bool release = op == "release";
    switch (o.kind) {
      case K::kLock: return release ? (o.lock->release(), json()) : json(o.lock->locked());
      case K::kSemaphore: return release ? (o.semaphore->release(), json()) : json(o.semaphore->locked());
      case K::kCondition: return release ? (o.condition->release(), json()) : json(o.condition->locked());
      default: wrong();
    }
  }
  if (o.kind == K::kEvent) {
    if (op == "set") return o.event->set(), nullptr;
    if (op == "clear") return o.event->clear(), nullptr;
    if (op == "is_set") return o.event->is_set();
  }
  if (o.kind == K::kCondition) {
    if (op == "notify") return o.condition->notify(s.value("n", int64_t{1})), nullptr;
    if (op == "notify_all") return o.condition->notify_all(), nullptr;
  }
  if (o.kind == K::kQueue) {
    AnyQueue& q = *o.queue;
    if (op == "put_nowait") return q.put_nowait(s.value("value", json())), nullptr;
    if (op == "get_nowait") return q.get_nowait();
    if (op == "task_done") return q.core().task_done(), nullptr;
    if (op == "qsize") return q.core().qsize();
    if (op == "empty") return q.core().empty();
    if (op == "full") return q.core().full();
  }
  wrong();
  return nullptr;  // not reached: wrong() throws
}

Coro<json> Interp::await_primitive_op(const std::string& op, const json& s, Frame& f, const Loc& loc, bool* handled) {
  *handled = false;
  if (!s.contains("object") || !(op == "acquire" || op == "with" || op == "wait" || op == "put" || op == "get" ||
                                 op == "join")) {
    co_return nullptr;
  }
  Object& o = object(s, "object", loc);
  using K = Object::Kind;
  if (op == "wait" && !(o.kind == K::kEvent || o.kind == K::kCondition)) co_return nullptr;  // asyncio.wait
  *handled = true;
  if (op == "acquire" || op == "with") {
    switch (o.kind) {
      case K::kLock: co_await o.lock->acquire(); break;
      case K::kSemaphore: co_await o.semaphore->acquire(); break;
      case K::kCondition: co_await o.condition->acquire(); break;
      default: input_error(loc, "object", absl::StrCat("\"", op, "\" needs a Lock, Semaphore or Condition"));
    }
    if (op == "acquire") co_return true;
    // async with: release on the way out, whatever happened.
    std::exception_ptr e;
    const Loc inner = loc.child("steps");
    try {
      co_await run_steps(s["steps"], f, inner);
    } catch (...) {
      e = std::current_exception();
    }
    if (o.kind == K::kLock) o.lock->release();
    if (o.kind == K::kSemaphore) o.semaphore->release();
    if (o.kind == K::kCondition) o.condition->release();
    if (e) std::rethrow_exception(e);
    co_return nullptr;
  }
  if (op == "wait") {
    const bool v = o.kind == K::kEvent ? co_await o.event->wait() : co_await o.condition->wait();
    co_return v;
  }
  if (o.kind != K::kQueue) input_error(loc, "object", absl::StrCat("\"", op, "\" needs a queue"));
  if (op == "put") {
    // Named first: g++ 12 may destroy a temporary of a co_await expression twice.
    Coro<void> put = o.queue->put(s.value("value", json()));
    co_await std::move(put);
    co_return nullptr;
  }
  if (op == "get") {
    json v = co_await o.queue->get();
    co_return v;
  }
  co_await o.queue->core().join();
  co_return nullptr;
}

}  // namespace seedloop::scenarios::internal
