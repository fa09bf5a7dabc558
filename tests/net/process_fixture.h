// Test support for the subprocess tests: a loop on epoll whose ProcessOps
// learns of exits either through pidfds or through reaper threads (the
// test's parameter), a bound on every run, and the /proc/self/fd count
// checked when the test ends.
//
//   class MyTest : public ProcessTest {};
//   TEST_P(MyTest, Something) {
//     run([&]() -> Coro<void> { ... co_await create_subprocess_exec({"/bin/echo"}); ... }());
//   }
//   INSTANTIATE_TEST_SUITE_P(BothExitWatches, MyTest, kBothExitWatches, exit_watch_name);

#ifndef SEEDLOOP_TESTS_NET_PROCESS_FIXTURE_H_
#define SEEDLOOP_TESTS_NET_PROCESS_FIXTURE_H_

#include <sys/wait.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/real/process_ops.h"
#include "loop/real/selectors.h"
#include "tests/net/net_fixture.h"

namespace seedloop::testing {

using ExitWatch = real::RealProcessOps::ExitWatch;

inline const auto kBothExitWatches = ::testing::Values(ExitWatch::kPidfd, ExitWatch::kThread);

inline std::string exit_watch_name(const ::testing::TestParamInfo<ExitWatch>& info) {
  return info.param == ExitWatch::kPidfd ? "pidfd" : "thread";
}

class ProcessTest : public ::testing::TestWithParam<ExitWatch> {
 protected:
  static constexpr double kRunBudgetS = 10.0;
  static constexpr int kSettleIterations = 5000;  // about 5 s

  ProcessTest() : fds_before_(count_open_fds()) {
    Backend backend = new_selector_backend(PollerKind::kEpoll);
    backend.processes = std::make_unique<real::RealProcessOps>(GetParam());
    loop_ = EventLoop::create(std::move(backend));
    fds_with_loop_ = count_open_fds();
  }

  ~ProcessTest() override {
    loop_->close();
    loop_.reset();
    EXPECT_EQ(count_open_fds(), fds_before_) << "a file descriptor was left open";
  }

  ProcessOps& ops() { return loop_->process_ops(); }

  template <typename T>
  T run(Coro<T> coro) {
    TimerHandle watchdog = loop_->call_later(kRunBudgetS, [this] {
      ADD_FAILURE() << "the run exceeded its budget of " << kRunBudgetS << " s";
      loop_->stop();
    });
    struct Cancel {
      TimerHandle h;
      ~Cancel() { h.cancel(); }
    } cancel{watchdog};
    struct Settle {
      ProcessTest* test;
      ~Settle() { test->settle(); }
    } settle_after{this};
    return loop_->run_until_complete(std::move(coro));
  }

  // wait() answers at once when the exit is already known (as in CPython),
  // possibly before the transport has finished: run the loop until this
  // process has no child left (not even an unreaped one) and the fds are
  // back to what the loop itself holds, then a few more iterations for the
  // callbacks that finish the transports. Bounded like every run.
  void settle() {
    auto no_children = [] {
      siginfo_t info{};
      return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1 && errno == ECHILD;
    };
    for (int i = 0; i < kSettleIterations && !(no_children() && count_open_fds() == fds_with_loop_); ++i) {
      loop_->run_until_complete(sleep(0.001));
    }
    EXPECT_TRUE(no_children()) << "a child was left running";
    for (int i = 0; i < 5; ++i) loop_->run_until_complete(sleep(0));
  }

  const size_t fds_before_;
  size_t fds_with_loop_ = 0;
  std::shared_ptr<EventLoop> loop_;
};

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_PROCESS_FIXTURE_H_
