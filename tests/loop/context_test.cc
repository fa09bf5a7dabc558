// contextvars as the loop uses them (asyncio-semantics item 57).

#include "loop/context.h"

#include <string>

#include "gtest/gtest.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;

class ContextTest : public LoopTest {};

TEST_F(ContextTest, GetReturnsDefaultUntilSet) {
  ContextVar<int> var("v", 3);
  EXPECT_EQ(var.get(), 3);
  Context().run([&] {
    var.set(4);
    EXPECT_EQ(var.get(), 4);
  });
  EXPECT_EQ(var.get(), 3);
}

TEST_F(ContextTest, GetWithoutValueOrDefaultRaisesLookupError) {
  ContextVar<int> var("nothing");
  Context().run([&] { EXPECT_THROW(var.get(), LookupError); });
  EXPECT_EQ(var.get(9), 9);
}

TEST_F(ContextTest, ResetRestoresThePreviousValue) {
  ContextVar<std::string> var("v", "default");
  Context().run([&] {
    auto t1 = var.set("a");
    auto t2 = var.set("b");
    var.reset(t2);
    EXPECT_EQ(var.get(), "a");
    var.reset(t1);
    EXPECT_EQ(var.get(), "default");
    EXPECT_THROW(var.reset(t1), RuntimeError);  // "Token has already been used once"
  });
}

TEST_F(ContextTest, CopyContextIsIndependentOfTheOriginal) {
  ContextVar<int> var("v", 0);
  Context outer;
  outer.run([&] {
    var.set(1);
    Context copy = copy_context();
    var.set(2);
    EXPECT_EQ(copy.run([&] { return var.get(); }), 1);
    EXPECT_EQ(copy.size(), 1u);
  });
}

TEST_F(ContextTest, EnteringAnEnteredContextRaises) {
  Context ctx;
  ctx.run([&] { EXPECT_THROW(ctx.run([] {}), RuntimeError); });
}

TEST_F(ContextTest, CallSoonRunsInACopyOfTheCurrentContext) {
  ContextVar<int> var("v", 0);
  Context ctx;
  int seen = -1;
  ctx.run([&] {
    var.set(5);
    loop_->call_soon([&] {
      seen = var.get();
      var.set(6);  // changes the callback's copy only
    });
  });
  run_one_iteration();
  EXPECT_EQ(seen, 5);
  EXPECT_EQ(ctx.run([&] { return var.get(); }), 5);
}

TEST_F(ContextTest, CallSoonWithContextRunsInExactlyThatContext) {
  ContextVar<int> var("v", 0);
  Context ctx;
  loop_->call_soon([&] { var.set(8); }, ctx);
  run_one_iteration();
  EXPECT_EQ(ctx.run([&] { return var.get(); }), 8);
  EXPECT_EQ(var.get(), 0);
}

TEST_F(ContextTest, CallLaterCapturesContextAtSchedulingTime) {
  ContextVar<int> var("v", 0);
  int seen = -1;
  Context().run([&] {
    var.set(1);
    loop_->call_later(1.0, [&] { seen = var.get(); });
    var.set(2);
  });
  run_until(2.0);
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace seedloop
