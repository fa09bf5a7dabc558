// internal::FlowControl (loop/net/internal/flow_control.h): the water marks
// and pause/resume calls of asyncio's transports._FlowControlMixin, which
// socket, datagram and write-pipe transports share.

#include "loop/net/internal/flow_control.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "loop/errors.h"
#include "tests/net/net_fixture.h"

namespace seedloop {
namespace {

using internal::FlowControl;
using testing::NetTest;

class CountingProtocol : public Protocol {
 public:
  void pause_writing() override {
    ++pauses;
    if (fail) throw RuntimeError("no pausing");
  }
  void resume_writing() override { ++resumes; }
  int pauses = 0;
  int resumes = 0;
  bool fail = false;
};

class FlowControlTest : public NetTest {};

TEST_P(FlowControlTest, MissingLimitIsAQuarterOrFourTimesTheOther) {
  FlowControl flow(*loop_);
  EXPECT_EQ(flow.limits(), std::make_pair(size_t{16 * 1024}, size_t{64 * 1024}));
  flow.set_limits(std::nullopt, 100);
  EXPECT_EQ(flow.limits(), std::make_pair(size_t{100}, size_t{400}));
  flow.set_limits(1000, std::nullopt);
  EXPECT_EQ(flow.limits(), std::make_pair(size_t{250}, size_t{1000}));
}

TEST_P(FlowControlTest, HighBelowLowRaisesPythonsValueErrorAndKeepsTheLimits) {
  FlowControl flow(*loop_);
  flow.set_limits(40, 10);
  try {
    flow.set_limits(1, 2);
    ADD_FAILURE() << "set_limits(1, 2) did not raise";
  } catch (const ValueError& e) {
    EXPECT_EQ(e.message(), "high (1) must be >= low (2) must be >= 0");
  }
  EXPECT_EQ(flow.limits(), std::make_pair(size_t{10}, size_t{40}));
}

TEST_P(FlowControlTest, PausesOnceAboveHighAndResumesOnceAtLow) {
  FlowControl flow(*loop_);
  flow.set_limits(100, 10);
  auto protocol = std::make_shared<CountingProtocol>();
  flow.maybe_pause(100, protocol);  // at high: not above it
  EXPECT_EQ(protocol->pauses, 0);
  flow.maybe_pause(101, protocol);
  flow.maybe_pause(500, protocol);
  EXPECT_EQ(protocol->pauses, 1);
  EXPECT_TRUE(flow.protocol_paused());
  flow.maybe_resume(11, protocol);
  EXPECT_EQ(protocol->resumes, 0);
  flow.maybe_resume(10, protocol);
  flow.maybe_resume(0, protocol);
  EXPECT_EQ(protocol->resumes, 1);
  EXPECT_FALSE(flow.protocol_paused());
}

TEST_P(FlowControlTest, FailedPauseWritingGoesToTheHandlerWithTheTransportsEntries) {
  std::optional<ExceptionContext> reported;
  loop_->set_exception_handler([&](EventLoop&, const ExceptionContext& context) { reported = context; });
  FlowControl flow(*loop_, [](ExceptionContext& context) { context.extra["transport"] = "<the transport>"; });
  auto protocol = std::make_shared<CountingProtocol>();
  protocol->fail = true;
  flow.maybe_pause(FlowControl::kDefaultHighWater + 1, protocol);
  ASSERT_TRUE(reported.has_value());
  EXPECT_EQ(reported->message, "protocol.pause_writing() failed");
  EXPECT_EQ(reported->extra["transport"], "<the transport>");
  EXPECT_TRUE(reported->exception != nullptr);
  EXPECT_TRUE(flow.protocol_paused());  // as the mixin: paused before the call
}

INSTANTIATE_TEST_SUITE_P(AllPollers, FlowControlTest, testing::kAllPollers, testing::poller_name);

}  // namespace
}  // namespace seedloop
