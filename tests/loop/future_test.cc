// asyncio.Future's contract (asyncio-semantics items 22-28), with CPython's
// C-accelerated error texts.

#include "loop/future.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;

class FutureTest : public LoopTest {};

template <typename E, typename F>
std::string error_text(F&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

TEST_F(FutureTest, NewFutureIsPending) {
  Future<int> f = loop_->create_future<int>();
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.cancelled());
  EXPECT_EQ(f.get_loop(), loop_.get());
}

TEST_F(FutureTest, ResultOfPendingFutureRaisesInvalidState) {
  Future<int> f = loop_->create_future<int>();
  EXPECT_EQ(error_text<InvalidStateError>([&] { f.result(); }), "Result is not set.");
  EXPECT_EQ(error_text<InvalidStateError>([&] { f.exception(); }), "Exception is not set.");
}

TEST_F(FutureTest, SetResultMakesItDoneWithTheValue) {
  Future<std::string> f = loop_->create_future<std::string>();
  f.set_result("hi");
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.result(), "hi");
  EXPECT_EQ(f.exception(), nullptr);
}

TEST_F(FutureTest, VoidFutureSetResultTakesNoValue) {
  Future<void> f = loop_->create_future();
  f.set_result();
  EXPECT_TRUE(f.done());
  EXPECT_NO_THROW(f.result());
}

TEST_F(FutureTest, SetResultTwiceRaisesInvalidState) {
  Future<int> f = loop_->create_future<int>();
  f.set_result(1);
  EXPECT_EQ(error_text<InvalidStateError>([&] { f.set_result(2); }), "invalid state");
  EXPECT_EQ(error_text<InvalidStateError>([&] { f.set_exception(ValueError("x")); }), "invalid state");
  EXPECT_EQ(f.result(), 1);
}

TEST_F(FutureTest, ResultReraisesTheSameExceptionEachTime) {
  Future<int> f = loop_->create_future<int>();
  f.set_exception(ValueError("bad"));
  std::exception_ptr first = f.exception();
  EXPECT_EQ(first, f.exception());
  EXPECT_EQ(error_text<ValueError>([&] { f.result(); }), "bad");
  EXPECT_EQ(error_text<ValueError>([&] { f.result(); }), "bad");
}

TEST_F(FutureTest, CancelMovesPendingFutureToCancelled) {
  Future<int> f = loop_->create_future<int>();
  EXPECT_TRUE(f.cancel("why"));
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancel());
}

TEST_F(FutureTest, CancelledFutureRaisesCancelledErrorWithMessageEveryTime) {
  Future<int> f = loop_->create_future<int>();
  f.cancel("why");
  EXPECT_EQ(error_text<CancelledError>([&] { f.result(); }), "why");
  EXPECT_EQ(error_text<CancelledError>([&] { f.result(); }), "why");
  EXPECT_EQ(error_text<CancelledError>([&] { f.exception(); }), "why");
}

TEST_F(FutureTest, CancelOnDoneFutureReturnsFalse) {
  Future<int> f = loop_->create_future<int>();
  f.set_result(1);
  EXPECT_FALSE(f.cancel());
  EXPECT_EQ(f.result(), 1);
}

TEST_F(FutureTest, DoneCallbacksAreScheduledNotCalledInline) {
  Future<int> f = loop_->create_future<int>();
  std::vector<int> seen;
  f.add_done_callback([&](const Future<int>& g) { seen.push_back(g.result()); });
  f.set_result(5);
  EXPECT_TRUE(seen.empty());
  run_one_iteration();
  EXPECT_EQ(seen, (std::vector<int>{5}));
}

TEST_F(FutureTest, DoneCallbacksRunInRegistrationOrder) {
  Future<int> f = loop_->create_future<int>();
  std::vector<std::string> seen;
  for (std::string name : {"a", "b", "c"}) f.add_done_callback([&seen, name](const Future<int>&) { seen.push_back(name); });
  f.set_result(0);
  run_one_iteration();
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(FutureTest, AddDoneCallbackOnDoneFutureSchedulesAtOnce) {
  Future<int> f = loop_->create_future<int>();
  f.set_result(1);
  bool called = false;
  f.add_done_callback([&](const Future<int>&) { called = true; });
  EXPECT_FALSE(called);
  run_one_iteration();
  EXPECT_TRUE(called);
}

TEST_F(FutureTest, RemoveDoneCallbackRemovesAndCounts) {
  Future<int> f = loop_->create_future<int>();
  bool called = false;
  uint64_t id = f.add_done_callback([&](const Future<int>&) { called = true; });
  EXPECT_EQ(f.remove_done_callback(id), 1u);
  EXPECT_EQ(f.remove_done_callback(id), 0u);
  f.set_result(1);
  run_one_iteration();
  EXPECT_FALSE(called);
}

TEST_F(FutureTest, CancelSchedulesDoneCallbacks) {
  Future<int> f = loop_->create_future<int>();
  bool saw_cancelled = false;
  f.add_done_callback([&](const Future<int>& g) { saw_cancelled = g.cancelled(); });
  f.cancel();
  run_one_iteration();
  EXPECT_TRUE(saw_cancelled);
}

TEST_F(FutureTest, UnretrievedExceptionIsReportedWhenTheFutureGoes) {
  {
    Future<int> f = loop_->create_future<int>();
    f.set_exception(ValueError("lost"));
  }
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message, "Future exception was never retrieved");
  EXPECT_EQ(reports_[0].exception, "ValueError: lost");
  EXPECT_TRUE(reports_[0].has_future);
}

TEST_F(FutureTest, RetrievedExceptionIsNotReported) {
  {
    Future<int> f = loop_->create_future<int>();
    f.set_exception(ValueError("seen"));
    f.exception();
  }
  {
    Future<int> g = loop_->create_future<int>();
    g.set_exception(ValueError("seen"));
    EXPECT_THROW(g.result(), ValueError);
  }
  EXPECT_TRUE(reports_.empty());
}

TEST_F(FutureTest, CancelOnDoneFutureStillMarksExceptionRetrieved) {
  {
    Future<int> f = loop_->create_future<int>();
    f.set_exception(ValueError("x"));
    EXPECT_FALSE(f.cancel());
  }
  EXPECT_TRUE(reports_.empty());
}

TEST_F(FutureTest, FutureMayOutliveItsLoop) {
  Future<int> f;
  {
    auto loop = EventLoop::create(sim::new_virtual_backend());
    f = loop->create_future<int>();
    f.set_exception(ValueError("late"));
    loop->close();
  }
  EXPECT_EQ(f.get_loop(), nullptr);
  EXPECT_THROW(f.result(), ValueError);
}

TEST_F(FutureTest, DoneCallbackRunsInContextCapturedAtRegistration) {
  ContextVar<int> var("var", 0);
  Future<int> f = loop_->create_future<int>();
  var.set(1);
  int seen = -1;
  f.add_done_callback([&](const Future<int>&) { seen = var.get(); });
  var.set(2);
  f.set_result(0);
  run_one_iteration();
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace seedloop
