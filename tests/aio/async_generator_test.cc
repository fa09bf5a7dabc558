// AsyncGenerator and run(): asyncio's async generators, their loop hooks,
// and asyncio.run. Comments quote what python3 printed for the same program.

#include "loop/aio/async_generator.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/run.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

using testing::LoopTest;
using Log = std::vector<std::string>;

// Python:
//   async def ticks(n):
//       try:
//           for i in range(n): await asyncio.sleep(1); yield i
//       finally:
//           log.append('cleanup'); await asyncio.sleep(0); log.append('cleanup done')
AsyncGenerator<int> ticks(int n, Log* log) {
  std::exception_ptr closing;  // C++: no co_await in a catch block
  try {
    for (int i = 0; i < n; ++i) {
      co_await sleep(1);
      co_yield i;
    }
  } catch (...) {
    closing = std::current_exception();
  }
  log->push_back("cleanup");
  co_await sleep(0);
  log->push_back("cleanup done");
  if (closing) std::rethrow_exception(closing);
}

class AsyncGeneratorTest : public LoopTest {};

TEST_F(AsyncGeneratorTest, IteratesToTheEndAndRunsCleanup) {
  // Python: [0, 1, 2] ['cleanup', 'cleanup done']
  Log log;
  auto body = [&]() -> Coro<std::vector<int>> {
    std::vector<int> out;
    AsyncGenerator<int> gen = ticks(3, &log);
    while (std::optional<int> v = co_await gen.anext()) out.push_back(*v);
    co_return out;
  };
  EXPECT_EQ(loop_->run_until_complete(body()), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(log, (Log{"cleanup", "cleanup done"}));
  EXPECT_DOUBLE_EQ(loop_->time(), 3.0);
}

TEST_F(AsyncGeneratorTest, AcloseRunsAsyncCleanupAtThePausedYield) {
  // Python: 0 1 / ['cleanup', 'cleanup done']
  Log log;
  auto body = [&]() -> Coro<std::vector<int>> {
    AsyncGenerator<int> gen = ticks(10, &log);
    std::vector<int> got;
    got.push_back(*co_await gen.anext());
    got.push_back(*co_await gen.anext());
    co_await gen.aclose();
    std::optional<int> after = co_await gen.anext();
    EXPECT_FALSE(after.has_value());
    co_return got;
  };
  EXPECT_EQ(loop_->run_until_complete(body()), (std::vector<int>{0, 1}));
  EXPECT_EQ(log, (Log{"cleanup", "cleanup done"}));
}

TEST_F(AsyncGeneratorTest, GeneratorIgnoringGeneratorExitMakesAcloseRaise) {
  // Python: async generator ignored GeneratorExit
  auto ignorer = []() -> AsyncGenerator<int> {
    while (true) {
      try {
        co_yield 1;
      } catch (const GeneratorExit&) {
      }
    }
  };
  std::string error;
  auto body = [&]() -> Coro<void> {
    AsyncGenerator<int> gen = ignorer();
    co_await gen.anext();
    try {
      co_await gen.aclose();
    } catch (const RuntimeError& e) {
      error = e.what();
    }
  };
  loop_->run_until_complete(body());
  EXPECT_EQ(error, "async generator ignored GeneratorExit");
}

TEST_F(AsyncGeneratorTest, AthrowRaisesAtTheYield) {
  auto catcher = []() -> AsyncGenerator<std::string> {
    std::string caught;
    try {
      co_yield "first";
    } catch (const ValueError& e) {
      caught = e.what();  // C++: no co_yield inside a catch block
    }
    co_yield "caught " + caught;
  };
  auto body = [&]() -> Coro<std::string> {
    AsyncGenerator<std::string> gen = catcher();
    co_await gen.anext();
    std::optional<std::string> v = co_await gen.athrow(std::make_exception_ptr(ValueError("v")));
    co_await gen.aclose();
    co_return *v;
  };
  EXPECT_EQ(loop_->run_until_complete(body()), "caught v");
}

TEST_F(AsyncGeneratorTest, ExceptionInTheBodyPropagatesFromAnext) {
  auto failing = []() -> AsyncGenerator<int> {
    co_yield 1;
    throw ValueError("gen failed");
  };
  auto body = [&]() -> Coro<void> {
    AsyncGenerator<int> gen = failing();
    co_await gen.anext();
    EXPECT_THROW(co_await gen.anext(), ValueError);
    std::optional<int> after = co_await gen.anext();
    EXPECT_FALSE(after.has_value());  // finished
  };
  loop_->run_until_complete(body());
}

TEST_F(AsyncGeneratorTest, ShutdownAsyncgensClosesLiveGenerators) {
  Log log;
  AsyncGenerator<int> kept;
  auto body = [&]() -> Coro<void> {
    kept = ticks(10, &log);
    co_await kept.anext();
  };
  loop_->run_until_complete(body());
  EXPECT_TRUE(log.empty());
  loop_->run_until_complete(loop_->shutdown_asyncgens());
  EXPECT_EQ(log, (Log{"cleanup", "cleanup done"}));
}

TEST_F(AsyncGeneratorTest, DroppedPausedGeneratorIsFinalizedOnItsLoop) {
  Log log;
  auto body = [&]() -> Coro<void> {
    AsyncGenerator<int> gen = ticks(10, &log);
    co_await gen.anext();
  };  // gen dropped while paused at co_yield
  loop_->run_until_complete(body());
  run_until(loop_->time() + 1);
  EXPECT_EQ(log, (Log{"cleanup", "cleanup done"}));
}

// Loops made by run() come from the policy: make them virtual.
class VirtualPolicy : public DefaultEventLoopPolicy {
 public:
  VirtualPolicy() : DefaultEventLoopPolicy([] { return sim::new_virtual_backend(); }) {}
};

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override { set_event_loop_policy(&policy_); }
  void TearDown() override { set_event_loop_policy(nullptr); }
  VirtualPolicy policy_;
};

TEST_F(RunTest, ReturnsMainsResultAndClosesTheLoop) {
  // Python: main done
  std::shared_ptr<EventLoop> seen;
  auto main_coro = [](std::shared_ptr<EventLoop>* seen) -> Coro<std::string> {
    *seen = get_running_loop();
    get_running_loop()->create_task(sleep(10));  // left pending: cancelled at shutdown
    co_return "main done";
  };
  EXPECT_EQ(run(main_coro(&seen)), "main done");
  EXPECT_TRUE(seen->is_closed());
  EXPECT_DOUBLE_EQ(seen->time(), 0.0);  // the pending sleep was cancelled, not waited for
}

TEST_F(RunTest, MainsExceptionPropagates) {
  // Python: run raised main failed
  auto main_coro = []() -> Coro<void> {
    co_await sleep(0);
    throw ValueError("main failed");
  };
  try {
    run(main_coro());
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "main failed");
  }
}

TEST_F(RunTest, RunInsideARunningLoopRaises) {
  // Python: asyncio.run() cannot be called from a running event loop
  std::string error;
  auto inner = []() -> Coro<int> { co_return 1; };
  auto main_coro = [&]() -> Coro<void> {
    try {
      run(inner());
    } catch (const RuntimeError& e) {
      error = e.what();
    }
    co_return;
  };
  run(main_coro());
  EXPECT_EQ(error, "asyncio.run() cannot be called from a running event loop");
}

TEST_F(RunTest, ClosesOpenAsyncGeneratorsAtShutdown) {
  // Python: after run ['cleanup', 'cleanup done']
  Log log;
  AsyncGenerator<int> left_open;
  auto main_coro = [](AsyncGenerator<int>* g, Log* log) -> Coro<void> {
    *g = ticks(10, log);
    co_await g->anext();
  };
  run(main_coro(&left_open, &log));
  EXPECT_EQ(log, (Log{"cleanup", "cleanup done"}));
}

TEST_F(RunTest, DebugOptionSetsDebugMode) {
  bool debug = false;
  auto main_coro = [](bool* debug) -> Coro<void> {
    *debug = get_running_loop()->get_debug();
    co_return;
  };
  run(main_coro(&debug), {.debug = true});
  EXPECT_TRUE(debug);
}

TEST_F(RunTest, LeftoverTaskFailingOnCancelIsReportedAtShutdown) {
  // Python: the handler gets 'unhandled exception during asyncio.run()
  // shutdown' with the ValueError.
  std::vector<std::string> reports;
  auto leftover = []() -> Coro<void> {
    try {
      co_await sleep(10);
    } catch (const CancelledError&) {
      throw ValueError("failed while cancelled");
    }
  };
  auto main_coro = [](std::vector<std::string>* reports, Coro<void> child) -> Coro<void> {
    get_running_loop()->set_exception_handler([reports](EventLoop&, const ExceptionContext& c) {
      reports->push_back(c.message + " / " + describe_exception(c.exception));
    });
    get_running_loop()->create_task(std::move(child));
    co_await sleep(0);
  };
  run(main_coro(&reports, leftover()));
  EXPECT_EQ(reports, (std::vector<std::string>{
                         "unhandled exception during asyncio.run() shutdown / ValueError: failed while cancelled"}));
}

}  // namespace
}  // namespace seedloop
