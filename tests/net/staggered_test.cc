// staggered_race (loop/net/staggered.h), CPython 3.11's
// asyncio.staggered.staggered_race: staggered starts, the first success
// wins and cancels the rest, a failure starts the next attempt at once.
// Attempts here are plain coroutines that sleep, fail or return.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/net/staggered.h"
#include "tests/net/forms_fixture.h"

namespace seedloop::testing {
namespace {

class StaggeredTest : public FormsTest {
 protected:
  // An attempt that writes down its start, sleeps, then fails or returns `value`.
  std::function<Coro<int>()> attempt(int value, double sleep_s, bool fails) {
    return [this, value, sleep_s, fails]() -> Coro<int> { return run_attempt(value, sleep_s, fails); };
  }
  Coro<int> run_attempt(int value, double sleep_s, bool fails) {
    log.push_back("start " + std::to_string(value));
    Coro<void> pause = sleep(sleep_s);
    co_await std::move(pause);
    log.push_back("end " + std::to_string(value));
    if (fails) throw OSError(0, "attempt " + std::to_string(value) + " failed");
    co_return value;
  }
  Coro<StaggeredRaceResult<int>> race(std::vector<std::function<Coro<int>()>> attempts,
                                      std::optional<double> delay_s) {
    Coro<StaggeredRaceResult<int>> racing = staggered_race<int>(*loop_, std::move(attempts), delay_s);
    StaggeredRaceResult<int> result = co_await std::move(racing);
    co_return result;
  }

  std::vector<std::string> log;
};
INSTANTIATE_TEST_SUITE_P(AllPollers, StaggeredTest, ::testing::Values(PollerKind::kEpoll), poller_name);

TEST_P(StaggeredTest, AFasterLaterAttemptWinsAndTheSlowOneIsCancelled) {
  const double start = loop_->time();
  StaggeredRaceResult<int> r = run(race({attempt(0, 30.0, false), attempt(1, 0.0, false)}, 0.01));
  EXPECT_LT(loop_->time() - start, 5.0);
  EXPECT_EQ(r.winner_index, 1u);
  EXPECT_EQ(r.winner_result, 1);
  ASSERT_EQ(r.exceptions.size(), 2u);
  EXPECT_TRUE(is_cancelled_error(r.exceptions[0]));
  EXPECT_EQ(r.exceptions[1], nullptr);
  EXPECT_EQ(log, (std::vector<std::string>{"start 0", "start 1", "end 1"}));
}

TEST_P(StaggeredTest, AFailureStartsTheNextAttemptWithoutWaitingForTheDelay) {
  const double start = loop_->time();
  StaggeredRaceResult<int> r = run(race({attempt(0, 0.0, true), attempt(1, 0.0, false)}, 30.0));
  EXPECT_LT(loop_->time() - start, 5.0);
  EXPECT_EQ(r.winner_index, 1u);
  EXPECT_EQ(describe_exception(r.exceptions.at(0)), "OSError: attempt 0 failed");
}

TEST_P(StaggeredTest, WithoutADelayAttemptsRunOneAfterTheOther) {
  StaggeredRaceResult<int> r = run(race({attempt(0, 0.01, true), attempt(1, 0.0, true), attempt(2, 0.0, false)},
                                        std::nullopt));
  EXPECT_EQ(r.winner_index, 2u);
  EXPECT_EQ(log, (std::vector<std::string>{"start 0", "end 0", "start 1", "end 1", "start 2", "end 2"}));
}

TEST_P(StaggeredTest, WhenEveryAttemptFailsThereIsNoWinnerAndOneExceptionEach) {
  StaggeredRaceResult<int> r = run(race({attempt(0, 0.0, true), attempt(1, 0.0, true)}, 0.01));
  EXPECT_FALSE(r.winner_index.has_value());
  EXPECT_FALSE(r.winner_result.has_value());
  ASSERT_EQ(r.exceptions.size(), 2u);
  EXPECT_EQ(describe_exception(r.exceptions[1]), "OSError: attempt 1 failed");
}

TEST_P(StaggeredTest, NoAttemptsMeansNoWinner) {
  StaggeredRaceResult<int> r = run(race({}, 0.01));
  EXPECT_FALSE(r.winner_index.has_value());
  EXPECT_TRUE(r.exceptions.empty());
}

}  // namespace
}  // namespace seedloop::testing
