// seedloop's own helpers under sim::fuzz_cancel: wait_for, TaskGroup and
// Semaphore, cancelled (or their enclosing timeout expired) at every
// suspension point, with each program's own invariants checked when the
// library promises them, not only at the end of the run (asyncio.run cancels
// and finishes every leftover task, which would hide a late cleanup).
//
// These are the "the program's own assertions": a program records a
// violation the moment a promise breaks, and spec.check reports it.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/task_group.h"
#include "loop/aio/timeout.h"
#include "loop/aio/wait_for.h"
#include "loop/coro.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "loop/sync/held.h"
#include "loop/sync/semaphore.h"
#include "loop/task.h"
#include "sim/cancel_fuzz.h"

namespace seedloop {
namespace {

using sim::CancelFuzzReport;
using sim::CancelFuzzSpec;
using sim::Injection;

// What a program saw; the check turns it into the run's verdict.
struct Ledger {
  int open = 0;                     // resources taken and not yet given back
  std::vector<std::string> broken;  // promises seen broken, when they broke

  absl::Status verdict() const {
    if (!broken.empty()) return absl::InternalError(broken.front());
    if (open != 0) return absl::InternalError(absl::StrCat(open, " resource(s) never given back"));
    return absl::OkStatus();
  }
};

// Takes a resource, works in two steps, gives it back even when cancelled.
Coro<int> use_resource(std::shared_ptr<Ledger> ledger) {
  ++ledger->open;
  try {
    co_await sleep(0.01);
    co_await sleep(0.01);
  } catch (...) {
    --ledger->open;  // the `finally` of a cancelled worker
    throw;
  }
  --ledger->open;
  co_return 7;
}

CancelFuzzReport fuzz(Injection injection, std::shared_ptr<Ledger>& ledger,
                      std::function<Coro<void>(std::shared_ptr<Ledger>)> program) {
  CancelFuzzSpec spec;
  spec.injection = injection;
  spec.check = [&] { return ledger->verdict(); };
  return sim::fuzz_cancel(
      [&] {
        ledger = std::make_shared<Ledger>();
        return program(ledger);
      },
      spec);
}

// ---- wait_for: when it raises, the inner task has finished ----

// tasks.wait_for (3.11): a cancelled wait_for cancels the inner task and
// waits for it (_cancel_and_wait), so its cleanup has run when
// CancelledError (or TimeoutError) reaches the caller (bpo-32751).
Coro<void> wait_for_main(std::shared_ptr<Ledger> ledger) {
  bool raised = false;
  try {
    Coro<int> inner = use_resource(ledger);
    int v = co_await wait_for(std::move(inner), 1.0);
    if (v != 7) ledger->broken.push_back(absl::StrCat("wait_for returned ", v));
  } catch (const CancelledError&) {
    raised = true;
  } catch (const TimeoutError&) {
    raised = true;
  }
  if (raised && ledger->open != 0) {
    ledger->broken.push_back("wait_for raised before the inner task ran its cleanup");
  }
  if (raised) throw CancelledError();  // the run's injected cancel, passed on
}

Coro<void> wait_for_in_timeout(std::shared_ptr<Ledger> ledger) {
  // Named first: g++ 12 destroys a lambda temporary inside co_await twice.
  auto body = [ledger]() -> Coro<void> {
    Coro<void> inner = wait_for_main(ledger);
    co_await std::move(inner);
  };
  Coro<void> scope = with_timeout(5.0, body);
  co_await std::move(scope);
}

TEST(CancelFuzzLibrary, WaitForFinishesItsInnerTaskBeforeRaising) {
  std::shared_ptr<Ledger> ledger;
  CancelFuzzReport r = fuzz(Injection::kCancel, ledger, wait_for_main);
  EXPECT_TRUE(r.ok()) << sim::describe(r);
  EXPECT_GE(r.points, 3u);
  // Every point of the plain run was injected at; wait_for's own wait for
  // the cancelled inner task is seen only in injected runs.
  EXPECT_GE(r.reached.size(), 3u) << sim::coverage_summary(r);
}

TEST(CancelFuzzLibrary, WaitForInsideAnExpiredTimeoutFinishesItsInnerTask) {
  std::shared_ptr<Ledger> ledger;
  CancelFuzzReport r = fuzz(Injection::kExpireTimeout, ledger, wait_for_in_timeout);
  EXPECT_TRUE(r.ok()) << sim::describe(r);
  EXPECT_FALSE(r.reached.empty()) << sim::coverage_summary(r);
}

// ---- TaskGroup: leaving the scope means every child is done ----

Coro<void> task_group_main(std::shared_ptr<Ledger> ledger) {
  auto children = std::make_shared<std::vector<Task<int>>>();
  bool left = false;
  try {
    auto body = [ledger, children](TaskGroup& tg) -> Coro<void> {
      for (int i = 0; i < 3; ++i) children->push_back(tg.create_task(use_resource(ledger)));
      co_await sleep(0.005);
    };
    Coro<void> scope = task_group(body);
    co_await std::move(scope);
    left = true;
  } catch (const CancelledError&) {
    left = true;
  }
  for (Task<int>& t : *children) {
    if (!t.done()) ledger->broken.push_back("a child was still pending when the TaskGroup scope ended");
  }
  if (left && ledger->open != 0) ledger->broken.push_back("the TaskGroup ended before its children cleaned up");
}

TEST(CancelFuzzLibrary, TaskGroupScopeEndsOnlyAfterEveryChildIsDone) {
  std::shared_ptr<Ledger> ledger;
  CancelFuzzReport r = fuzz(Injection::kCancel, ledger, task_group_main);
  EXPECT_TRUE(r.ok()) << sim::describe(r);
  EXPECT_GE(r.points, 4u);
  EXPECT_EQ(r.reached, r.seen) << sim::coverage_summary(r);
}

// ---- Semaphore: units come back, nobody sleeps forever ----

struct Pool {
  Semaphore slots{2};
  int inside = 0;
};

Coro<void> pooled_worker(std::shared_ptr<Pool> pool, std::shared_ptr<Ledger> ledger) {
  Held<Semaphore> held = co_await pool->slots.hold();
  if (++pool->inside > 2) ledger->broken.push_back("three workers inside a Semaphore(2)");
  try {
    co_await sleep(0.01);
  } catch (...) {
    --pool->inside;
    throw;
  }
  --pool->inside;
}

Coro<void> semaphore_main(std::shared_ptr<Ledger> ledger) {
  auto pool = std::make_shared<Pool>();
  std::shared_ptr<EventLoop> loop = get_running_loop();
  std::vector<Task<void>> workers;
  for (int i = 0; i < 4; ++i) workers.push_back(loop->create_task(pooled_worker(pool, ledger)));
  // Wait for each, whatever became of the others (a cancelled worker is fine).
  for (Task<void>& w : workers) {
    try {
      co_await w;
    } catch (const CancelledError&) {
      if (!w.cancelled()) throw;  // main itself was cancelled
    }
  }
  if (pool->slots.value() != 2) {
    ledger->broken.push_back(absl::StrCat("Semaphore(2) ends with value ", pool->slots.value()));
  }
}

TEST(CancelFuzzLibrary, SemaphoreGivesEveryUnitBackWhateverIsCancelled) {
  std::shared_ptr<Ledger> ledger;
  CancelFuzzReport r = fuzz(Injection::kCancel, ledger, semaphore_main);
  EXPECT_TRUE(r.ok()) << sim::describe(r);
  EXPECT_GE(r.points, 6u);
  EXPECT_EQ(r.reached, r.seen) << sim::coverage_summary(r);
}

TEST(CancelFuzzLibrary, RandomInjectionsKeepTheSemaphoreWhole) {
  std::shared_ptr<Ledger> ledger;
  CancelFuzzSpec spec;
  spec.random_runs = 200;
  spec.one_in = 3;
  spec.check = [&] { return ledger->verdict(); };
  CancelFuzzReport r = sim::fuzz_cancel(
      [&] {
        ledger = std::make_shared<Ledger>();
        return semaphore_main(ledger);
      },
      spec);
  EXPECT_TRUE(r.ok()) << sim::describe(r);
  EXPECT_EQ(r.runs, 200u);
}

}  // namespace
}  // namespace seedloop
