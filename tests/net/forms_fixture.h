// Test support for the tests of asyncio's argument forms (sendfile,
// connection and server forms, AF_UNIX forms): NetTest plus what those
// tests share.
//
//   class SendfileTest : public FormsTest {};
//   TEST_P(SendfileTest, Something) {
//     int file = open_file("hello");               // read-only, owned
//     EXPECT_EQ(raised_by(loop_->sock_sendfile(fd, file, {.count = 0})),
//               "ValueError: count must be a positive integer (got 0)");
//   }

#ifndef SEEDLOOP_TESTS_NET_FORMS_FIXTURE_H_
#define SEEDLOOP_TESTS_NET_FORMS_FIXTURE_H_

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/errors.h"
#include "tests/net/net_fixture.h"

namespace seedloop::testing {

class FormsTest : public NetTest {
 protected:
  ~FormsTest() override {
    for (int fd : files_) EXPECT_EQ(::close(fd), 0);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // "Type: message" of what running `coro` raises; "" when it returns.
  template <typename T>
  std::string raised_by(Coro<T> coro) {
    try {
      run(std::move(coro));
    } catch (...) {
      return describe_exception(std::current_exception());
    }
    return "";
  }

  // Waits for `future` (run(until(f)) runs the loop until f is done).
  Coro<void> until(Future<void> future) { co_await future; }

  // A path in a fresh temporary directory (short enough for AF_UNIX),
  // removed with the directory at the end.
  std::string temp_path(const std::string& name) {
    if (dir_.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "seedloop-forms-XXXXXX").string();
      EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
    }
    return dir_ + "/" + name;
  }

  // A regular file holding `content`, opened read-only; closed at the end.
  int open_file(const std::string& content) {
    const std::string path = temp_path("file" + std::to_string(files_.size()));
    std::ofstream(path, std::ios::binary) << content;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    files_.push_back(fd);
    return fd;
  }

  // Receives from `fd` until `n` bytes came or the peer closed.
  Coro<std::string> receive(int fd, size_t n) {
    std::string got;
    while (got.size() < n) {
      Coro<std::string> receiving = loop_->sock_recv(fd, n - got.size());
      std::string chunk = co_await std::move(receiving);
      if (chunk.empty()) break;
      got += chunk;
    }
    co_return got;
  }

  std::vector<int> files_;
  std::string dir_;
};

// `n` bytes of a repeating, position-dependent pattern.
inline std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_FORMS_FIXTURE_H_
