// The Poller contract (backend.h), on each production poller: epoll, poll(2)
// and select(2) (selectors.h's EpollSelector, PollSelector, SelectSelector).
// Poller-specific behaviour is in epoll_poller_test.cc and
// poll_select_poller_test.cc.

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "loop/real/selectors.h"
#include "loop/real/steady_clock.h"

namespace seedloop::real {
namespace {

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

// A socketpair closed at scope exit.
struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0); }
  ~SocketPair() {
    close(fds[0]);
    close(fds[1]);
  }
};

class PollerTest : public ::testing::TestWithParam<PollerKind> {
 protected:
  PollerTest() : poller_(new_selector(GetParam())) {}
  std::unique_ptr<Poller> poller_;
  std::vector<IoEvent> events_;
};

std::string kind_name(const ::testing::TestParamInfo<PollerKind>& info) { return poller_kind_name(info.param); }

INSTANTIATE_TEST_SUITE_P(AllPollers, PollerTest,
                         ::testing::Values(PollerKind::kEpoll, PollerKind::kPoll, PollerKind::kSelect), kind_name);

TEST_P(PollerTest, PollWithZeroTimeoutReturnsImmediately) {
  poller_->poll(0, 64, &events_);  // a hang here fails the test by its timeout
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, ReadableFdIsReported) {
  Pipe p;
  ASSERT_TRUE(poller_->register_fd(p.read_end(), kReadable).ok());
  p.write_byte();
  poller_->poll(std::nullopt, 64, &events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].fd, p.read_end());
  EXPECT_EQ(events_[0].events, kReadable);
}

TEST_P(PollerTest, FdWithNoDataIsNotReadable) {
  Pipe p;
  ASSERT_TRUE(poller_->register_fd(p.read_end(), kReadable).ok());
  poller_->poll(0, 64, &events_);
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, WritableInterestReportsWritable) {
  SocketPair sp;
  ASSERT_TRUE(poller_->register_fd(sp.fds[0], kWritable).ok());
  poller_->poll(0, 64, &events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].fd, sp.fds[0]);
  EXPECT_EQ(events_[0].events, kWritable);
}

TEST_P(PollerTest, ModifyChangesInterest) {
  SocketPair sp;
  ASSERT_TRUE(poller_->register_fd(sp.fds[0], kReadable).ok());
  poller_->poll(0, 64, &events_);
  EXPECT_TRUE(events_.empty());  // nothing to read yet
  ASSERT_TRUE(poller_->modify_fd(sp.fds[0], kReadable | kWritable).ok());
  poller_->poll(0, 64, &events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].events, kWritable);
}

TEST_P(PollerTest, HangupReportsReadable) {
  Pipe p;
  ASSERT_TRUE(poller_->register_fd(p.read_end(), kReadable).ok());
  p.close_write_end();
  poller_->poll(0, 64, &events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].events & kReadable, 0u);
}

TEST_P(PollerTest, UnregisteredFdIsNotReported) {
  Pipe p;
  ASSERT_TRUE(poller_->register_fd(p.read_end(), kReadable).ok());
  p.write_byte();
  ASSERT_TRUE(poller_->unregister_fd(p.read_end()).ok());
  poller_->poll(0, 64, &events_);
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, UnregisteringOneFdKeepsTheOthers) {
  Pipe a, b, c;
  for (Pipe* p : {&a, &b, &c}) {
    ASSERT_TRUE(poller_->register_fd(p->read_end(), kReadable).ok());
    p->write_byte();
  }
  ASSERT_TRUE(poller_->unregister_fd(a.read_end()).ok());
  poller_->poll(0, 64, &events_);
  ASSERT_EQ(events_.size(), 2u);
  std::vector<int> fds = {events_[0].fd, events_[1].fd};
  std::sort(fds.begin(), fds.end());
  std::vector<int> expected = {b.read_end(), c.read_end()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(fds, expected);
}

TEST_P(PollerTest, RegisterTwiceReturnsAlreadyExists) {
  Pipe p;
  ASSERT_TRUE(poller_->register_fd(p.read_end(), kReadable).ok());
  absl::Status status = poller_->register_fd(p.read_end(), kReadable);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(errno_of(status), EEXIST) << status;
}

TEST_P(PollerTest, ModifyOrUnregisterUnknownFdReturnsNotFound) {
  Pipe p;
  absl::Status modify = poller_->modify_fd(p.read_end(), kReadable);
  EXPECT_EQ(modify.code(), absl::StatusCode::kNotFound) << modify;
  absl::Status unregister = poller_->unregister_fd(p.read_end());
  EXPECT_EQ(unregister.code(), absl::StatusCode::kNotFound) << unregister;
  EXPECT_EQ(errno_of(unregister), ENOENT) << unregister;
}

TEST_P(PollerTest, EmptyOrUnknownInterestIsInvalidArgument) {
  Pipe p;
  EXPECT_EQ(poller_->register_fd(p.read_end(), 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(poller_->register_fd(p.read_end(), 1u << 7).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(PollerTest, WakeupIsNotReportedAsEvent) {
  poller_->wakeup();
  poller_->poll(std::nullopt, 64, &events_);  // returns because of the wakeup
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, WakeupFromAnotherThreadUnblocksPoll) {
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    poller_->wakeup();
  });
  poller_->poll(std::nullopt, 64, &events_);  // a lost wakeup hangs: the test times out
  EXPECT_TRUE(events_.empty());
  waker.join();
}

TEST_P(PollerTest, RepeatedWakeupsAreConsumedByOnePoll) {
  SteadyClock clock;
  for (int i = 0; i < 100; ++i) poller_->wakeup();
  poller_->poll(std::nullopt, 64, &events_);
  // The wakeup is drained: the next poll waits out its timeout.
  int64_t start = clock.now_ns();
  poller_->poll(int64_t{10'000'000}, 64, &events_);
  EXPECT_GE(clock.now_ns() - start, 10'000'000);
  EXPECT_TRUE(events_.empty());
  // And a later wakeup works again.
  poller_->wakeup();
  poller_->poll(std::nullopt, 64, &events_);
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, WakeupWhileReportingEventsStillReportsThem) {
  Pipe p;
  ASSERT_TRUE(poller_->register_fd(p.read_end(), kReadable).ok());
  p.write_byte();
  poller_->wakeup();
  poller_->poll(0, 64, &events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].fd, p.read_end());
}

TEST_P(PollerTest, SubMillisecondTimeoutDoesNotSpin) {
  SteadyClock clock;
  for (int i = 0; i < 5; ++i) {
    int64_t start = clock.now_ns();
    poller_->poll(int64_t{500'000}, 64, &events_);
    EXPECT_GE(clock.now_ns() - start, 500'000) << "poll " << i;
  }
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, PollReportsAtMostMaxEvents) {
  std::vector<std::unique_ptr<Pipe>> pipes;
  for (int i = 0; i < 3; ++i) {
    pipes.push_back(std::make_unique<Pipe>());
    pipes.back()->write_byte();
    ASSERT_TRUE(poller_->register_fd(pipes.back()->read_end(), kReadable).ok());
  }
  poller_->poll(0, 2, &events_);
  EXPECT_EQ(events_.size(), 2u);
  events_.clear();
  poller_->poll(0, 64, &events_);
  EXPECT_EQ(events_.size(), 3u);  // level-triggered: nothing was lost
  events_.clear();
  poller_->poll(0, 0, &events_);
  EXPECT_TRUE(events_.empty());
}

}  // namespace
}  // namespace seedloop::real
