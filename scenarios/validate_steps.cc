// The scenario validator's steps (internal/validate.h): every step of every
// body against the operations' table (internal/op_table.h): where awaiting
// steps may appear, each field's type, the rules that tie a step's fields
// together, nesting and step limits; then the names steps make and use.

#include "scenarios/internal/validate.h"

#include "absl/strings/str_cat.h"
#include "scenarios/internal/messages.h"

namespace seedloop::scenarios::internal {

namespace {

constexpr std::string_view kRaiseTypes[] = {"ValueError", "RuntimeError", "TypeError", "CancelledError",
                                            "TimeoutError"};
constexpr std::string_view kCatchTypes[] = {
    "CancelledError", "TimeoutError", "InvalidStateError", "QueueEmpty",         "QueueFull", "ValueError",
    "RuntimeError",   "TypeError",    "ExceptionGroup",    "BaseExceptionGroup", "Exception", "BaseException"};
constexpr std::string_view kReturnWhen[] = {"ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"};

}  // namespace

absl::Status Validator::bodies() {
  for (Body body : {Body::kCoroutine, Body::kCallback}) {
    const char* section = body == Body::kCoroutine ? "coroutines" : "callbacks";
    const json* all = member(d_, section);
    if (all == nullptr) continue;
    for (auto it = all->begin(); it != all->end(); ++it) {
      SCENARIO_RETURN_IF_ERROR(steps(*it, child(child("", section), it.key()), Context{body, it.key(), 1, false}));
    }
  }
  if (const json* driver = member(d_, "driver")) {
    SCENARIO_RETURN_IF_ERROR(steps(*driver, "/driver", Context{Body::kDriver, "", 1, false}));
  }
  return absl::OkStatus();
}

absl::Status Validator::steps(const json& v, std::string_view pointer, const Context& ctx) {
  if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of steps, got ", shown(v)));
  for (size_t i = 0; i < v.size(); ++i) SCENARIO_RETURN_IF_ERROR(step(v[i], child(pointer, i), ctx));
  return absl::OkStatus();
}

absl::Status Validator::step(const json& v, const std::string& pointer, const Context& ctx) {
  if (++step_count_ > kMaxSteps) return fail(pointer, absl::StrCat("a scenario has at most ", kMaxSteps, " steps"));
  if (ctx.depth > kMaxDepth) return fail(pointer, absl::StrCat("steps nest at most ", kMaxDepth, " deep"));
  if (!v.is_object()) return fail(pointer, absl::StrCat("a step is an object with \"op\", got ", shown(v)));
  const std::string op_pointer = child(pointer, "op");
  const json* op = member(v, "op");
  if (op == nullptr) return fail(op_pointer, "is required");
  if (!op->is_string()) return fail(op_pointer, absl::StrCat("must be a string, got ", shown(*op)));
  const std::string& name = op->get_ref<const std::string&>();
  const OpSpec* spec = find_op(name);
  if (spec == nullptr) {
    return fail(op_pointer, absl::StrCat("unknown operation ", quote(name), suggestion(name, op_names())));
  }
  if (spec->awaits == Awaits::kYes && ctx.body != Body::kCoroutine) {
    return fail(op_pointer,
                absl::StrCat(quote(name), " awaits, so it may appear only in a coroutine, not in ",
                             ctx.body == Body::kDriver ? "the driver" : absl::StrCat("callback ", quote(ctx.name))));
  }
  if (name == "reraise" && !ctx.in_catch) return fail(op_pointer, "reraise may appear only inside a catch clause");
  if ((name == "uncancel" || name == "cancelling") && !v.contains("object") && ctx.body != Body::kCoroutine) {
    return fail(op_pointer, absl::StrCat(quote(name),
                                         " without \"object\" needs a current task, so it may appear "
                                         "only in a coroutine"));
  }
  if (name == "return" && ctx.body == Body::kDriver) {
    return fail(op_pointer, "return may appear only in a coroutine or a callback, not in the driver");
  }
  std::vector<std::string_view> known = {"op", "label"};
  for (const FieldSpec& f : spec->fields) {
    if (f.name != nullptr) known.push_back(f.name);
  }
  SCENARIO_RETURN_IF_ERROR(unknown_field(v, pointer, known, quote(name)));
  if (const json* label = member(v, "label")) SCENARIO_RETURN_IF_ERROR(string(*label, child(pointer, "label")));
  SCENARIO_RETURN_IF_ERROR(op_rules(*spec, v, pointer));
  for (const FieldSpec& f : spec->fields) {
    if (f.name == nullptr) continue;
    const json* value = member(v, f.name);
    if (value != nullptr) {
      SCENARIO_RETURN_IF_ERROR(field(*spec, f, *value, child(pointer, f.name), ctx));
    } else if (f.need == Need::kRequired) {
      return fail(child(pointer, f.name), absl::StrCat("is required by ", quote(name)));
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::op_rules(const OpSpec& spec, const json& v, std::string_view pointer) const {
  const std::string_view op = spec.op;
  auto has = [&](const char* f) { return v.contains(f); };
  if (op == "try") {
    const json* c = member(v, "catch");
    if (!has("finally") && (c == nullptr || (c->is_array() && c->empty()))) {
      return fail(pointer, "try needs a non-empty \"catch\" or a \"finally\"");
    }
  } else if (op == "run_in_executor" && has("result") && has("raise")) {
    return fail(child(pointer, "raise"), "run_in_executor takes \"result\" or \"raise\", not both");
  } else if (op == "await" || op == "run_until_complete") {
    if (has("object") == has("coro")) {
      return fail(pointer, absl::StrCat(av(op), " takes exactly one of \"object\" and \"coro\""));
    }
    if (has("object") && has("name")) return fail(child(pointer, "name"), "goes with \"coro\", not \"object\"");
  } else if (op == "wait") {
    if (has("object") == has("awaitables")) {
      return fail(pointer,
                  "wait takes exactly one of \"awaitables\" (asyncio.wait) and \"object\" (an Event or Condition)");
    }
    for (const char* f : {"timeout", "return_when"}) {
      if (has("object") && has(f)) return fail(child(pointer, f), "goes with \"awaitables\", not \"object\"");
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::field(const OpSpec& spec, const FieldSpec& f, const json& v, const std::string& pointer,
                              const Context& ctx) {
  switch (f.type) {
    case F::kString:
      return string(v, pointer);
    case F::kStringOrNull:
      return v.is_null() ? absl::OkStatus() : string(v, pointer);
    case F::kAny:
      return absl::OkStatus();
    case F::kBool:
      if (v.is_boolean()) return absl::OkStatus();
      return fail(pointer, absl::StrCat("must be true or false, got ", shown(v)));
    case F::kArray:
      if (v.is_array()) return absl::OkStatus();
      return fail(pointer, absl::StrCat("must be an array, got ", shown(v)));
    case F::kSeconds:
      return seconds(v, pointer, Nullable::kNo).status();
    case F::kSecondsOrNull:
      return seconds(v, pointer, Nullable::kYes).status();
    case F::kCount:
      return integer(v, pointer, 1, kMaxRepeat).status();
    case F::kSize:
      return integer(v, pointer, 0, kMaxSize).status();
    case F::kException:
      return exception(v, pointer);
    case F::kCoro:
      return body_ref(v, pointer, "coroutines", "a coroutine");
    case F::kCallback:
      return body_ref(v, pointer, "callbacks", "a callback");
    case F::kCallbackOrNull:
      return v.is_null() ? absl::OkStatus() : body_ref(v, pointer, "callbacks", "a callback");
    case F::kCallbackList:
      if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of callback names, got ", shown(v)));
      for (size_t i = 0; i < v.size(); ++i) {
        SCENARIO_RETURN_IF_ERROR(body_ref(v[i], child(pointer, i), "callbacks", "a callback"));
      }
      return absl::OkStatus();
    case F::kObject:
      return reference(v, pointer, spec.object_kinds, spec.op);
    case F::kObjectList:
      if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of Task or Future names, got ", shown(v)));
      for (size_t i = 0; i < v.size(); ++i) {
        SCENARIO_RETURN_IF_ERROR(reference(v[i], child(pointer, i), kAwaitableKinds, spec.op));
      }
      return absl::OkStatus();
    case F::kMakes:
      return make(v, pointer, static_cast<Kind>(spec.makes));
    case F::kLabel:
      return label(v, pointer);
    case F::kAwaitable:
      return awaitable(v, pointer, spec.op);
    case F::kAwaitableList:
      if (!v.is_array()) return fail(pointer, absl::StrCat("must be an array of awaitables, got ", shown(v)));
      for (size_t i = 0; i < v.size(); ++i) SCENARIO_RETURN_IF_ERROR(awaitable(v[i], child(pointer, i), spec.op));
      return absl::OkStatus();
    case F::kReturnWhen:
      if (v.is_string() && contains(kReturnWhen, v.get<std::string>())) return absl::OkStatus();
      return fail(pointer, absl::StrCat("must be ALL_COMPLETED, FIRST_COMPLETED or FIRST_EXCEPTION, got ", shown(v),
                                        v.is_string() ? suggestion(v.get<std::string>(), kReturnWhen) : ""));
    case F::kFactory:
      if (v.is_null() || v == "logging") return absl::OkStatus();
      return fail(pointer, absl::StrCat("must be \"logging\" or null, got ", shown(v)));
    case F::kSteps:
      return steps(v, pointer, ctx.nested());
    case F::kCatch:
      return catches(v, pointer, ctx);
  }
  return absl::OkStatus();
}

absl::Status Validator::exception(const json& v, std::string_view pointer) const {
  SCENARIO_RETURN_IF_ERROR(object(v, pointer, "an exception {\"type\": T, \"message\": M}"));
  constexpr std::string_view kFields[] = {"type", "message"};
  SCENARIO_RETURN_IF_ERROR(unknown_field(v, pointer, kFields, "an exception"));
  const json* type = member(v, "type");
  if (type == nullptr) return fail(child(pointer, "type"), "is required");
  if (!type->is_string() || !contains(kRaiseTypes, type->get<std::string>())) {
    return fail(child(pointer, "type"),
                absl::StrCat("must be ValueError, RuntimeError, TypeError, CancelledError or TimeoutError, got ",
                             shown(*type), type->is_string() ? suggestion(type->get<std::string>(), kRaiseTypes) : ""));
  }
  if (const json* message = member(v, "message")) return string(*message, child(pointer, "message"));
  return absl::OkStatus();
}

absl::Status Validator::catches(const json& v, std::string_view pointer, const Context& ctx) {
  if (!v.is_array()) {
    return fail(pointer, absl::StrCat("must be an array of {\"type\": T, \"steps\": [...]}, got ", shown(v)));
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string clause = child(pointer, i);
    SCENARIO_RETURN_IF_ERROR(object(v[i], clause, "a catch clause {\"type\": T, \"steps\": [...]}"));
    constexpr std::string_view kFields[] = {"type", "steps"};
    SCENARIO_RETURN_IF_ERROR(unknown_field(v[i], clause, kFields, "a catch clause"));
    const json* type = member(v[i], "type");
    if (type == nullptr) return fail(child(clause, "type"), "is required");
    if (!type->is_string() || !contains(kCatchTypes, type->get<std::string>())) {
      return fail(
          child(clause, "type"),
          absl::StrCat("must be an exception type (ValueError, TimeoutError, ...), Exception or "
                       "BaseException, got ",
                       shown(*type), type->is_string() ? suggestion(type->get<std::string>(), kCatchTypes) : ""));
    }
    const json* body = member(v[i], "steps");
    if (body == nullptr) return fail(child(clause, "steps"), "is required");
    Context inner = ctx.nested();
    inner.in_catch = true;
    SCENARIO_RETURN_IF_ERROR(steps(*body, child(clause, "steps"), inner));
  }
  return absl::OkStatus();
}

absl::Status Validator::awaitable(const json& v, const std::string& pointer, std::string_view op) {
  if (v.is_string()) return reference(v, pointer, kAwaitableKinds, op);
  if (!v.is_object()) {
    return fail(pointer, absl::StrCat("must be a Task or Future name or {\"coro\": C, \"name\": N}, got ", shown(v)));
  }
  constexpr std::string_view kFields[] = {"coro", "name"};
  SCENARIO_RETURN_IF_ERROR(unknown_field(v, pointer, kFields, "an awaitable"));
  const json* coro = member(v, "coro");
  if (coro == nullptr) return fail(child(pointer, "coro"), "is required");
  SCENARIO_RETURN_IF_ERROR(body_ref(*coro, child(pointer, "coro"), "coroutines", "a coroutine"));
  if (const json* name = member(v, "name")) return label(*name, child(pointer, "name"));
  return absl::OkStatus();
}

// ------------------------------------------------------------- names

absl::Status Validator::reference(const json& v, const std::string& pointer, uint32_t kinds, std::string_view op) {
  if (!v.is_string()) {
    return fail(pointer, absl::StrCat("must be the name of ", kind_words(kinds), ", got ", shown(v)));
  }
  refs_.push_back({pointer, v.get<std::string>(), kinds, op});
  return absl::OkStatus();
}

absl::Status Validator::label(const json& v, const std::string& pointer) const {
  if (v.is_string() && is_entity_name(v.get_ref<const std::string&>())) return absl::OkStatus();
  return fail(pointer, absl::StrCat("must be a name matching ", kEntityNamePattern, ", got ", shown(v)));
}

absl::Status Validator::make(const json& v, const std::string& pointer, Kind kind) {
  SCENARIO_RETURN_IF_ERROR(label(v, pointer));
  const std::string& name = v.get_ref<const std::string&>();
  if (auto it = names_.find(name); it != names_.end()) {
    return fail(pointer, absl::StrCat(quote(name), " is already taken (", field_name(it->second.pointer), ", line ",
                                      line_of(s_, it->second.pointer).value_or(0), ")"));
  }
  const char* type = kind == kTask      ? "Task"
                     : kind == kFuture  ? "Future"
                     : kind == kHandle  ? "handle"
                     : kind == kTimeout ? "timeout"
                                        : "task group";
  names_.emplace(name, NameInfo{kind, type, pointer});
  return absl::OkStatus();
}

absl::StatusOr<const NameInfo*> Validator::lookup(const std::string& name, std::string_view pointer) const {
  if (auto it = names_.find(name); it != names_.end()) return &it->second;
  std::vector<std::string_view> known;
  for (const auto& [n, info] : names_) known.push_back(n);
  return fail(pointer, absl::StrCat(quote(name), " is not an object or a name a step makes", suggestion(name, known)));
}

absl::Status Validator::resolve() const {
  for (const Reference& ref : refs_) {
    absl::StatusOr<const NameInfo*> info = lookup(ref.name, ref.pointer);
    if (!info.ok()) return info.status();
    if (((*info)->kind & ref.kinds) != 0) continue;
    if (ref.op == "cancel" && (*info)->kind == kHandle) {
      return fail(ref.pointer, absl::StrCat(quote(ref.name), " is a handle: use cancel_handle"));
    }
    return fail(ref.pointer, absl::StrCat(quote(ref.name), " is ", with_article((*info)->type), ", but ", av(ref.op),
                                          " needs ", kind_words(ref.kinds)));
  }
  return absl::OkStatus();
}

}  // namespace seedloop::scenarios::internal
