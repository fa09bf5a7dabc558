// asyncio.timeout()/timeout_at() (asyncio-semantics item 43). Orders and
// texts in comments are what python3 (CPython 3.11.7) printed for the same
// program, written with `async with asyncio.timeout(...) as cm:`.

#include "loop/aio/timeout.h"

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Trace = std::vector<std::string>;

class TimeoutTest : public LoopTest {
 protected:
  // Runs `main` as a task to completion.
  void run(std::function<Coro<void>()> main) {
    main_ = std::move(main);
    loop_->run_until_complete(main_());
  }
  std::function<Coro<void>()> main_;
};

std::string error_text(std::function<void()> fn) {
  try {
    fn();
  } catch (const BaseException& e) {
    return std::string(e.type_name()) + ": " + e.message();
  }
  return "no exception";
}

TEST_F(TimeoutTest, TimeoutExpiryRaisesTimeoutError) {
  // Python: TimeoutError() with __cause__ CancelledError(); cm.expired()
  // True; repr <Timeout [expired]>; current_task().cancelling() 0.
  run([&]() -> Coro<void> {
    Timeout cm = timeout(0.5);
    EXPECT_DOUBLE_EQ(*cm.when(), 0.5);
    try {
      co_await cm.async_with([&]() -> Coro<void> { co_await sleep(10); });
      ADD_FAILURE() << "no TimeoutError";
    } catch (const TimeoutError& e) {
      EXPECT_STREQ(e.what(), "");
      EXPECT_THROW(std::rethrow_if_nested(e), CancelledError);
    }
    EXPECT_DOUBLE_EQ(loop_->time(), 0.5);
    EXPECT_TRUE(cm.expired());
    EXPECT_EQ(cm.state(), Timeout::State::kExpired);
    EXPECT_EQ(cm.repr(), "<Timeout [expired]>");
    EXPECT_EQ(current_task()->cancelling(), 0);
  });
}

TEST_F(TimeoutTest, BodyFinishingInTimeReturnsItsValueAndCancelsTheDeadline) {
  // Python: J False <Timeout [finished]>
  run([&]() -> Coro<void> {
    Timeout cm = timeout(5);
    int v = co_await cm.async_with([&](Timeout&) -> Coro<int> {
      co_await sleep(1);
      co_return 42;
    });
    EXPECT_EQ(v, 42);
    EXPECT_FALSE(cm.expired());
    EXPECT_EQ(cm.repr(), "<Timeout [finished]>");
    co_await sleep(10);  // the cancelled deadline does not cancel us later
    EXPECT_EQ(current_task()->cancelling(), 0);
  });
  EXPECT_DOUBLE_EQ(loop_->time(), 11.0);
}

TEST_F(TimeoutTest, TimeoutSwallowedCancelStillMarksExpired) {
  // Python: "2 swallowed", then expired True, <Timeout [expired]>,
  // cancelling() 0: the scope exits normally.
  Trace trace;
  run([&]() -> Coro<void> {
    Timeout cm = timeout(0.5);
    co_await cm.async_with([&]() -> Coro<void> {
      try {
        co_await sleep(10);
      } catch (const CancelledError&) {
        trace.push_back("swallowed");
      }
    });
    trace.push_back("exited normally");
    EXPECT_TRUE(cm.expired());
    EXPECT_EQ(cm.repr(), "<Timeout [expired]>");
    EXPECT_EQ(current_task()->cancelling(), 0);
  });
  EXPECT_EQ(trace, (Trace{"swallowed", "exited normally"}));
}

TEST_F(TimeoutTest, NestedTimeoutsOnlyTheExpiredOneConverts) {
  // Python, inner expires: "inner TimeoutError True False", then the outer
  // exits normally with expired() False.
  // Python, outer expires: the inner scope sees CancelledError (inner
  // expired False, outer True); the outer raises TimeoutError.
  Trace trace;
  run([&]() -> Coro<void> {
    Timeout outer = timeout(10);
    Timeout inner = timeout(0.5);
    co_await outer.async_with([&]() -> Coro<void> {
      try {
        co_await inner.async_with([&]() -> Coro<void> { co_await sleep(10); });
      } catch (const TimeoutError&) {
        trace.push_back("inner TimeoutError " + std::to_string(inner.expired()) + std::to_string(outer.expired()));
      }
      co_await sleep(0);
    });
    trace.push_back("outer exited " + std::to_string(outer.expired()));

    Timeout outer2 = timeout(0.5);
    Timeout inner2 = timeout(10);
    try {
      co_await outer2.async_with([&]() -> Coro<void> {
        try {
          co_await inner2.async_with([&]() -> Coro<void> { co_await sleep(10); });
        } catch (const CancelledError&) {
          trace.push_back("inner saw CancelledError " + std::to_string(inner2.expired()) +
                          std::to_string(outer2.expired()));
          throw;
        }
      });
    } catch (const TimeoutError&) {
      trace.push_back("outer TimeoutError");
    }
  });
  EXPECT_EQ(trace, (Trace{"inner TimeoutError 10", "outer exited 0", "inner saw CancelledError 01",
                          "outer TimeoutError"}));
}

TEST_F(TimeoutTest, NestedTimeoutsExpiringTogetherOnlyTheOuterConverts) {
  // Python: "inner raised CancelledError True True", "outer raised
  // TimeoutError True": the inner's uncancel() leaves 1 > its saved 0.
  Trace trace;
  run([&]() -> Coro<void> {
    Timeout outer = timeout(0.5);
    Timeout inner = timeout(0.5);
    try {
      co_await outer.async_with([&]() -> Coro<void> {
        try {
          co_await inner.async_with([&]() -> Coro<void> { co_await sleep(10); });
        } catch (const CancelledError&) {
          trace.push_back("inner raised CancelledError");
          throw;
        }
      });
    } catch (const TimeoutError&) {
      trace.push_back("outer raised TimeoutError");
    }
    EXPECT_TRUE(inner.expired());
    EXPECT_TRUE(outer.expired());
    EXPECT_EQ(current_task()->cancelling(), 0);
  });
  EXPECT_EQ(trace, (Trace{"inner raised CancelledError", "outer raised TimeoutError"}));
}

TEST_F(TimeoutTest, RescheduleToPastExpiresOnNextIteration) {
  // Python: ['cb', 'cb2', 'body cancelled', 'timeout']: the expiry is a
  // call_soon queued between cb and cb2, and the body resumes one
  // iteration later.
  Trace trace;
  run([&]() -> Coro<void> {
    Timeout cm = timeout(std::nullopt);
    try {
      co_await cm.async_with([&]() -> Coro<void> {
        EXPECT_EQ(cm.when(), std::nullopt);
        EXPECT_EQ(cm.repr(), "<Timeout [active] when=None>");
        loop_->call_soon([&] { trace.push_back("cb expired=" + std::to_string(cm.expired())); });
        cm.reschedule(loop_->time() - 1);
        loop_->call_soon([&] { trace.push_back("cb2 expired=" + std::to_string(cm.expired())); });
        try {
          co_await sleep(10);
        } catch (const CancelledError&) {
          trace.push_back("body cancelled");
          throw;
        }
      });
    } catch (const TimeoutError&) {
      trace.push_back("timeout");
    }
  });
  EXPECT_EQ(trace, (Trace{"cb expired=0", "cb2 expired=1", "body cancelled", "timeout"}));
  EXPECT_DOUBLE_EQ(loop_->time(), 0.0);
}

TEST_F(TimeoutTest, RescheduleLaterMovesTheDeadline) {
  // Python: G elapsed 2.0
  run([&]() -> Coro<void> {
    EXPECT_THROW(co_await with_timeout(0.5,
                                       [&](Timeout& cm) -> Coro<void> {
                                         cm.reschedule(loop_->time() + 2);
                                         co_await sleep(10);
                                       }),
                 TimeoutError);
  });
  EXPECT_DOUBLE_EQ(loop_->time(), 2.0);
}

TEST_F(TimeoutTest, RescheduleToNoneDisablesTheTimeout) {
  // Python: H ok False <Timeout [finished]>
  run([&]() -> Coro<void> {
    Timeout cm = timeout(0.1);
    co_await cm.async_with([&]() -> Coro<void> {
      cm.reschedule(std::nullopt);
      co_await sleep(0.3);
    });
    EXPECT_FALSE(cm.expired());
    EXPECT_EQ(cm.repr(), "<Timeout [finished]>");
  });
  EXPECT_DOUBLE_EQ(loop_->time(), 0.3);
}

TEST_F(TimeoutTest, RescheduleOutsideTheActiveStateRaises) {
  // Python: A Timeout has not been entered / B Cannot change state of
  // finished Timeout / D ... of expired Timeout / E ... of expiring Timeout
  // <Timeout [expiring]>
  run([&]() -> Coro<void> {
    Timeout cm = timeout(1);
    EXPECT_EQ(error_text([&] { cm.reschedule(5); }), "RuntimeError: Timeout has not been entered");
    co_await cm.async_with([]() -> Coro<void> { co_return; });
    EXPECT_EQ(error_text([&] { cm.reschedule(5); }), "RuntimeError: Cannot change state of finished Timeout");

    Timeout cm2 = timeout(0.1);
    EXPECT_THROW(co_await cm2.async_with([]() -> Coro<void> { co_await sleep(1); }), TimeoutError);
    EXPECT_EQ(error_text([&] { cm2.reschedule(5); }), "RuntimeError: Cannot change state of expired Timeout");

    Timeout cm3 = timeout(0.1);
    EXPECT_THROW(co_await cm3.async_with([&]() -> Coro<void> {
      try {
        co_await sleep(1);
      } catch (const CancelledError&) {
        EXPECT_EQ(cm3.repr(), "<Timeout [expiring]>");
        EXPECT_EQ(error_text([&] { cm3.reschedule(5); }), "RuntimeError: Cannot change state of expiring Timeout");
        throw;
      }
    }),
                 TimeoutError);
  });
}

TEST_F(TimeoutTest, TimeoutEnteredTwiceRaises) {
  // Python: C Timeout has already been entered
  run([&]() -> Coro<void> {
    Timeout cm = timeout(1);
    co_await cm.async_with([]() -> Coro<void> { co_return; });
    try {
      co_await cm.async_with([]() -> Coro<void> { co_return; });
      ADD_FAILURE() << "no exception";
    } catch (const RuntimeError& e) {
      EXPECT_STREQ(e.what(), "Timeout has already been entered");
    }
  });
}

TEST_F(TimeoutTest, TimeoutOutsideATaskRaises) {
  // Python: asyncio.timeout(1) outside a loop -> "no running event loop";
  // __aenter__ in a call_soon callback -> "Timeout should be used inside a
  // task".
  EXPECT_EQ(error_text([] { timeout(1); }), "RuntimeError: no running event loop");
  std::string seen;
  Timeout cm = timeout_at(std::nullopt);
  loop_->call_soon([&] { seen = error_text([&] { cm.aenter(); }); });
  run_one_iteration();
  EXPECT_EQ(seen, "RuntimeError: Timeout should be used inside a task");
}

TEST_F(TimeoutTest, TimeoutZeroExpiresAtTheFirstAwait) {
  // Python: "I body start", "I timeout" (the code after sleep(0) never
  // runs); with no await at all the scope finishes unexpired (J).
  Trace trace;
  run([&]() -> Coro<void> {
    try {
      co_await with_timeout(0, [&]() -> Coro<void> {
        trace.push_back("body start");
        co_await sleep(0);
        trace.push_back("after sleep0");
      });
    } catch (const TimeoutError&) {
      trace.push_back("timeout");
    }
    Timeout cm = timeout(0);
    co_await cm.async_with([&]() -> Coro<void> { co_return; });
    EXPECT_FALSE(cm.expired());
  });
  EXPECT_EQ(trace, (Trace{"body start", "timeout"}));
}

TEST_F(TimeoutTest, OutsideCancelInsideTimeoutStaysCancelledError) {
  // Python: K cancelled ('bye',) 1
  Task<void> t = loop_->create_task(with_timeout(10, []() -> Coro<void> { co_await sleep(5); }));
  loop_->call_later(1.0, [t] { t.cancel("bye"); });
  try {
    loop_->run_until_complete(t);
    FAIL() << "no exception";
  } catch (const CancelledError& e) {
    EXPECT_STREQ(e.what(), "bye");
  }
  EXPECT_EQ(t.cancelling(), 1);
  EXPECT_DOUBLE_EQ(loop_->time(), 1.0);
}

TEST_F(TimeoutTest, OutsideCancelAtExpiryIsNotConverted) {
  // Python: "L expired? True", "L cancelled 1": two cancel requests, the
  // scope takes back only its own.
  bool expired_in_body = false;
  Task<void> t = loop_->create_task(with_timeout(1, [&](Timeout& cm) -> Coro<void> {
    try {
      co_await sleep(5);
    } catch (const CancelledError&) {
      expired_in_body = cm.expired();
      throw;
    }
  }));
  loop_->call_at(1.0, [t] { t.cancel(); });
  EXPECT_THROW(loop_->run_until_complete(t), CancelledError);
  EXPECT_TRUE(expired_in_body);
  EXPECT_TRUE(t.cancelled());
  EXPECT_EQ(t.cancelling(), 1);
}

TEST_F(TimeoutTest, TimeoutAtUsesAnAbsoluteDeadline) {
  clock_->advance(100'000'000'000);  // loop time 100 s
  run([&]() -> Coro<void> {
    Timeout cm = timeout_at(101.5);
    EXPECT_EQ(cm.repr(), "<Timeout [created]>");
    EXPECT_THROW(co_await cm.async_with([&]() -> Coro<void> {
      EXPECT_EQ(cm.repr(), "<Timeout [active] when=101.5>");
      co_await sleep(10);
    }),
                 TimeoutError);
  });
  EXPECT_DOUBLE_EQ(loop_->time(), 101.5);
}

TEST_F(TimeoutTest, ReprRoundsTheDeadlineAsPython) {
  // Python: repr(round(1.23456, 3)) '1.235', round(3.0, 3) '3.0',
  // round(2.675, 3) '2.675', round(1e17 + 0.5, 3) '1e+17'.
  run([&]() -> Coro<void> {
    for (auto [when, text] : std::vector<std::pair<double, std::string>>{
             {1.23456, "1.235"}, {3.0, "3.0"}, {2.675, "2.675"}, {1e17 + 0.5, "1e+17"}}) {
      Timeout cm = timeout_at(when);
      co_await cm.async_with([&]() -> Coro<void> {
        EXPECT_EQ(cm.repr(), "<Timeout [active] when=" + text + ">");
        co_return;
      });
    }
  });
}

TEST_F(TimeoutTest, TimeoutScopeCostsNoIteration) {
  // Python: entering and leaving a timeout that does not fire costs 0
  // iterations (t7.py: "timeout 0").
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    loop_->call_soon(tick);
  };
  run([&]() -> Coro<void> {
    loop_->call_soon(tick);
    int before = ticks;
    co_await with_timeout(1, []() -> Coro<void> { co_return; });
    EXPECT_EQ(ticks - before, 0);
  });
}

TEST_F(TimeoutTest, TimeoutPendingWhenTheLoopClosesIsFreed) {
  // seedloop lifetime: the pending deadline and the abandoned task are
  // released when the loop closes (LSan checks).
  Task<void> t = loop_->create_task(with_timeout(10, []() -> Coro<void> { co_await sleep(20); }));
  run_until(1.0);
  loop_->close();
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].message, "Task was destroyed but it is pending!");
}

}  // namespace
}  // namespace seedloop
