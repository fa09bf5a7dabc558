#include <vector>

#include "gtest/gtest.h"
#include "loop/backend.h"

namespace seedloop {
namespace {

TEST(DefaultBackendTest, NewDefaultBackendHasEveryMember) {
  Backend backend = new_default_backend();
  ASSERT_NE(backend.clock, nullptr);
  ASSERT_NE(backend.poller, nullptr);
  ASSERT_NE(backend.threads, nullptr);
}

TEST(DefaultBackendTest, PostWakesTheBackendsOwnPoller) {
  Backend backend = new_default_backend();
  backend.threads->post([] {});
  std::vector<IoEvent> events;
  backend.poller->poll(std::nullopt, 64, &events);  // a lost wakeup hangs: the test times out
  std::vector<absl::AnyInvocable<void() &&>> items;
  EXPECT_EQ(backend.threads->drain(&items), 1u);
  EXPECT_TRUE(events.empty());
}

TEST(DefaultBackendTest, TimePassesInPoll) {
  Backend backend = new_default_backend();
  int64_t start = backend.clock->now_ns();
  std::vector<IoEvent> events;
  backend.poller->poll(int64_t{2'000'000}, 64, &events);
  EXPECT_GE(backend.clock->now_ns() - start, 2'000'000);
}

}  // namespace
}  // namespace seedloop
