// RealSocketOps's file methods (backend.h, "Files"): sendfile(2) and what
// its fallback and AF_UNIX servers need (read, lseek, fstat, stat, unlink),
// one Linux system call each, with the errors socket_ops.h describes.

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_format.h"
#include "loop/real/socket_ops.h"

namespace seedloop::real {
namespace {

absl::Status fd_error(int err, const char* call, int fd) {
  return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("%s(fd %d)", call, fd)), err);
}

absl::Status path_error(int err, const char* call, const std::string& path) {
  return with_errno(absl::ErrnoToStatus(err, absl::StrFormat("%s('%s')", call, path)), err);
}

FileStat to_file_stat(const struct stat& st) {
  FileStat out;
  if (S_ISREG(st.st_mode)) out.type = FileType::kRegular;
  if (S_ISSOCK(st.st_mode)) out.type = FileType::kSocket;
  out.size = st.st_size;
  return out;
}

}  // namespace

absl::StatusOr<size_t> RealSocketOps::sendfile(int out_fd, int in_fd, int64_t offset, size_t count) {
  for (;;) {
    off_t position = offset;
    const ssize_t n = ::sendfile(out_fd, in_fd, &position, count);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return fd_error(errno, "sendfile", out_fd);
  }
}

absl::StatusOr<size_t> RealSocketOps::read(int fd, absl::Span<char> buffer) {
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return fd_error(errno, "read", fd);
  }
}

absl::StatusOr<int64_t> RealSocketOps::seek(int fd, int64_t offset) {
  const off_t at = ::lseek(fd, offset, SEEK_SET);
  if (at < 0) return fd_error(errno, "lseek", fd);
  return static_cast<int64_t>(at);
}

absl::StatusOr<FileStat> RealSocketOps::fstat(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fd_error(errno, "fstat", fd);
  return to_file_stat(st);
}

absl::StatusOr<FileStat> RealSocketOps::stat(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path_error(errno, "stat", path);
  return to_file_stat(st);
}

absl::Status RealSocketOps::unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return path_error(errno, "unlink", path);
  return absl::OkStatus();
}

}  // namespace seedloop::real
