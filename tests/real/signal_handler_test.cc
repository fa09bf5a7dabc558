// loop.add_signal_handler / remove_signal_handler on the production backend,
// against CPython 3.11's unix_events.py: a signal sent to the process runs
// its handler as a loop callback; invalid and uncatchable signals and loops
// off the main thread are refused with asyncio's errors; close() removes
// the handlers and leaves no fd behind. Every run is bounded by a timer.

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

constexpr double kRunLimitS = 5.0;  // a handler that never runs fails the test, not the suite

int open_fd_count() {
  int n = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n;
}

// The disposition of `sig` right now.
void (*current_handler(int sig))(int) {
  struct sigaction now = {};
  sigaction(sig, nullptr, &now);
  return now.sa_handler;
}

class SignalHandlerTest : public ::testing::Test {
 protected:
  SignalHandlerTest() : loop_(EventLoop::create(new_default_backend())) {
    loop_->call_later(kRunLimitS, [this] { loop_->stop(); });
  }
  ~SignalHandlerTest() override {
    if (!loop_->is_closed()) loop_->close();
  }
  std::shared_ptr<EventLoop> loop_;
};

TEST_F(SignalHandlerTest, RaisedSignalRunsTheHandlerAsALoopCallback) {
  bool raise_returned = false;
  bool handler_saw_raise_returned = false;
  bool handler_saw_running_loop = false;
  loop_->add_signal_handler(SIGUSR1, [&] {
    handler_saw_raise_returned = raise_returned;  // not in signal context
    handler_saw_running_loop = loop_->is_running();
    loop_->stop();
  });
  loop_->call_soon([&] {
    raise(SIGUSR1);
    raise_returned = true;
  });
  loop_->run_forever();
  EXPECT_TRUE(handler_saw_raise_returned);
  EXPECT_TRUE(handler_saw_running_loop);
}

TEST_F(SignalHandlerTest, KillOfTheProcessReachesTheHandler) {
  int runs = 0;
  loop_->add_signal_handler(SIGUSR2, [&] {
    ++runs;
    loop_->stop();
  });
  loop_->call_soon([] { kill(getpid(), SIGUSR2); });
  loop_->run_forever();
  EXPECT_EQ(runs, 1);
}

TEST_F(SignalHandlerTest, TwoSignalsRunTheirOwnHandlersInArrivalOrder) {
  std::vector<std::string> ran;
  loop_->add_signal_handler(SIGUSR1, [&] { ran.push_back("usr1"); });
  loop_->add_signal_handler(SIGUSR2, [&] {
    ran.push_back("usr2");
    loop_->stop();
  });
  loop_->call_soon([] {
    raise(SIGUSR1);
    raise(SIGUSR2);
  });
  loop_->run_forever();
  EXPECT_EQ(ran, (std::vector<std::string>{"usr1", "usr2"}));
}

TEST_F(SignalHandlerTest, SecondAddReplacesTheHandler) {
  std::vector<std::string> ran;
  loop_->add_signal_handler(SIGUSR1, [&] { ran.push_back("first"); });
  loop_->add_signal_handler(SIGUSR1, [&] {
    ran.push_back("second");
    loop_->stop();
  });
  loop_->call_soon([] { raise(SIGUSR1); });
  loop_->run_forever();
  EXPECT_EQ(ran, (std::vector<std::string>{"second"}));
}

TEST_F(SignalHandlerTest, RemoveReturnsWhetherAHandlerWasThere) {
  loop_->add_signal_handler(SIGUSR1, [] {});
  EXPECT_TRUE(loop_->remove_signal_handler(SIGUSR1));
  EXPECT_FALSE(loop_->remove_signal_handler(SIGUSR1));
  EXPECT_FALSE(loop_->remove_signal_handler(SIGUSR2));
}

TEST_F(SignalHandlerTest, RemoveGivesBackThePreviousDisposition) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction before = {};
  sigaction(SIGUSR1, &ignore, &before);
  loop_->add_signal_handler(SIGUSR1, [] {});
  EXPECT_NE(current_handler(SIGUSR1), SIG_IGN);
  loop_->remove_signal_handler(SIGUSR1);
  EXPECT_EQ(current_handler(SIGUSR1), SIG_IGN);
  sigaction(SIGUSR1, &before, nullptr);
}

TEST_F(SignalHandlerTest, RemovedHandlerDoesNotRun) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;  // what the removed handler gives back: the raise is harmless
  struct sigaction before = {};
  sigaction(SIGUSR1, &ignore, &before);
  int runs = 0;
  loop_->add_signal_handler(SIGUSR1, [&] { ++runs; });
  loop_->remove_signal_handler(SIGUSR1);
  loop_->call_soon([] { raise(SIGUSR1); });
  loop_->call_later(0.05, [&] { loop_->stop(); });
  loop_->run_forever();
  EXPECT_EQ(runs, 0);
  sigaction(SIGUSR1, &before, nullptr);
}

TEST_F(SignalHandlerTest, SigkillAndSigstopCannotBeCaught) {
  try {
    loop_->add_signal_handler(SIGKILL, [] {});
    FAIL() << "SIGKILL was accepted";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(e.message(), "sig 9 cannot be caught");
  }
  try {
    loop_->add_signal_handler(SIGSTOP, [] {});
    FAIL() << "SIGSTOP was accepted";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(e.message(), "sig 19 cannot be caught");
  }
  EXPECT_FALSE(loop_->remove_signal_handler(SIGKILL));
}

TEST_F(SignalHandlerTest, InvalidSignalNumberRaisesValueError) {
  for (int sig : {0, -1, 65, 32}) {
    try {
      loop_->add_signal_handler(sig, [] {});
      FAIL() << "signal " << sig << " was accepted";
    } catch (const ValueError& e) {
      EXPECT_EQ(e.message(), "invalid signal number " + std::to_string(sig));
    }
  }
  EXPECT_THROW(loop_->remove_signal_handler(0), ValueError);
}

TEST_F(SignalHandlerTest, LoopOffTheMainThreadIsRefused) {
  std::string error;
  std::thread other([&] {
    auto loop = EventLoop::create(new_default_backend());
    try {
      loop->add_signal_handler(SIGUSR1, [] {});
    } catch (const RuntimeError& e) {
      error = e.message();
    }
    loop->close();
  });
  other.join();
  EXPECT_EQ(error, "set_wakeup_fd only works in main thread of the main interpreter");
}

TEST_F(SignalHandlerTest, ClosedLoopRefusesNewHandlers) {
  loop_->close();
  EXPECT_THROW(loop_->add_signal_handler(SIGUSR1, [] {}), RuntimeError);
}

TEST(SignalHandlerLifetimeTest, CloseRemovesHandlersAndLeavesNoFd) {
  const int fds_before = open_fd_count();
  void (*usr1_before)(int) = current_handler(SIGUSR1);
  {
    auto loop = EventLoop::create(new_default_backend());
    loop->add_signal_handler(SIGUSR1, [] {});
    loop->add_signal_handler(SIGUSR2, [] {});
    EXPECT_NE(current_handler(SIGUSR1), usr1_before);
    loop->close();
    EXPECT_EQ(current_handler(SIGUSR1), usr1_before);
    EXPECT_FALSE(loop->remove_signal_handler(SIGUSR2));
  }
  EXPECT_EQ(open_fd_count(), fds_before);
}

TEST(SignalHandlerLifetimeTest, SimulatedLoopRaisesNotImplemented) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  try {
    loop->add_signal_handler(SIGUSR1, [] {});
    FAIL() << "a simulated loop caught a signal";
  } catch (const NotImplementedError& e) {
    EXPECT_EQ(e.message(), "add_signal_handler: simulated signals are not implemented yet");
  }
  EXPECT_THROW(loop->add_signal_handler(0, [] {}), ValueError);
  loop->close();
}

}  // namespace
}  // namespace seedloop
