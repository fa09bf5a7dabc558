#include "loop/net/stale_unix_socket.h"

#include <cerrno>

#include "absl/status/statusor.h"
#include "loop/exception_context.h"
#include "loop/net/status_error.h"

namespace seedloop::internal {

void remove_stale_unix_socket(EventLoop& loop, const std::string& path) {
  if (path.empty() || path[0] == '\0') return;  // an abstract name has no file
  SocketOps& ops = loop.socket_ops();
  absl::Status failed;
  absl::StatusOr<FileStat> stat = ops.stat(path);
  if (!stat.ok()) {
    failed = stat.status();
  } else if (stat->type == FileType::kSocket) {
    failed = ops.unlink(path);
  }
  if (failed.ok() || errno_of(failed) == ENOENT) return;  // FileNotFoundError: nothing to remove
  ExceptionContext context;
  context.message = "Unable to check or remove stale UNIX socket '" + path + "'";
  context.exception = exception_from_status(failed);
  loop.call_exception_handler(context);
}

}  // namespace seedloop::internal
