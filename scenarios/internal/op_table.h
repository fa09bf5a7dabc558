// The scenario language's vocabulary, as the validator checks it
// (internal/validate.h): what a name may denote (Kind), and for each
// operation of README "Steps" whether it awaits, the fields it takes with
// their types, the kinds its `object` accepts and the kind of name it makes.
// Not an API. The table is constant data in README order; read it from any
// thread.

#ifndef SEEDLOOP_SCENARIOS_INTERNAL_OP_TABLE_H_
#define SEEDLOOP_SCENARIOS_INTERNAL_OP_TABLE_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace seedloop::scenarios::internal {

// What a name denotes: an object's declared type, or the kind of the step
// that made it. One bit each, so an op's acceptable kinds are a mask.
enum Kind : uint32_t {
  kFuture = 1u << 0,
  kTask = 1u << 1,
  kHandle = 1u << 2,
  kTimeout = 1u << 3,
  kTaskGroup = 1u << 4,
  kQueue = 1u << 5,
  kLock = 1u << 6,
  kEvent = 1u << 7,
  kSemaphore = 1u << 8,
  kCondition = 1u << 9,
};
inline constexpr uint32_t kAwaitableKinds = kFuture | kTask;
inline constexpr uint32_t kLockKinds = kLock | kSemaphore | kCondition;
inline constexpr uint32_t kStateKinds = ~uint32_t{kTimeout | kTaskGroup};  // README "State"

// A mask of kinds in words, for messages: "a Task or Future", ...
const char* kind_words(uint32_t kinds);

// The type of a step's field.
enum class F {
  kString,          // a string
  kStringOrNull,    // a string or null
  kAny,             // any JSON value
  kBool,            // true or false
  kArray,           // an array of any values
  kSeconds,         // 0..604800 (a week)
  kSecondsOrNull,   // 0..604800 or null
  kCount,           // 1..kMaxRepeat
  kSize,            // 0..1,000,000
  kException,       // {"type", "message"}
  kCoro,            // a coroutine's name
  kCallback,        // a callback's name
  kCallbackOrNull,  // a callback's name or null
  kCallbackList,    // an array of callback names
  kObject,          // a name of the op's object_kinds
  kObjectList,      // an array of names of Tasks or Futures
  kMakes,           // a name the step makes, of the op's `makes` kind
  kLabel,           // an instance's name that joins no namespace
  kAwaitable,       // a Task or Future name, or {"coro", "name"}
  kAwaitableList,   // an array of awaitables
  kReturnWhen,      // asyncio.wait's return_when
  kFactory,         // "logging" or null
  kSteps,           // a nested step list
  kCatch,           // try's catch clauses
};

enum class Need { kOptional, kRequired };

struct FieldSpec {
  const char* name = nullptr;  // nullptr: an unused slot of OpSpec::fields
  F type = F::kAny;
  Need need = Need::kOptional;
};

enum class Awaits { kNo, kYes };

struct OpSpec {
  const char* op;
  Awaits awaits;
  FieldSpec fields[4];
  uint32_t object_kinds = 0;  // what F::kObject accepts
  uint32_t makes = 0;         // the kind F::kMakes makes
};

// The operation named op, or nullptr.
const OpSpec* find_op(std::string_view op);

// Every operation's name, in README order (for suggestions).
std::vector<std::string_view> op_names();

}  // namespace seedloop::scenarios::internal

#endif  // SEEDLOOP_SCENARIOS_INTERNAL_OP_TABLE_H_
