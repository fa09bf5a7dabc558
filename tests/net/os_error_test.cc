// make_os_error: Python's OSError(errno, strerror) constructor picks the
// subclass from the errno (CPython's errnomap) and formats "[Errno N] text".

#include <cerrno>
#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "loop/errors.h"

namespace seedloop {
namespace {

std::string type_of(int err) {
  try {
    std::rethrow_exception(make_os_error(err, std::strerror(err)));
  } catch (const OSError& e) {
    return e.type_name();
  }
  return "not an OSError";
}

TEST(OsErrorTest, ErrnoSelectsPythonsSubclass) {
  EXPECT_EQ(type_of(ECONNREFUSED), "ConnectionRefusedError");
  EXPECT_EQ(type_of(ECONNRESET), "ConnectionResetError");
  EXPECT_EQ(type_of(ECONNABORTED), "ConnectionAbortedError");
  EXPECT_EQ(type_of(EPIPE), "BrokenPipeError");
  EXPECT_EQ(type_of(ESHUTDOWN), "BrokenPipeError");
  EXPECT_EQ(type_of(EAGAIN), "BlockingIOError");
  EXPECT_EQ(type_of(EINPROGRESS), "BlockingIOError");
  EXPECT_EQ(type_of(EINTR), "InterruptedError");
  EXPECT_EQ(type_of(EACCES), "PermissionError");
  EXPECT_EQ(type_of(ENOENT), "FileNotFoundError");
  EXPECT_EQ(type_of(EEXIST), "FileExistsError");
  EXPECT_EQ(type_of(EBADF), "OSError");
}

TEST(OsErrorTest, MessageIsPythonsStr) {
  try {
    std::rethrow_exception(make_os_error(ECONNREFUSED, "Connection refused"));
  } catch (const ConnectionError& e) {  // python3: isinstance(e, ConnectionError)
    EXPECT_EQ(e.message(), "[Errno 111] Connection refused");
    EXPECT_EQ(e.error_number(), 111);
    EXPECT_EQ(describe_exception(std::current_exception()), "ConnectionRefusedError: [Errno 111] Connection refused");
  }
}

TEST(OsErrorTest, ConnectionErrorsAreOSErrorsAndExceptions) {
  EXPECT_TRUE(is_exception_class(make_os_error(ECONNRESET, "Connection reset by peer")));
  try {
    std::rethrow_exception(make_os_error(ECONNRESET, "Connection reset by peer"));
  } catch (const OSError& e) {
    EXPECT_EQ(std::string(e.type_name()), "ConnectionResetError");
  }
}

}  // namespace
}  // namespace seedloop
