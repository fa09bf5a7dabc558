// run_in_executor, set_default_executor, shutdown_default_executor
// (asyncio-semantics items 52-53), on virtual time: executor work runs
// deterministically at the next poll and posts its completion back.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;

class ExecutorTest : public LoopTest {};

TEST_F(ExecutorTest, RunInExecutorDeliversTheResult) {
  auto body = [&]() -> Coro<int> { co_return co_await loop_->run_in_executor(nullptr, [] { return 6 * 7; }); };
  EXPECT_EQ(loop_->run_until_complete(body()), 42);
}

TEST_F(ExecutorTest, RunInExecutorDeliversTheException) {
  auto body = [&]() -> Coro<void> {
    co_await loop_->run_in_executor(nullptr, []() -> int { throw ValueError("in worker"); });
  };
  try {
    loop_->run_until_complete(body());
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "in worker");
  }
}

TEST_F(ExecutorTest, RunInExecutorSupportsVoidFunctions) {
  bool ran = false;
  auto body = [&]() -> Coro<void> { co_await loop_->run_in_executor(nullptr, [&] { ran = true; }); };
  loop_->run_until_complete(body());
  EXPECT_TRUE(ran);
}

TEST_F(ExecutorTest, CancelledFutureIgnoresALateResult) {
  Future<int> f = loop_->run_in_executor(nullptr, [] { return 1; });
  f.cancel();
  run_one_iteration();  // the work runs at this poll and posts its result
  run_one_iteration();  // the result arrives and is dropped
  EXPECT_TRUE(f.cancelled());
}

TEST_F(ExecutorTest, ShutdownDefaultExecutorThenRunInExecutorRaises) {
  loop_->run_until_complete(loop_->run_in_executor(nullptr, [] { return 1; }));
  loop_->run_until_complete(loop_->shutdown_default_executor());
  try {
    loop_->run_in_executor(nullptr, [] { return 1; });
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Executor shutdown has been called");
  }
}

TEST_F(ExecutorTest, ShutdownDefaultExecutorWithoutOneReturnsAtOnce) {
  loop_->run_until_complete(loop_->shutdown_default_executor());
  EXPECT_THROW(loop_->run_in_executor(nullptr, [] {}), RuntimeError);
}

// An executor that runs work inline at submit, counting submissions.
class InlineExecutor : public Executor {
 public:
  absl::Status submit(absl::AnyInvocable<void() &&> work) override {
    if (shut_down_) return absl::FailedPreconditionError("cannot schedule new futures after shutdown");
    ++submitted;
    std::move(work)();
    return absl::OkStatus();
  }
  void shutdown(Shutdown) override { shut_down_ = true; }
  int submitted = 0;

 private:
  bool shut_down_ = false;
};

// An executor that holds work until the test releases it.
class ManualExecutor : public Executor {
 public:
  absl::Status submit(absl::AnyInvocable<void() &&> work) override {
    held.push_back(std::move(work));
    return absl::OkStatus();
  }
  void shutdown(Shutdown) override {}
  std::vector<absl::AnyInvocable<void() &&>> held;
};

TEST_F(ExecutorTest, WorkCancelledBeforeItStartsNeverRuns) {
  // asyncio's wrap_future: cancelling the asyncio future cancels the
  // concurrent one, so work that has not started does not run.
  ManualExecutor pool;
  bool ran = false;
  Future<void> f = loop_->run_in_executor(&pool, [&] { ran = true; });
  f.cancel();
  run_one_iteration();  // the done callback marks the work cancelled
  ASSERT_EQ(pool.held.size(), 1u);
  std::move(pool.held[0])();
  run_one_iteration();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(f.cancelled());
}

TEST_F(ExecutorTest, RunInExecutorUsesTheGivenExecutor) {
  InlineExecutor pool;
  EXPECT_EQ(loop_->run_until_complete(loop_->run_in_executor(&pool, [] { return std::string("custom"); })), "custom");
  EXPECT_EQ(pool.submitted, 1);
}

TEST_F(ExecutorTest, SetDefaultExecutorReplacesTheDefault) {
  auto pool = std::make_shared<InlineExecutor>();
  loop_->set_default_executor(pool);
  EXPECT_EQ(loop_->run_until_complete(loop_->run_in_executor(nullptr, [] { return 3; })), 3);
  EXPECT_EQ(pool->submitted, 1);
}

TEST_F(ExecutorTest, RejectedSubmissionRaisesRuntimeError) {
  InlineExecutor pool;
  pool.shutdown(Executor::Shutdown::kNoWait);
  try {
    loop_->run_in_executor(&pool, [] { return 1; });
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "cannot schedule new futures after shutdown");
  }
}

}  // namespace
}  // namespace seedloop
