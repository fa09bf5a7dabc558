// RealSocketOps's file methods (socket_file_ops.cc): sendfile, read, seek,
// fstat, stat and unlink on a temporary directory and a socket pair, with
// the errno each failure carries.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "loop/real/socket_ops.h"

namespace seedloop::real {
namespace {

class SocketFileOpsTest : public ::testing::Test {
 protected:
  SocketFileOpsTest() {
    std::string pattern = (std::filesystem::temp_directory_path() / "seedloop-files-XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  ~SocketFileOpsTest() override {
    for (int fd : fds_) EXPECT_EQ(::close(fd), 0);
    std::filesystem::remove_all(dir_);
  }
  // A read-only fd of a new file holding `content`.
  int file_with(const std::string& content) {
    const std::string path = dir_ + "/f" + std::to_string(fds_.size());
    std::ofstream(path, std::ios::binary) << content;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    fds_.push_back(fd);
    return fd;
  }
  std::pair<int, int> pair() {
    absl::StatusOr<std::pair<int, int>> p = ops_.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_TRUE(p.ok());
    fds_.push_back(p->first);
    fds_.push_back(p->second);
    return *p;
  }

  RealSocketOps ops_;
  std::string dir_;
  std::vector<int> fds_;
};

TEST_F(SocketFileOpsTest, SendfileSendsFromTheOffsetWithoutMovingTheFilePosition) {
  const int file = file_with("0123456789");
  auto [a, b] = pair();
  EXPECT_EQ(*ops_.sendfile(a, file, 3, 4), 4u);
  char got[8] = {};
  EXPECT_EQ(*ops_.recv(b, absl::MakeSpan(got, sizeof got)), 4u);
  EXPECT_EQ(std::string(got, 4), "3456");
  EXPECT_EQ(::lseek(file, 0, SEEK_CUR), 0);
  EXPECT_EQ(*ops_.sendfile(a, file, 10, 4), 0u) << "0 at the file's end";
}

TEST_F(SocketFileOpsTest, SendfileFromASocketFailsWithIllegalSeek) {
  auto [a, b] = pair();
  auto [c, d] = pair();
  absl::StatusOr<size_t> sent = ops_.sendfile(a, d, 0, 4);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(errno_of(sent.status()), ESPIPE);
}

TEST_F(SocketFileOpsTest, ReadAndSeekMoveThroughTheFile) {
  const int file = file_with("abcdef");
  char got[4] = {};
  EXPECT_EQ(*ops_.seek(file, 2), 2);
  EXPECT_EQ(*ops_.read(file, absl::MakeSpan(got, 3)), 3u);
  EXPECT_EQ(std::string(got, 3), "cde");
  EXPECT_EQ(*ops_.read(file, absl::MakeSpan(got, 3)), 1u);
  EXPECT_EQ(*ops_.read(file, absl::MakeSpan(got, 3)), 0u);
}

TEST_F(SocketFileOpsTest, FstatAndStatTellRegularFilesFromSockets) {
  const int file = file_with("abc");
  EXPECT_EQ(ops_.fstat(file)->type, FileType::kRegular);
  EXPECT_EQ(ops_.fstat(file)->size, 3);
  auto [a, b] = pair();
  EXPECT_EQ(ops_.fstat(a)->type, FileType::kSocket);
  const std::string path = dir_ + "/s.sock";
  absl::StatusOr<int> fd = ops_.socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_TRUE(fd.ok());
  fds_.push_back(*fd);
  ASSERT_TRUE(ops_.bind(*fd, *SockAddr::unix_path(path)).ok());
  EXPECT_EQ(ops_.stat(path)->type, FileType::kSocket);
  EXPECT_EQ(ops_.stat(dir_)->type, FileType::kOther);
}

TEST_F(SocketFileOpsTest, StatAndUnlinkOfAMissingPathCarryEnoent) {
  const std::string path = dir_ + "/missing";
  EXPECT_EQ(errno_of(ops_.stat(path).status()), ENOENT);
  EXPECT_EQ(errno_of(ops_.unlink(path)), ENOENT);
}

TEST_F(SocketFileOpsTest, UnlinkRemovesTheFile) {
  const std::string path = dir_ + "/gone";
  std::ofstream(path) << "x";
  EXPECT_TRUE(ops_.unlink(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(SocketFileOpsTest, FstatOfAClosedFdFailsWithEbadf) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(::close(fd), 0);
  EXPECT_EQ(errno_of(ops_.fstat(fd).status()), EBADF);
}

}  // namespace
}  // namespace seedloop::real
