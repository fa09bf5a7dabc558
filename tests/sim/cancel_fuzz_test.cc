// sim::fuzz_cancel: every suspension point of a C++ program cancelled (or
// its enclosing timeout expired), named by file:line.

#include "sim/cancel_fuzz.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/timeout.h"
#include "loop/coro.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "loop/sync/held.h"
#include "loop/sync/lock.h"
#include "loop/task.h"

namespace seedloop::sim {
namespace {

constexpr const char* kThisFile = "tests/sim/cancel_fuzz_test.cc";

// ---- A correct program: a lock-protected counter that cleans up ----

struct Counter {
  Lock lock;
  int value = 0;
  int inside = 0;  // tasks between entering and leaving the critical section
};

Coro<void> bump(std::shared_ptr<Counter> c) {
  Held<Lock> held = co_await c->lock.hold();
  ++c->inside;
  try {
    co_await sleep(0.1);
    ++c->value;
  } catch (...) {
    --c->inside;  // the `finally` of a cancelled critical section
    throw;
  }
  --c->inside;
}

Coro<void> counter_main(std::shared_ptr<Counter> c) {
  Task<void> a = get_running_loop()->create_task(bump(c));
  Task<void> b = get_running_loop()->create_task(bump(c));
  co_await a;
  co_await b;
}

absl::Status counter_intact(const Counter& c) {
  if (c.inside != 0) return absl::InternalError(absl::StrCat(c.inside, " task(s) left inside"));
  if (c.lock.locked()) return absl::InternalError("the lock is still held");
  return absl::OkStatus();
}

TEST(CancelFuzz, CorrectProgramPassesEveryPointWithFullCoverage) {
  std::shared_ptr<Counter> counter;
  CancelFuzzSpec spec;
  spec.check = [&] { return counter_intact(*counter); };
  CancelFuzzReport r = fuzz_cancel(
      [&] {
        counter = std::make_shared<Counter>();
        return counter_main(counter);
      },
      spec);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_GT(r.points, 2u);
  EXPECT_EQ(r.runs, r.points + 1);
  EXPECT_EQ(r.reached, r.seen) << coverage_summary(r);
  EXPECT_EQ(coverage_summary(r).substr(0, 26), "suspension points reached:");
}

// ---- A planted bug: a release after a co_await, not in a destructor ----

struct Resource {
  int in_use = 0;
  int leak_line = 0;  // the line of the co_await the leak hides behind
};

Coro<void> leaky_user(std::shared_ptr<Resource> r) {
  ++r->in_use;
  r->leak_line = __LINE__; co_await sleep(0.1);  // NOLINT: the await site must share the line
  --r->in_use;  // skipped when cancelled above
  co_await sleep(0.1);
}

absl::Status resource_released(const Resource& r) {
  return r.in_use == 0 ? absl::OkStatus() : absl::InternalError("resource leaked");
}

TEST(CancelFuzz, PlantedLeakIsFoundAtExactlyItsAwait) {
  std::shared_ptr<Resource> res;
  CancelFuzzSpec spec;
  spec.check = [&] { return resource_released(*res); };
  CancelFuzzReport r = fuzz_cancel(
      [&] {
        res = std::make_shared<Resource>();
        return leaky_user(res);
      },
      spec);
  ASSERT_EQ(r.points, 2u);
  ASSERT_EQ(r.failures.size(), 1u) << describe(r);
  const CancelFuzzFailure& f = r.failures[0];
  EXPECT_EQ(f.injection, "point 0");
  ASSERT_EQ(f.where.size(), 1u);
  const std::string site = absl::StrCat(kThisFile, ":", res->leak_line, " > ");
  EXPECT_EQ(f.where[0].substr(0, site.size()), site) << f.where[0];
  EXPECT_EQ(f.failures, std::vector<std::string>{"check: INTERNAL: resource leaked"});
}

TEST(CancelFuzz, PointIsNamedByEveryAwaitFromTheTaskTopToTheInnermost) {
  int outer_line = 0;
  std::shared_ptr<Resource> res;
  CancelFuzzSpec spec;
  CancelFuzzReport r = fuzz_cancel(
      [&]() -> Coro<void> {
        res = std::make_shared<Resource>();
        Coro<void> inner = leaky_user(res);
        outer_line = __LINE__; co_await std::move(inner);  // NOLINT: same line
      },
      spec);
  ASSERT_FALSE(r.seen.empty());
  const std::string& first = *r.seen.begin();
  // main's co_await > leaky_user's co_await > sleep's co_await of its future.
  const std::string prefix =
      absl::StrCat(kThisFile, ":", outer_line, " > ", kThisFile, ":", res->leak_line, " > loop/aio/sleep.cc:");
  EXPECT_EQ(first.substr(0, prefix.size()), prefix) << first;
}

// ---- The timeout variant ----

struct Timed {
  int timeouts = 0;  // TimeoutErrors caught by the program
};

Coro<void> timed_main(std::shared_ptr<Timed> t) {
  co_await sleep(0.1);  // in no timeout() scope: not applicable
  try {
    co_await with_timeout(10.0, []() -> Coro<void> { co_await sleep(0.1); });
  } catch (const TimeoutError&) {
    ++t->timeouts;
  }
}

TEST(CancelFuzz, ExpiringTimeoutTurnsTheSuspensionIntoTimeoutError) {
  std::shared_ptr<Timed> timed;
  int timeouts_total = 0;
  CancelFuzzSpec spec;
  spec.injection = Injection::kExpireTimeout;
  spec.check = [&] {
    timeouts_total += timed->timeouts;
    return absl::OkStatus();
  };
  CancelFuzzReport r = fuzz_cancel(
      [&] {
        timed = std::make_shared<Timed>();
        return timed_main(timed);
      },
      spec);
  EXPECT_TRUE(r.ok()) << describe(r);
  ASSERT_EQ(r.points, 2u);
  EXPECT_EQ(timeouts_total, 1);
  EXPECT_EQ(r.reached.size(), 1u);
  ASSERT_EQ(r.not_applicable.size(), 1u);
  EXPECT_NE(coverage_summary(r).find("suspension points reached: 1 of 2\n  not applicable (no timeout): "),
            std::string::npos)
      << coverage_summary(r);
}

struct Nested {
  int inner_timeouts = 0;  // caught inside the outer scope's body
};

Coro<void> nested_main(std::shared_ptr<Nested> n) {
  // Named before the co_await (g++ 12 and temporaries with destructors).
  Coro<void> outer = with_timeout(100.0, [n]() -> Coro<void> {
    try {
      Coro<void> inner = with_timeout(10.0, []() -> Coro<void> { co_await sleep(0.1); });
      co_await std::move(inner);
    } catch (const TimeoutError&) {
      ++n->inner_timeouts;
    }
  });
  co_await std::move(outer);
}

TEST(CancelFuzz, ExpiryHitsTheInnermostEnclosingTimeout) {
  std::shared_ptr<Nested> nested;
  int caught = 0;
  CancelFuzzSpec spec;
  spec.injection = Injection::kExpireTimeout;
  spec.check = [&] {
    caught += nested->inner_timeouts;
    return absl::OkStatus();
  };
  CancelFuzzReport r = fuzz_cancel(
      [&] {
        nested = std::make_shared<Nested>();
        return nested_main(nested);
      },
      spec);
  EXPECT_TRUE(r.ok()) << describe(r);
  ASSERT_EQ(r.points, 1u);
  EXPECT_EQ(caught, 1);  // the inner scope expired; the outer body carried on
}

TEST(CancelFuzz, TimeoutErrorEscapingMainIsExpectedWhenInjected) {
  CancelFuzzSpec spec;
  spec.injection = Injection::kExpireTimeout;
  CancelFuzzReport r = fuzz_cancel(
      [] { return with_timeout(10.0, []() -> Coro<void> { co_await sleep(0.1); }); }, spec);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.reached, r.seen);
}

// ---- Loop-level invariants ----

Coro<void> fail_later() {
  co_await sleep(0.1);
  throw ValueError("nobody asks");
}

TEST(CancelFuzz, UnretrievedTaskExceptionIsAFailure) {
  CancelFuzzSpec spec;
  CancelFuzzReport r = fuzz_cancel(
      []() -> Coro<void> {
        Task<void> orphan = get_running_loop()->create_task(fail_later());
        co_await sleep(1.0);
      },
      spec);
  ASSERT_FALSE(r.failures.empty());
  EXPECT_EQ(r.failures[0].injection, "no injection");
  EXPECT_EQ(r.failures[0].failures[0].substr(0, 37), "exception handler: Task exception was") << describe(r);
}

// ---- Random mode: tape, replay, determinism ----

CancelFuzzSpec random_spec() {
  CancelFuzzSpec spec;
  spec.random_runs = 20;
  spec.one_in = 2;
  spec.options.seed = 100;
  return spec;
}

TEST(CancelFuzz, RandomFailureReplaysFromItsTape) {
  std::shared_ptr<Resource> res;
  CancelFuzzSpec spec = random_spec();
  spec.check = [&] { return resource_released(*res); };
  auto program = [&] {
    res = std::make_shared<Resource>();
    return leaky_user(res);
  };
  CancelFuzzReport r = fuzz_cancel(program, spec);
  ASSERT_FALSE(r.failures.empty());
  EXPECT_LT(r.failures.size(), 20u);
  const CancelFuzzFailure& f = r.failures[0];

  CancelFuzzSpec replay = spec;
  replay.random_runs = 1;
  replay.options.replay = f.tape;
  CancelFuzzReport again = fuzz_cancel(program, replay);
  ASSERT_EQ(again.failures.size(), 1u);
  EXPECT_EQ(again.failures[0].where, f.where);
  EXPECT_EQ(again.failures[0].failures, f.failures);
}

TEST(CancelFuzz, SameSeedGivesTheSameReport) {
  std::shared_ptr<Counter> counter;
  CancelFuzzSpec spec = random_spec();
  auto program = [&] {
    counter = std::make_shared<Counter>();
    return counter_main(counter);
  };
  CancelFuzzReport a = fuzz_cancel(program, spec);
  CancelFuzzReport b = fuzz_cancel(program, spec);
  EXPECT_EQ(a.seen, b.seen);
  EXPECT_EQ(a.reached, b.reached);
  EXPECT_FALSE(a.reached.empty());
  EXPECT_EQ(describe(a), describe(b));
  ASSERT_EQ(a.failures.size(), b.failures.size());
  for (size_t i = 0; i < a.failures.size(); ++i) EXPECT_EQ(a.failures[i].tape, b.failures[i].tape);
}

}  // namespace
}  // namespace seedloop::sim
