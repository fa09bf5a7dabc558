// EpollPoller beyond the common Poller contract (poller_test.cc runs that
// on every poller): its error messages, error readiness, timeout rounding.

#include "loop/real/epoll_poller.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "loop/real/steady_clock.h"

namespace seedloop::real {
namespace {

std::unique_ptr<EpollPoller> make_poller() {
  auto poller = EpollPoller::Create();
  EXPECT_TRUE(poller.ok()) << poller.status();
  return std::move(poller).value();
}

// A pipe closed at scope exit.
struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0); }
  ~Pipe() {
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
  }
  int read_end() const { return fds[0]; }
  int write_end() const { return fds[1]; }
  void write_byte() { ASSERT_EQ(write(fds[1], "x", 1), 1); }
  void close_write_end() {
    close(fds[1]);
    fds[1] = -1;
  }
};

// A fd number that is certainly not open: a pipe's, after closing it.
int closed_fd() {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  close(fds[0]);
  close(fds[1]);
  return fds[0];
}

TEST(EpollPollerTest, HangupReportsReadableAndWritable) {
  auto poller = make_poller();
  Pipe p;
  ASSERT_TRUE(poller->register_fd(p.read_end(), kReadable).ok());
  p.close_write_end();
  std::vector<IoEvent> events;
  poller->poll(0, 64, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].events, kReadable | kWritable);
}

TEST(EpollPollerTest, RegisterBadFdReturnsError) {
  auto poller = make_poller();
  int fd = closed_fd();
  absl::Status status = poller->register_fd(fd, kReadable);
  EXPECT_EQ(status.code(), absl::ErrnoToStatusCode(EBADF));
  std::string message(status.message());
  EXPECT_NE(message.find("epoll_ctl(ADD, fd " + std::to_string(fd) + ")"), std::string::npos)
      << message;
  EXPECT_NE(message.find("Bad file descriptor"), std::string::npos) << message;
}

TEST(EpollPollerTest, ModifyOrUnregisterUnknownFdReturnsNotFound) {
  auto poller = make_poller();
  Pipe p;
  absl::Status modify = poller->modify_fd(p.read_end(), kReadable);
  EXPECT_EQ(modify.code(), absl::StatusCode::kNotFound) << modify;
  EXPECT_NE(std::string(modify.message()).find("MOD"), std::string::npos) << modify;
  absl::Status unregister = poller->unregister_fd(p.read_end());
  EXPECT_EQ(unregister.code(), absl::StatusCode::kNotFound) << unregister;
  EXPECT_NE(std::string(unregister.message()).find("DEL"), std::string::npos) << unregister;
}

TEST(EpollPollerTest, SubMillisecondTimeoutRoundsUpAndDoesNotSpin) {
  EXPECT_EQ(EpollPoller::timeout_ms_for(500'000), 1);
  EXPECT_EQ(EpollPoller::timeout_ms_for(1), 1);
  auto poller = make_poller();
  SteadyClock clock;
  std::vector<IoEvent> events;
  for (int i = 0; i < 5; ++i) {
    int64_t start = clock.now_ns();
    poller->poll(int64_t{500'000}, 64, &events);
    EXPECT_GE(clock.now_ns() - start, 500'000) << "poll " << i;
  }
  EXPECT_TRUE(events.empty());
}

TEST(EpollPollerTest, TimeoutConversionRoundsUpAndClamps) {
  EXPECT_EQ(EpollPoller::timeout_ms_for(std::nullopt), -1);
  EXPECT_EQ(EpollPoller::timeout_ms_for(0), 0);
  EXPECT_EQ(EpollPoller::timeout_ms_for(-5), 0);
  EXPECT_EQ(EpollPoller::timeout_ms_for(1'000'000), 1);
  EXPECT_EQ(EpollPoller::timeout_ms_for(1'000'001), 2);
  EXPECT_EQ(EpollPoller::timeout_ms_for(INT64_MAX), INT_MAX);
}

}  // namespace
}  // namespace seedloop::real
