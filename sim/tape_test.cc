// The choice tape: a fixed generator, exact replay, mismatch reports, JSON,
// and shrinking.

#include "sim/tape.h"

#include <vector>

#include "gtest/gtest.h"

namespace seedloop::sim {
namespace {

TEST(TapeTest, SplitMix64OutputIsFixedForever) {
  // The reference outputs of SplitMix64 for seed 0.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(rng.next(), 0x06C45D188009454FULL);
}

TEST(TapeTest, MapToBoundStaysInRangeAndUsesTheHighBits) {
  EXPECT_EQ(map_to_bound(0, 10), 0u);
  EXPECT_EQ(map_to_bound(~uint64_t{0}, 10), 9u);
  EXPECT_EQ(map_to_bound(uint64_t{1} << 63, 10), 5u);
  EXPECT_EQ(map_to_bound(12345, 1), 0u);
}

TEST(TapeTest, SameSeedGivesTheSameChoices) {
  Tape a = Tape::from_seed(7);
  Tape b = Tape::from_seed(7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*a.choose(ChoiceKind::kTimerTieOrder, 5), *b.choose(ChoiceKind::kTimerTieOrder, 5));
  EXPECT_EQ(a.choices(), b.choices());
}

TEST(TapeTest, ReplayReproducesARecordedRun) {
  Tape fresh = Tape::from_seed(99);
  std::vector<uint64_t> values;
  for (uint64_t bound : {3, 10, 1, 1000}) values.push_back(*fresh.choose(ChoiceKind::kExecutorDuration, bound));
  Tape replay = Tape::replay(fresh.choices());
  EXPECT_TRUE(replay.replaying());
  std::vector<uint64_t> again;
  for (uint64_t bound : {3, 10, 1, 1000}) again.push_back(*replay.choose(ChoiceKind::kExecutorDuration, bound));
  EXPECT_EQ(values, again);
}

TEST(TapeTest, ReplayMismatchIsReportedAtTheFirstDifferingChoice) {
  Tape t = Tape::replay({{ChoiceKind::kReadinessOrder, 4, 1}, {ChoiceKind::kTimerTieOrder, 3, 2}});
  EXPECT_EQ(*t.choose(ChoiceKind::kReadinessOrder, 4), 1u);
  absl::StatusOr<uint64_t> v = t.choose(ChoiceKind::kTimerTieOrder, 5);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(v.status().message(),
            "choice 1: the program asks for timer_tie_order with bound 5, the tape recorded timer_tie_order with bound 3");
}

TEST(TapeTest, RunningPastTheEndOfAStrictTapeFails) {
  Tape t = Tape::replay({});
  absl::StatusOr<uint64_t> v = t.choose(ChoiceKind::kCallbackCost, 2);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(v.status().message(), "choice 0 (callback_cost, bound 2): the tape has only 0 choices");
}

TEST(TapeTest, LenientReplayReadsMissingChoicesAsZeroAndFoldsValues) {
  Tape t = Tape::replay({{ChoiceKind::kReadinessOrder, 10, 7}}, Tape::Replay::kLenient);
  EXPECT_EQ(*t.choose(ChoiceKind::kExecutorOrder, 4), 3u);  // 7 % 4
  EXPECT_EQ(*t.choose(ChoiceKind::kExecutorOrder, 4), 0u);  // past the end
  EXPECT_EQ(t.choices().size(), 2u);
}

TEST(TapeTest, ZeroBoundIsAnError) {
  Tape t = Tape::from_seed(1);
  EXPECT_EQ(t.choose(ChoiceKind::kReadinessOrder, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TapeTest, JsonRoundTripKeepsEveryChoice) {
  Tape t = Tape::from_seed(5);
  for (int i = 0; i < 10; ++i) (void)t.choose(ChoiceKind::kThreadsafeArrival, 3 + i);
  std::string text = to_json(t);
  absl::StatusOr<Tape> back = tape_from_json(text, "t.json");
  ASSERT_TRUE(back.ok()) << back.status();
  Tape replay = *std::move(back);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(*replay.choose(ChoiceKind::kThreadsafeArrival, 3 + i), t.choices()[i].value);
}

TEST(TapeTest, MalformedJsonNamesTheSourceAndTheField) {
  EXPECT_EQ(tape_from_json("{", "bad.json").status().message(), "bad.json: not valid JSON");
  EXPECT_EQ(tape_from_json(R"({"version": 2, "choices": []})", "v.json").status().message(),
            "v.json: field \"version\" must be 1");
  EXPECT_EQ(tape_from_json(R"({"version": 1})", "c.json").status().message(),
            "c.json: field \"choices\" must be an array");
  EXPECT_EQ(tape_from_json(R"({"version": 1, "choices": [["timer_tie_order", 3, 1], ["nope", 2, 0]]})", "k.json")
                .status()
                .message(),
            "k.json: choices[1]: unknown kind");
  EXPECT_EQ(tape_from_json(R"({"version": 1, "choices": [["timer_tie_order", 3, 3]]})", "r.json").status().message(),
            "r.json: choices[0]: value must be below bound");
}

TEST(TapeTest, ShrinkFindsTheSmallestFailingTape) {
  // Fails whenever some choice has value >= 5: the minimal tape is one
  // choice of value 5.
  std::vector<Choice> failing;
  Tape t = Tape::from_seed(3);
  for (int i = 0; i < 40; ++i) (void)t.choose(ChoiceKind::kCallbackCost, 100);
  failing = t.choices();
  auto fails = [](const std::vector<Choice>& c) {
    for (const Choice& x : c) {
      if (x.value >= 5) return true;
    }
    return false;
  };
  ASSERT_TRUE(fails(failing));
  ShrinkResult r = shrink(failing, fails);
  ASSERT_EQ(r.choices.size(), 1u);
  EXPECT_EQ(r.choices[0].value, 5u);
  EXPECT_GT(r.attempts, 0);
}

TEST(TapeTest, ShrinkRespectsItsAttemptBudget) {
  std::vector<Choice> failing(50, Choice{ChoiceKind::kCallbackCost, 10, 9});
  int calls = 0;
  ShrinkResult r = shrink(
      failing,
      [&](const std::vector<Choice>&) {
        ++calls;
        return false;  // no candidate fails: shrinking would go on forever
      },
      7);
  EXPECT_EQ(r.attempts, 7);
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(r.choices, failing);
}

TEST(TapeTest, PctTapeDeviatesAtMostDepthTimes) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Tape t = Tape::from_seed_pct(seed, 3, 40);
    int deviations = 0;
    for (int i = 0; i < 40; ++i) {
      absl::StatusOr<uint64_t> v = t.choose(ChoiceKind::kCallbackCost, 4);
      ASSERT_TRUE(v.ok());
      deviations += *v != 0 ? 1 : 0;
    }
    EXPECT_LE(deviations, 3) << "seed " << seed;
  }
}

TEST(TapeTest, PctTapeIsAFunctionOfItsSeed) {
  Tape a = Tape::from_seed_pct(7, 2, 10);
  Tape b = Tape::from_seed_pct(7, 2, 10);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(*a.choose(ChoiceKind::kTimerTieOrder, 3), *b.choose(ChoiceKind::kTimerTieOrder, 3));
  }
  EXPECT_EQ(a.choices(), b.choices());
}

TEST(TapeTest, PctFindsADeviationSomewhereOverManySeeds) {
  int seeds_with_a_deviation = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    Tape t = Tape::from_seed_pct(seed, 1, 5);
    bool deviated = false;
    for (int i = 0; i < 5; ++i) deviated = *t.choose(ChoiceKind::kCallbackCost, 4) != 0 || deviated;
    seeds_with_a_deviation += deviated ? 1 : 0;
  }
  // One point per seed, a nonzero value 3 times in 4.
  EXPECT_GT(seeds_with_a_deviation, 50);
  EXPECT_LT(seeds_with_a_deviation, 100);
}

}  // namespace
}  // namespace seedloop::sim
