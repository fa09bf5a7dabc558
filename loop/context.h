// Context variables: Python's contextvars, as asyncio uses them.
//
// A Context maps ContextVars to values. Exactly one context is "entered" on
// a thread at a time; ContextVar::get/set act on it. Outside any entered
// context, a thread has a base context of its own.
//
// asyncio's use, which the loop reproduces (asyncio-semantics item 57):
//   - call_soon / call_later / call_at capture copy_context() when no
//     `context` is given and run the callback inside that copy, so a variable
//     the callback sets is gone afterwards;
//   - a Task runs every step in one context: a copy taken at create_task, or
//     exactly the Context passed as `context`, which then sees the changes;
//   - a done callback runs in the context captured when it was added.
//
// Context is a reference type, like Python's: copies of a Context object
// share one mapping; copy_context() makes an independent one. Values are
// immutable snapshots, so copying is O(1).
//
// Threads: a Context may be handed to another thread, but may be entered on
// one thread at a time (entering an entered context raises RuntimeError, as
// Python's Context.run does).

#ifndef SEEDLOOP_LOOP_CONTEXT_H_
#define SEEDLOOP_LOOP_CONTEXT_H_

#include <any>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "loop/errors.h"

namespace seedloop {

// Python's LookupError, raised by ContextVar::get when there is no value.
class LookupError : public Exception {
 public:
  using Exception::Exception;
  const char* type_name() const override { return "LookupError"; }
};

namespace internal {

// Immutable variable map; ContextVar ids are creation-ordered integers.
using VarMap = std::map<uint64_t, std::any>;
using VarSnapshot = std::shared_ptr<const VarMap>;

struct ContextData {
  VarSnapshot vars;  // null means empty
  bool entered = false;
};

// The context entered on this thread (the thread's base context if none).
ContextData& current_context_data();

// Which context a scheduled callback runs in: a fresh copy of `snapshot`
// (the default: asyncio's copy_context() at scheduling time), or exactly the
// context `data` (a Task's context, or a `context` argument), which `owner`
// keeps alive when it is shared.
struct ContextBinding {
  VarSnapshot snapshot;
  ContextData* data = nullptr;
  std::shared_ptr<ContextData> owner;

  // Binds to a copy of the current context.
  static ContextBinding current() {
    ContextBinding b;
    b.snapshot = current_context_data().vars;
    return b;
  }
};

// Enters `data` for the lifetime of the scope. Raises RuntimeError if `data`
// is already entered.
class ContextScope {
 public:
  explicit ContextScope(ContextData* data);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  ContextData* data_;
  ContextData* previous_;
};

uint64_t next_context_var_id();

}  // namespace internal

class Context {
 public:
  // A new, empty context (Python's contextvars.Context()).
  Context() : data_(std::make_shared<internal::ContextData>()) {}

  // Runs fn() with this context entered and returns its result.
  template <typename F>
  decltype(auto) run(F&& fn) {
    internal::ContextScope scope(data_.get());
    return std::forward<F>(fn)();
  }

  // Number of variables with a value in this context.
  size_t size() const { return data_->vars ? data_->vars->size() : 0; }

  // Identity, as Python's `is`.
  bool operator==(const Context& other) const { return data_ == other.data_; }

  // The loop's plumbing.
  internal::ContextData* data() const { return data_.get(); }
  const std::shared_ptr<internal::ContextData>& shared_data() const { return data_; }

 private:
  friend Context copy_context();
  explicit Context(std::shared_ptr<internal::ContextData> data) : data_(std::move(data)) {}
  std::shared_ptr<internal::ContextData> data_;
};

// Python's contextvars.copy_context(): a new Context with the current
// context's values.
Context copy_context();

template <typename T>
class ContextVar {
 public:
  // A token from set(), for reset() (Python's contextvars.Token).
  struct Token {
    uint64_t var_id;
    std::optional<T> old_value;
    bool used = false;
  };

  explicit ContextVar(std::string name, std::optional<T> default_value = std::nullopt)
      : name_(std::move(name)),
        default_(std::move(default_value)),
        id_(internal::next_context_var_id()) {}

  const std::string& name() const { return name_; }

  // The value in the current context, else the default, else LookupError.
  T get() const {
    if (const T* v = find()) return *v;
    if (default_) return *default_;
    throw LookupError("<ContextVar name='" + name_ + "'>");
  }
  // The value in the current context, else `fallback`.
  T get(T fallback) const {
    if (const T* v = find()) return *v;
    return fallback;
  }

  Token set(T value) {
    Token token{id_, std::nullopt};
    if (const T* v = find()) token.old_value = *v;
    write(std::any(std::move(value)));
    return token;
  }

  // Restores the value the variable had before the set() that made `token`.
  void reset(Token& token) {
    if (token.var_id != id_) throw ValueError("Token was created by a different ContextVar");
    if (token.used) throw RuntimeError("Token has already been used once");
    token.used = true;
    if (token.old_value) {
      write(std::any(*token.old_value));
    } else {
      write(std::any());
    }
  }

 private:
  const T* find() const {
    const internal::ContextData& ctx = internal::current_context_data();
    if (!ctx.vars) return nullptr;
    auto it = ctx.vars->find(id_);
    if (it == ctx.vars->end()) return nullptr;
    return std::any_cast<T>(&it->second);
  }
  // Copy-on-write: an empty `value` erases the variable.
  void write(std::any value) {
    internal::ContextData& ctx = internal::current_context_data();
    auto next = ctx.vars ? std::make_shared<internal::VarMap>(*ctx.vars)
                         : std::make_shared<internal::VarMap>();
    if (value.has_value()) {
      (*next)[id_] = std::move(value);
    } else {
      next->erase(id_);
    }
    ctx.vars = std::move(next);
  }

  std::string name_;
  std::optional<T> default_;
  uint64_t id_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_CONTEXT_H_
