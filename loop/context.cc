#include "loop/context.h"

#include <atomic>

#include "absl/base/attributes.h"

#include "loop/internal/thread_state.h"

namespace seedloop {
namespace internal {

namespace {
// ContextVar ids only identify variables; they are never used to order
// anything a user observes.
ABSL_CONST_INIT std::atomic<uint64_t> g_next_var_id{1};
}  // namespace

uint64_t next_context_var_id() { return g_next_var_id.fetch_add(1, std::memory_order_relaxed); }

ContextData& current_context_data() {
  ThreadState& ts = thread_state();
  if (ts.context != nullptr) return *ts.context;
  if (!ts.base_context) ts.base_context = std::make_unique<ContextData>();
  return *ts.base_context;
}

ContextScope::ContextScope(ContextData* data) : data_(data) {
  if (data_->entered) {
    // CPython: Context.run -> "cannot enter context: <Context ...> is already entered"
    throw RuntimeError("cannot enter context: <Context object> is already entered");
  }
  data_->entered = true;
  ThreadState& ts = thread_state();
  previous_ = ts.context;
  ts.context = data_;
}

ContextScope::~ContextScope() {
  data_->entered = false;
  thread_state().context = previous_;
}

}  // namespace internal

Context copy_context() {
  auto data = std::make_shared<internal::ContextData>();
  data->vars = internal::current_context_data().vars;
  return Context(std::move(data));
}

}  // namespace seedloop
