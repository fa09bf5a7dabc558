// ExceptionContext: the `context` dict asyncio passes to exception handlers.
//
// asyncio's keys become fields: message, exception, future, task, handle;
// any other key (asyncio's "context" of a failing handler, "asyncgen", ...)
// goes into `extra`, as text. Messages are CPython's (asyncio-semantics
// item 21): "Exception in callback ...", "Future exception was never
// retrieved", "Task exception was never retrieved", "Task was destroyed but
// it is pending!", "Unhandled error in exception handler", and "Executing
// ... took N seconds" for slow callbacks in debug mode.
//
// Lifetimes: `future` and `task` are valid only during the handler call
// (they may be reported from the object's own destruction); `handle` holds a
// reference.

#ifndef SEEDLOOP_LOOP_EXCEPTION_CONTEXT_H_
#define SEEDLOOP_LOOP_EXCEPTION_CONTEXT_H_

#include <exception>
#include <functional>
#include <map>
#include <string>

#include "loop/handle.h"

namespace seedloop {

class EventLoop;
class FutureBase;
class TaskBase;

struct ExceptionContext {
  std::string message;
  std::exception_ptr exception;
  FutureBase* future = nullptr;
  TaskBase* task = nullptr;
  Handle handle;
  std::map<std::string, std::string> extra;
};

// A custom handler, called as handler(loop, context).
using ExceptionHandler = std::function<void(EventLoop&, const ExceptionContext&)>;

// The text asyncio's default handler logs (base_events.
// default_exception_handler): the message (or "Unhandled exception in event
// loop" when empty), then one "key: value" line per other key, sorted by
// key, then the exception as "Exception: <type>: <message>".
std::string format_exception_context(const ExceptionContext& context);

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_EXCEPTION_CONTEXT_H_
