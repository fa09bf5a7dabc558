// get_running_loop / get_event_loop / set_event_loop / new_event_loop and
// the policy (seed 003: get_event_loop goes through the policy).

#include "loop/policy.h"

#include <thread>

#include "gtest/gtest.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

// A policy whose loops run on virtual time: how a test simulates code that
// calls new_event_loop().
class VirtualPolicy : public DefaultEventLoopPolicy {
 public:
  VirtualPolicy() : DefaultEventLoopPolicy([] { return sim::new_virtual_backend(); }) {}
};

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override { set_event_loop_policy(&policy_); }
  void TearDown() override {
    set_event_loop(nullptr);
    set_event_loop_policy(nullptr);
  }
  VirtualPolicy policy_;
};

TEST_F(PolicyTest, GetRunningLoopOutsideALoopRaises) {
  try {
    get_running_loop();
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "no running event loop");
  }
}

TEST_F(PolicyTest, GetRunningLoopInsideACallbackIsThatLoop) {
  auto loop = new_event_loop();
  std::shared_ptr<EventLoop> seen;
  loop->call_soon([&] { seen = get_running_loop(); });
  loop->stop();
  loop->run_forever();
  EXPECT_EQ(seen, loop);
  loop->close();
}

TEST_F(PolicyTest, GetEventLoopPrefersTheRunningLoop) {
  auto current = new_event_loop();
  set_event_loop(current);
  auto running = new_event_loop();
  std::shared_ptr<EventLoop> seen;
  running->call_soon([&] { seen = get_event_loop(); });
  running->stop();
  running->run_forever();
  EXPECT_EQ(seen, running);
  EXPECT_EQ(get_event_loop(), current);
  running->close();
  current->close();
}

TEST_F(PolicyTest, SetEventLoopSetsTheCurrentLoop) {
  auto loop = new_event_loop();
  set_event_loop(loop);
  EXPECT_EQ(get_event_loop(), loop);
  EXPECT_EQ(get_event_loop_policy(), &policy_);
  loop->close();
}

TEST_F(PolicyTest, NewEventLoopAsksThePolicy) {
  auto loop = new_event_loop();
  // The policy's loops are virtual: an hour passes instantly.
  loop->call_later(3600.0, [&] { loop->stop(); });
  loop->run_forever();
  EXPECT_DOUBLE_EQ(loop->time(), 3600.0);
  loop->close();
}

TEST_F(PolicyTest, GetEventLoopInAnotherThreadWithoutALoopRaises) {
  std::string error;
  std::thread other([&] {
    try {
      get_event_loop();
    } catch (const RuntimeError& e) {
      error = e.what();
    }
  });
  other.join();
  EXPECT_EQ(error.rfind("There is no current event loop in thread '", 0), 0u) << error;
}

TEST_F(PolicyTest, EachThreadHasItsOwnCurrentLoop) {
  auto mine = new_event_loop();
  set_event_loop(mine);
  std::shared_ptr<EventLoop> theirs_seen;
  std::thread other([&] {
    auto theirs = new_event_loop();
    set_event_loop(theirs);
    theirs_seen = get_event_loop();
    set_event_loop(nullptr);
    theirs->close();
  });
  other.join();
  EXPECT_NE(theirs_seen, mine);
  EXPECT_EQ(get_event_loop(), mine);
  mine->close();
}

TEST_F(PolicyTest, InstallingANewPolicyStartsWithoutACurrentLoop) {
  // Python: get_event_loop() before and after
  // set_event_loop_policy(DefaultEventLoopPolicy()) are different loops.
  auto first = new_event_loop();
  set_event_loop(first);
  VirtualPolicy fresh;
  set_event_loop_policy(&fresh);
  auto second = get_event_loop();  // main thread: made on demand
  EXPECT_NE(second, first);
  set_event_loop(nullptr);
  set_event_loop_policy(&policy_);  // `fresh` goes out of scope
  second->close();
  first->close();
}

TEST(DefaultPolicyTest, NullPolicyRestoresTheDefault) {
  VirtualPolicy p;
  set_event_loop_policy(&p);
  EXPECT_EQ(get_event_loop_policy(), &p);
  set_event_loop_policy(nullptr);
  EXPECT_NE(get_event_loop_policy(), &p);
  EXPECT_NE(dynamic_cast<DefaultEventLoopPolicy*>(get_event_loop_policy()), nullptr);
}

}  // namespace
}  // namespace seedloop
