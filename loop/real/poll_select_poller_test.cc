// What PollPoller and SelectPoller do beyond the common Poller contract
// (poller_test.cc): error readiness, closed fds, select's FD_SETSIZE limit.

#include <fcntl.h>
#include <sys/select.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/real/poll_poller.h"
#include "loop/real/select_poller.h"

namespace seedloop::real {
namespace {

template <typename P>
std::unique_ptr<P> make() {
  auto poller = P::Create();
  EXPECT_TRUE(poller.ok()) << poller.status();
  return std::move(poller).value();
}

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0); }
  ~Pipe() {
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
  }
};

TEST(PollPollerTest, HangupReportsReadableAndWritable) {
  auto poller = make<PollPoller>();
  Pipe p;
  ASSERT_TRUE(poller->register_fd(p.fds[0], kReadable).ok());
  close(p.fds[1]);
  p.fds[1] = -1;
  std::vector<IoEvent> events;
  poller->poll(0, 64, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].events, kReadable | kWritable);
}

TEST(PollPollerTest, FdClosedWhileRegisteredReportsReadableAndWritable) {
  auto poller = make<PollPoller>();
  Pipe p;
  const int fd = p.fds[0];
  ASSERT_TRUE(poller->register_fd(fd, kReadable).ok());
  close(fd);
  p.fds[0] = -1;
  std::vector<IoEvent> events;
  poller->poll(0, 64, &events);  // POLLNVAL
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].fd, fd);
  EXPECT_EQ(events[0].events, kReadable | kWritable);
}

TEST(SelectPollerTest, FdClosedWhileRegisteredReportsReadableAndWritable) {
  auto poller = make<SelectPoller>();
  Pipe p;
  const int fd = p.fds[0];
  ASSERT_TRUE(poller->register_fd(fd, kReadable).ok());
  close(fd);
  p.fds[0] = -1;
  std::vector<IoEvent> events;
  poller->poll(0, 64, &events);  // select(2) fails with EBADF
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].fd, fd);
  EXPECT_EQ(events[0].events, kReadable | kWritable);
}

TEST(SelectPollerTest, FdBeyondFdSetSizeIsRejectedWithPythonsText) {
  auto poller = make<SelectPoller>();
  absl::Status status = poller->register_fd(FD_SETSIZE, kReadable);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "filedescriptor out of range in select()");
  EXPECT_EQ(poller->register_fd(-1, kReadable).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(poller->register_fd(FD_SETSIZE - 1, kReadable).ok());  // the last valid number
}

TEST(SelectPollerTest, ReadableAndWritableFdReportsBothInOneEvent) {
  auto poller = make<SelectPoller>();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_EQ(write(sv[1], "x", 1), 1);
  ASSERT_TRUE(poller->register_fd(sv[0], kReadable | kWritable).ok());
  std::vector<IoEvent> events;
  poller->poll(0, 64, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].events, kReadable | kWritable);
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace seedloop::real
