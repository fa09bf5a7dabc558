// BaseExceptionGroup / ExceptionGroup: the C++ stand-in for Python 3.11's
// exception groups, as TaskGroup raises them.
//
//   try {
//     co_await task_group([&](TaskGroup& tg) -> Coro<void> { ... });
//   } catch (const ExceptionGroup& eg) {          // every error an Exception
//     for (const std::exception_ptr& e : eg.exceptions()) ...
//   } catch (const BaseExceptionGroup& beg) {     // some KeyboardInterrupt...
//   }
//
// What Python does, and this does:
//   - a group carries a message and a non-empty sequence of exceptions, in
//     the order given (TaskGroup: failure order); an empty one raises
//     ValueError("second argument (exceptions) must be a non-empty
//     sequence") (and, C++ only, so does a null exception_ptr member);
//   - str(group) is "<message> (N sub-exception[s])": message() returns
//     that, describe_exception() prints "ExceptionGroup: unhandled errors in
//     a TaskGroup (2 sub-exceptions)";
//   - BaseExceptionGroup(msg, excs) makes an ExceptionGroup when every
//     member is an Exception: make_exception_group() is that constructor.
//
// C++ form, and why: Python's ExceptionGroup derives from both
// BaseExceptionGroup and Exception. seedloop's BaseException is not a
// virtual base, so a class deriving from both would make `catch (const
// BaseException&)` ambiguous (it would match nothing). Instead:
//   ExceptionGroup     derives from Exception       (`except Exception` catches it)
//   BaseExceptionGroup derives from BaseException   (it does not)
// and both derive from AnyExceptionGroup, which carries the members.
// Python's `except BaseExceptionGroup` (which also catches ExceptionGroup)
// is `catch (const AnyExceptionGroup&)`. `except*`, split() and subgroup()
// have no counterpart.
//
// "Is an Exception" in C++: a seedloop::Exception, or any exception that is
// not a seedloop::BaseException at all (errors.h treats a foreign
// std::exception as an ordinary error). So SystemExit, KeyboardInterrupt,
// CancelledError and BaseExceptionGroup are the non-Exceptions.
//
// Threads: exception objects are immutable once made; share them freely.

#ifndef SEEDLOOP_LOOP_AIO_EXCEPTION_GROUP_H_
#define SEEDLOOP_LOOP_AIO_EXCEPTION_GROUP_H_

#include <exception>
#include <string>
#include <vector>

#include "loop/errors.h"

namespace seedloop {

// The members of either kind of group (Python's BaseExceptionGroup API).
class AnyExceptionGroup {
 public:
  virtual ~AnyExceptionGroup() = default;
  // Python's eg.message: the message without the count.
  const std::string& group_message() const { return group_message_; }
  // Python's eg.exceptions, in the order given.
  const std::vector<std::exception_ptr>& exceptions() const { return exceptions_; }

 protected:
  // Raises ValueError when `exceptions` is empty, as Python does.
  AnyExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions);
  // str(group): "<message> (N sub-exception[s])".
  static std::string str(const std::string& message, size_t count);

 private:
  std::string group_message_;
  std::vector<std::exception_ptr> exceptions_;
};

class BaseExceptionGroup : public BaseException, public AnyExceptionGroup {
 public:
  // Holds the members as given, even if all are Exceptions (use
  // make_exception_group() for Python's choice of class).
  BaseExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions);
  const char* type_name() const override { return "BaseExceptionGroup"; }
};

class ExceptionGroup : public Exception, public AnyExceptionGroup {
 public:
  // Raises TypeError if a member is not an Exception, as Python does.
  ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions);
  const char* type_name() const override { return "ExceptionGroup"; }
};

// Python's BaseExceptionGroup(message, exceptions): an ExceptionGroup when
// every member is an Exception, else a BaseExceptionGroup.
std::exception_ptr make_exception_group(std::string message, std::vector<std::exception_ptr> exceptions);

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_AIO_EXCEPTION_GROUP_H_
