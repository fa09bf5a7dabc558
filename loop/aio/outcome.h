// Outcome<T>: a child's result or the exception it raised.
//
// What gather(return_exceptions, ...) yields per child, where Python's list
// holds either the result or the exception object.
//
//   for (const Outcome<int>& o : co_await gather(return_exceptions, tasks))
//     if (o.has_value()) use(o.value()); else log(describe_exception(o.exception()));

#ifndef SEEDLOOP_LOOP_AIO_OUTCOME_H_
#define SEEDLOOP_LOOP_AIO_OUTCOME_H_

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace seedloop {

template <typename T>
class Outcome {
 public:
  using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  static Outcome value(Value v) {
    Outcome o;
    o.value_.emplace(std::move(v));
    return o;
  }
  static Outcome error(std::exception_ptr e) {
    Outcome o;
    o.error_ = std::move(e);
    return o;
  }

  bool has_value() const { return value_.has_value(); }
  // The value; rethrows the exception when there is none.
  const Value& value() const {
    if (!value_) std::rethrow_exception(error_);
    return *value_;
  }
  // Moves the value out; rethrows the exception when there is none.
  Value take() && {
    if (!value_) std::rethrow_exception(error_);
    return std::move(*value_);
  }
  // The exception, or null when the child succeeded.
  const std::exception_ptr& exception() const { return error_; }

 private:
  Outcome() = default;
  std::optional<Value> value_;
  std::exception_ptr error_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_OUTCOME_H_
