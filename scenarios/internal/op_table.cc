// The operations' table (internal/op_table.h): README "Steps", in its order,
// and the kinds of names in words.

#include "scenarios/internal/op_table.h"

namespace seedloop::scenarios::internal {

namespace {

constexpr Need kRequired = Need::kRequired;
constexpr Awaits kPlain = Awaits::kNo;
constexpr Awaits kAwait = Awaits::kYes;

struct KindWords {
  uint32_t kinds;
  const char* words;
};
constexpr KindWords kKindWords[] = {
    {kAwaitableKinds, "a Task or Future"},
    {kTask, "a Task"},
    {kHandle, "a handle (made by call_soon, call_later, call_at, call_soon_threadsafe)"},
    {kTimeout, "a timeout (made by timeout, timeout_at)"},
    {kTaskGroup, "a task group"},
    {kQueue, "a Queue, LifoQueue or PriorityQueue"},
    {kLockKinds, "a Lock, Semaphore, BoundedSemaphore or Condition"},
    {kEvent, "an Event"},
    {kEvent | kCondition, "an Event or Condition"},
    {kCondition, "a Condition"},
    {kStateKinds, "an object with a State"},
};

constexpr FieldSpec kObjectRequired = {"object", F::kObject, kRequired};
constexpr FieldSpec kCallbackField = {"callback", F::kCallback, kRequired};
constexpr FieldSpec kArgs = {"args", F::kArray};
constexpr FieldSpec kMakesName = {"name", F::kMakes};
constexpr FieldSpec kStepsField = {"steps", F::kSteps, kRequired};

constexpr OpSpec kOps[] = {
    // Logging and control.
    {"log", kPlain, {{"msg", F::kString, kRequired}}},
    {"return", kPlain, {{"value", F::kAny}}},
    {"raise", kPlain, {{"exception", F::kException, kRequired}}},
    {"reraise", kPlain, {}},
    {"try", kPlain, {kStepsField, {"catch", F::kCatch}, {"finally", F::kSteps}}},
    {"repeat", kPlain, {{"count", F::kCount, kRequired}, kStepsField}},
    // The loop.
    {"call_soon", kPlain, {kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"call_later", kPlain, {{"delay", F::kSeconds, kRequired}, kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"call_at", kPlain, {{"when", F::kSeconds, kRequired}, kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"call_soon_threadsafe", kPlain, {kCallbackField, kArgs, kMakesName}, 0, kHandle},
    {"cancel_handle", kPlain, {kObjectRequired}, kHandle},
    {"time", kPlain, {}},
    {"create_task", kPlain, {{"coro", F::kCoro, kRequired}, kMakesName}, 0, kTask},
    {"create_future", kPlain, {{"name", F::kMakes, kRequired}}, 0, kFuture},
    {"run_in_executor", kAwait, {{"result", F::kAny}, {"raise", F::kException}, {"threadsafe", F::kCallbackList}}},
    {"stop", kPlain, {}},
    {"close", kPlain, {}},
    {"run_forever", kPlain, {}},
    {"run_until_complete", kPlain, {{"coro", F::kCoro}, kMakesName, {"object", F::kObject}}, kAwaitableKinds, kTask},
    {"is_running", kPlain, {}},
    {"is_closed", kPlain, {}},
    {"set_exception_handler", kPlain, {{"callback", F::kCallbackOrNull, kRequired}}},
    {"set_task_factory", kPlain, {{"factory", F::kFactory, kRequired}}},
    // Futures and tasks.
    {"await", kAwait, {{"object", F::kObject}, {"coro", F::kCoro}, {"name", F::kLabel}}, kAwaitableKinds},
    {"set_result", kPlain, {kObjectRequired, {"value", F::kAny, kRequired}}, kAwaitableKinds},
    {"set_exception", kPlain, {kObjectRequired, {"exception", F::kException, kRequired}}, kAwaitableKinds},
    {"cancel", kPlain, {kObjectRequired, {"msg", F::kStringOrNull}}, kAwaitableKinds},
    {"uncancel", kPlain, {{"object", F::kObject}}, kTask},
    {"cancelling", kPlain, {{"object", F::kObject}}, kTask},
    {"done", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"cancelled", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"result", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"exception", kPlain, {kObjectRequired}, kAwaitableKinds},
    {"state", kPlain, {kObjectRequired}, kStateKinds},
    // asyncio functions.
    {"sleep", kAwait, {{"delay", F::kSeconds, kRequired}, {"result", F::kAny}}},
    {"wait_for", kAwait, {{"awaitable", F::kAwaitable, kRequired}, {"timeout", F::kSecondsOrNull, kRequired}}},
    {"shield", kAwait, {{"awaitable", F::kAwaitable, kRequired}}},
    {"gather", kAwait, {{"awaitables", F::kAwaitableList, kRequired}, {"return_exceptions", F::kBool}}},
    {"wait",
     kAwait,
     {{"awaitables", F::kObjectList},
      {"timeout", F::kSecondsOrNull},
      {"return_when", F::kReturnWhen},
      {"object", F::kObject}},
     kEvent | kCondition},
    {"timeout", kAwait, {{"delay", F::kSecondsOrNull, kRequired}, kMakesName, kStepsField}, 0, kTimeout},
    {"timeout_at", kAwait, {{"when", F::kSecondsOrNull, kRequired}, kMakesName, kStepsField}, 0, kTimeout},
    {"reschedule", kPlain, {kObjectRequired, {"delay", F::kSecondsOrNull, kRequired}}, kTimeout},
    {"expired", kPlain, {kObjectRequired}, kTimeout},
    {"task_group", kAwait, {kMakesName, kStepsField}, 0, kTaskGroup},
    {"tg_create_task", kPlain, {kObjectRequired, {"coro", F::kCoro, kRequired}, kMakesName}, kTaskGroup, kTask},
    {"current_task", kPlain, {}},
    // Synchronization primitives.
    {"acquire", kAwait, {kObjectRequired}, kLockKinds},
    {"release", kPlain, {kObjectRequired}, kLockKinds},
    {"locked", kPlain, {kObjectRequired}, kLockKinds},
    {"with", kAwait, {kObjectRequired, kStepsField}, kLockKinds},
    {"set", kPlain, {kObjectRequired}, kEvent},
    {"clear", kPlain, {kObjectRequired}, kEvent},
    {"is_set", kPlain, {kObjectRequired}, kEvent},
    {"notify", kPlain, {kObjectRequired, {"n", F::kSize}}, kCondition},
    {"notify_all", kPlain, {kObjectRequired}, kCondition},
    {"put", kAwait, {kObjectRequired, {"value", F::kAny, kRequired}}, kQueue},
    {"put_nowait", kPlain, {kObjectRequired, {"value", F::kAny, kRequired}}, kQueue},
    {"get", kAwait, {kObjectRequired}, kQueue},
    {"get_nowait", kPlain, {kObjectRequired}, kQueue},
    {"task_done", kPlain, {kObjectRequired}, kQueue},
    {"join", kAwait, {kObjectRequired}, kQueue},
    {"qsize", kPlain, {kObjectRequired}, kQueue},
    {"empty", kPlain, {kObjectRequired}, kQueue},
    {"full", kPlain, {kObjectRequired}, kQueue},
};

}  // namespace

const char* kind_words(uint32_t kinds) {
  for (const KindWords& k : kKindWords) {
    if (k.kinds == kinds) return k.words;
  }
  return "another kind of object";
}

const OpSpec* find_op(std::string_view op) {
  for (const OpSpec& spec : kOps) {
    if (op == spec.op) return &spec;
  }
  return nullptr;
}

std::vector<std::string_view> op_names() {
  std::vector<std::string_view> names;
  for (const OpSpec& spec : kOps) names.push_back(spec.op);
  return names;
}

}  // namespace seedloop::scenarios::internal
