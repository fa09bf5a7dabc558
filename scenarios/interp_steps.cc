// Running step lists: control flow (log, return, raise, reraise, repeat,
// try), reporting, and the events they write (scenarios/README.md "The
// trace").

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "loop/aio/timeout.h"
#include "loop/errors.h"
#include "loop/observer.h"
#include "scenarios/internal/interp.h"
#include "scenarios/text.h"
#include "sim/world.h"

namespace seedloop::scenarios::internal {

namespace {

// Exceptions that are not the program's: the harness unwinding a run
// (sim::SimulationStop, sim::SimulationQuiescent) or bad input (InputError).
// They are never reported, caught by a scenario's `catch`, or traced.
bool is_unwind(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception&) {
    return false;
  } catch (...) {
    return true;
  }
}

const std::string* string_field(const json& s, const char* key) {
  auto it = s.find(key);
  return it != s.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// OP[ SUBJECT], or the label.
std::string step_name(const json& s) {
  if (const std::string* label = string_field(s, "label")) return *label;
  std::string out = s["op"].get<std::string>();
  for (const char* key : {"object", "name", "callback", "coro"}) {
    if (const std::string* subject = string_field(s, key)) {
      absl::StrAppend(&out, " ", *subject);
      break;
    }
  }
  return out;
}

}  // namespace

std::string Loc::pointer() const {
  if (parent == nullptr) return "";
  std::string token = key.empty() ? std::to_string(index)
                                  : absl::StrReplaceAll(std::string(key), {{"~", "~0"}, {"/", "~1"}});
  return absl::StrCat(parent->pointer(), "/", token);
}

void Interp::emit(std::string text) {
  const uint64_t index = events.size();
  const int64_t now = loop_->time_ns();
  loop_->emit(LoopEventKind::kAnnotation, index, 0, text);
  events.push_back(ScenarioEvent{now, std::move(text)});
}

void Interp::input_error(const Loc& loc, std::string_view field, std::string problem) {
  if (error.ok()) {
    std::string pointer = loc.pointer();
    if (!field.empty()) absl::StrAppend(&pointer, "/", std::string(field));
    error = absl::InvalidArgumentError(absl::StrCat(sc_.where(pointer), ": ", problem));
  }
  throw InputError{};
}

Coro<json> Interp::body(std::string coro, std::string actor, Adopt adopt) {
  Frame f;
  f.actor = std::move(actor);
  const Loc root;
  const Loc coroutines = root.child("coroutines");
  const Loc here = coroutines.child(coro);
  if (adopt != Adopt::kNone) {
    if (TaskBase* task = seedloop::current_task(loop_.get()); task != nullptr) {
      task->set_name(f.actor);
      if (adopt == Adopt::kRegister) {
        add(f.actor, Object::Kind::kTask, here).future = Future<json>(seedloop::internal::Ref<FutureBase>(task));
      }
    }
  }
  co_await run_steps(sc_.doc["coroutines"][coro], f, here);
  co_return f.returned ? std::move(f.value) : json();
}

void Interp::run_now(Coro<void> steps) {
  CoroFrame frame(std::move(steps));
  frame.handle().resume();
  if (!frame.handle().done()) {
    // The validator keeps awaiting steps out of callbacks and the driver.
    throw RuntimeError("scenario interpreter: a callback's steps suspended");
  }
  if (frame.promise()->exception) std::rethrow_exception(frame.promise()->exception);
}

void Interp::run_callback(const std::string& name, const json& args) {
  Frame f;
  f.actor = name;
  f.args = args;
  const Loc root;
  const Loc callbacks = root.child("callbacks");
  const Loc here = callbacks.child(name);
  run_now(run_steps(sc_.doc["callbacks"][name], f, here));
}

namespace {

// try/catch/finally, as Python runs it: the first matching clause handles
// the exception; `finally` always runs; an exception or a `return` in
// `finally` replaces what was in flight.
Coro<void> run_try(Interp& in, const json& s, Frame& f, const Loc& here) {
  std::exception_ptr e;
  const Loc body = here.child("steps");
  try {
    co_await in.run_steps(s["steps"], f, body);
  } catch (...) {
    e = std::current_exception();
  }
  if (e && !is_unwind(e) && s.contains("catch")) {
    const json& clauses = s["catch"];
    const Loc catches = here.child("catch");
    for (size_t k = 0; k < clauses.size(); ++k) {
      if (!exception_matches(e, clauses[k]["type"].get<std::string>())) continue;
      const Loc clause = catches.at(k);
      const Loc steps = clause.child("steps");
      std::exception_ptr outer = std::exchange(f.handling, e);
      std::exception_ptr raised;
      try {
        co_await in.run_steps(clauses[k]["steps"], f, steps);
      } catch (...) {
        raised = std::current_exception();
      }
      f.handling = outer;
      e = raised;
      break;
    }
  }
  if (s.contains("finally") && !(e && is_unwind(e))) {
    const bool returned = std::exchange(f.returned, false);
    const Loc fin = here.child("finally");
    std::exception_ptr raised;
    try {
      co_await in.run_steps(s["finally"], f, fin);
    } catch (...) {
      raised = std::current_exception();
    }
    if (raised) {
      e = raised;
    } else if (f.returned) {
      e = nullptr;  // `return` in finally drops the exception in flight
    }
    f.returned = f.returned || returned;
  }
  if (e) std::rethrow_exception(e);
}

// The steps that may suspend (README: **await**), when run by a task.
bool is_awaiting_step(const std::string& op) {
  static constexpr const char* kAwaiting[] = {"sleep",      "await",   "wait_for", "shield",     "gather", "wait",
                                              "timeout",    "timeout_at", "task_group", "run_in_executor",
                                              "acquire",    "with",    "put",      "get",        "join"};
  for (const char* a : kAwaiting) {
    if (op == a) return true;
  }
  return false;
}

std::string log_text(const Frame& f, const json& s) {
  std::string msg = s["msg"].get<std::string>();
  if (msg.find("{args}") != std::string::npos) msg = absl::StrReplaceAll(msg, {{"{args}", value_text(f.args)}});
  return absl::StrCat(f.actor, ": ", msg);
}

}  // namespace

void Interp::at_suspension_point(const json& s, const Frame& f, const Loc& loc) {
  if (!is_awaiting_step(s["op"].get_ref<const std::string&>())) return;
  TaskBase* task = seedloop::current_task(loop_.get());
  if (task == nullptr) return;
  const uint64_t index = points.size();
  points.push_back(sc_.where(loc.pointer()));
  bool inject = false;
  if (inject_.mode == CancelInjection::Mode::kAt) {
    inject = index == inject_.at;
  } else if (inject_.mode == CancelInjection::Mode::kRandom) {
    if (sim::World* world = sim::world_of(*loop_); world != nullptr) {
      inject = world->choose_injection(std::max<uint32_t>(1, inject_.one_in)) == 0;
    }
  }
  if (!inject) return;
  if (inject_.action == CancelInjection::Action::kExpireTimeout) {
    if (!expire_innermost_timeout(*task)) {
      not_applicable.push_back(points.back());
      return;
    }
    injected.push_back(points.back());
    emit(absl::StrCat(f.actor, " timeout expiry injected"));
    return;
  }
  injected.push_back(points.back());
  emit(absl::StrCat(f.actor, " cancel injected"));
  task->cancel();
}

Coro<void> Interp::run_steps(const json& steps, Frame& f, const Loc& loc) {
  for (size_t i = 0; i < steps.size() && !f.returned; ++i) {
    const json& s = steps[i];
    const Loc here = loc.at(i);
    const std::string& op = s["op"].get_ref<const std::string&>();
    if (op == "log") {
      emit(log_text(f, s));
    } else if (op == "return") {
      f.returned = true;
      f.value = s.contains("value") ? s["value"] : json();
    } else if (op == "raise") {
      std::rethrow_exception(make_exception(s["exception"]));
    } else if (op == "reraise") {
      if (!f.handling) input_error(here, "op", "reraise outside a catch body");
      std::rethrow_exception(f.handling);
    } else if (op == "repeat") {
      const int64_t count = s["count"].get<int64_t>();
      const Loc inner = here.child("steps");
      for (int64_t k = 0; k < count && !f.returned; ++k) co_await run_steps(s["steps"], f, inner);
    } else if (op == "try") {
      co_await run_try(*this, s, f, here);
    } else {
      if (inject_.mode != CancelInjection::Mode::kNone) at_suspension_point(s, f, here);
      json value;
      std::exception_ptr e;
      try {
        value = co_await op_value(s, f, here);
      } catch (...) {
        e = std::current_exception();
      }
      if (e && is_unwind(e)) std::rethrow_exception(e);
      emit(absl::StrCat(f.actor, " ", step_name(s), e ? " !> " : " -> ", e ? exception_text(e) : value_text(value)));
      if (e) std::rethrow_exception(e);
    }
  }
}

}  // namespace seedloop::scenarios::internal
