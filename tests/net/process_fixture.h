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

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
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

  ProcessTest() : fds_before_(count_open_fds()) {
    Backend backend = new_selector_backend(PollerKind::kEpoll);
    backend.processes = std::make_unique<real::RealProcessOps>(GetParam());
    loop_ = EventLoop::create(std::move(backend));
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
    return loop_->run_until_complete(std::move(coro));
  }

  const size_t fds_before_;
  std::shared_ptr<EventLoop> loop_;
};

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_PROCESS_FIXTURE_H_
