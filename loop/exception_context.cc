#include "loop/exception_context.h"

#include "absl/strings/str_cat.h"
#include "loop/future.h"
#include "loop/task.h"

namespace seedloop {

std::string format_exception_context(const ExceptionContext& context) {
  std::string out = context.message.empty() ? "Unhandled exception in event loop" : context.message;
  std::map<std::string, std::string> lines = context.extra;
  if (context.future != nullptr) lines["future"] = context.future->repr();
  if (context.task != nullptr) lines["task"] = context.task->repr();
  if (context.handle) lines["handle"] = context.handle.repr();
  for (const auto& [key, value] : lines) absl::StrAppend(&out, "\n", key, ": ", value);
  if (context.exception) absl::StrAppend(&out, "\nException: ", describe_exception(context.exception));
  return out;
}

}  // namespace seedloop
