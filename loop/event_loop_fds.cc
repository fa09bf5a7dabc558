// EventLoop: watching file descriptors (add_reader / add_writer).

#include "loop/event_loop.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"

namespace seedloop {

namespace {
// selectors._fileobj_to_fd: "Invalid file descriptor: -1".
void check_fd(int fd) {
  if (fd < 0) throw ValueError(absl::StrFormat("Invalid file descriptor: %d", fd));
}

// Python's OSError text, "[Errno 9] Bad file descriptor", when the poller
// says which errno (with_errno); otherwise the poller's own message, as
// ValueError for a rejected argument (select's "filedescriptor out of range
// in select()", as Python's select.select raises it).
[[noreturn]] void raise_poller_error(const absl::Status& status) {
  const int err = errno_of(status);
  if (err != 0) std::rethrow_exception(make_os_error(err, std::strerror(err)));
  if (status.code() == absl::StatusCode::kInvalidArgument) throw ValueError(std::string(status.message()));
  throw OSError(0, std::string(status.message()));
}

}  // namespace

void EventLoop::update_fd_interest(int fd, uint32_t mask, uint32_t old_mask) {
  absl::Status status;
  if (old_mask == 0) {
    status = backend_.poller->register_fd(fd, mask);
  } else if (mask == 0) {
    status = backend_.poller->unregister_fd(fd);
  } else {
    status = backend_.poller->modify_fd(fd, mask);
  }
  if (!status.ok()) raise_poller_error(status);
}

Handle EventLoop::watch_fd(int fd, IoEventMask which, Callback callback) {
  check_closed();
  check_fd(fd);
  auto h = internal::Ref<internal::HandleState>::adopt(new internal::HandleState(this, std::move(callback)));
  h->bind(internal::ContextBinding::current());
  h->make_repeating();
  h->set_id(++handle_counter_);
  FdWatch next;
  if (auto it = fd_watches_.find(fd); it != fd_watches_.end()) next = it->second;
  const uint32_t old_mask = next.mask();
  internal::Ref<internal::HandleState>& slot = which == kReadable ? next.reader : next.writer;
  internal::Ref<internal::HandleState> replaced = std::exchange(slot, h);
  update_fd_interest(fd, next.mask(), old_mask);  // raises OSError; nothing changed yet
  if (replaced) replaced->cancel();
  fd_watches_[fd] = std::move(next);
  return Handle(std::move(h));
}

bool EventLoop::unwatch_fd(int fd, IoEventMask which) {
  if (is_closed()) return false;
  check_fd(fd);
  auto it = fd_watches_.find(fd);
  if (it == fd_watches_.end()) return false;
  internal::Ref<internal::HandleState>& slot = which == kReadable ? it->second.reader : it->second.writer;
  if (!slot) return false;
  const uint32_t old_mask = it->second.mask();
  slot->cancel();
  slot = nullptr;
  if (it->second.mask() == 0) {
    absl::Status status = backend_.poller->unregister_fd(fd);
    fd_watches_.erase(it);
    // selectors' _PollLikeSelector.unregister ignores the OSError of an fd
    // "closed since it was registered" (say, a socket closed right after
    // cancelling its sock_recv): EBADF. (CPython ignores every OSError
    // there; other errors still raise here.)
    if (!status.ok() && errno_of(status) != EBADF) raise_poller_error(status);
    return true;
  }
  update_fd_interest(fd, it->second.mask(), old_mask);
  return true;
}

void EventLoop::add_reader(int fd, Callback callback) { watch_fd(fd, kReadable, std::move(callback)); }
void EventLoop::add_writer(int fd, Callback callback) { watch_fd(fd, kWritable, std::move(callback)); }
bool EventLoop::remove_reader(int fd) { return unwatch_fd(fd, kReadable); }
bool EventLoop::remove_writer(int fd) { return unwatch_fd(fd, kWritable); }

}  // namespace seedloop
