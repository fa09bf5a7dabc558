// The loop on the production backend (epoll, the steady clock, the thread
// pool): what a program gets from new_event_loop(). Timing assertions are
// lower bounds only; machines are noisy.

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"

namespace seedloop {
namespace {

class RealLoopTest : public ::testing::Test {
 protected:
  RealLoopTest() : loop_(EventLoop::create(new_default_backend())) {}
  ~RealLoopTest() override {
    if (!loop_->is_closed()) loop_->close();
  }
  std::shared_ptr<EventLoop> loop_;
};

TEST_F(RealLoopTest, TimerFiresNoEarlierThanItsDelay) {
  const double start = loop_->time();
  double fired_at = 0;
  loop_->call_later(0.02, [&] {
    fired_at = loop_->time();
    loop_->stop();
  });
  loop_->run_forever();
  EXPECT_GE(fired_at - start, 0.02);
}

TEST_F(RealLoopTest, SleepSuspendsTheTaskForAtLeastTheDelay) {
  auto body = [&]() -> Coro<double> {
    double t0 = loop_->time();
    co_await sleep(0.01);
    co_return loop_->time() - t0;
  };
  EXPECT_GE(loop_->run_until_complete(body()), 0.01);
}

TEST_F(RealLoopTest, CallSoonThreadsafeFromAnotherThreadWakesABlockedLoop) {
  std::thread::id ran_on;
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    loop_->call_soon_threadsafe([&] {
      ran_on = std::this_thread::get_id();
      loop_->stop();
    });
  });
  loop_->run_forever();  // nothing scheduled: blocks in epoll until woken
  other.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST_F(RealLoopTest, ManyThreadsPostingAllArrive) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  int received = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) loop_->call_soon_threadsafe([&] {
          if (++received == kThreads * kPerThread) loop_->stop();
        });
    });
  }
  loop_->run_forever();
  for (auto& t : threads) t.join();
  EXPECT_EQ(received, kThreads * kPerThread);
}

TEST_F(RealLoopTest, RunInExecutorRunsOnAnotherThread) {
  const std::thread::id loop_thread = std::this_thread::get_id();
  Future<std::thread::id> f = loop_->run_in_executor(nullptr, [] { return std::this_thread::get_id(); });
  std::thread::id worker = loop_->run_until_complete(f);
  EXPECT_NE(worker, loop_thread);
  loop_->run_until_complete(loop_->shutdown_default_executor());
}

TEST_F(RealLoopTest, RunInExecutorPropagatesExceptions) {
  Future<int> f = loop_->run_in_executor(nullptr, []() -> int { throw ValueError("worker failed"); });
  EXPECT_THROW(loop_->run_until_complete(f), ValueError);
}

TEST_F(RealLoopTest, AddReaderCallsBackWhenThePipeIsReadable) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  std::string got;
  loop_->add_reader(fds[0], [&] {
    char buf[16];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    EXPECT_TRUE(loop_->remove_reader(fds[0]));
    loop_->stop();
  });
  loop_->call_later(0.005, [&] { ASSERT_EQ(write(fds[1], "ping", 4), 4); });
  loop_->run_forever();
  EXPECT_EQ(got, "ping");
  EXPECT_FALSE(loop_->remove_reader(fds[0]));
  close(fds[0]);
  close(fds[1]);
}

TEST_F(RealLoopTest, AddWriterCallsBackWhenThePipeIsWritable) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  int calls = 0;
  loop_->add_writer(fds[1], [&] {
    ++calls;
    loop_->remove_writer(fds[1]);
    loop_->stop();
  });
  loop_->run_forever();
  EXPECT_EQ(calls, 1);
  close(fds[0]);
  close(fds[1]);
}

// python3: loop.add_reader(-1, print) -> ValueError: Invalid file descriptor: -1
TEST_F(RealLoopTest, AddReaderOnANegativeFdRaisesValueError) {
  try {
    loop_->add_reader(-1, [] {});
    FAIL() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Invalid file descriptor: -1");
  }
  EXPECT_THROW(loop_->remove_reader(-1), ValueError);
}

// python3: loop.add_reader(9999, print) -> OSError: [Errno 9] Bad file descriptor
TEST_F(RealLoopTest, AddReaderOnAnFdThatIsNotOpenRaisesOSErrorWithItsErrno) {
  try {
    loop_->add_reader(9999, [] {});
    FAIL() << "no exception";
  } catch (const OSError& e) {
    EXPECT_EQ(e.error_number(), EBADF);
    EXPECT_STREQ(e.what(), "[Errno 9] Bad file descriptor");
  }
  // Nothing was kept: removing it is not an error.
  EXPECT_FALSE(loop_->remove_reader(9999));
}

TEST_F(RealLoopTest, NewEventLoopUsesTheRealBackendByDefault) {
  auto loop = new_event_loop();
  double t0 = loop->time();
  loop->run_until_complete(sleep(0.005));
  EXPECT_GE(loop->time() - t0, 0.005);
  loop->close();
}

}  // namespace
}  // namespace seedloop
