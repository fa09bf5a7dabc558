// Seed 001's examples (../shared/seeds/001_*.txt) that use asyncio.run, as
// written: `asyncio.run(main())` is seedloop::run (loop/aio/run.h), which
// makes a loop from the policy, runs main as a task, then cancels the tasks
// left running, closes async generators, shuts the default executor down,
// unsets the current loop and closes the loop. seed001_test.cc ports the
// same programs with the core's means (a new loop, run_until_complete,
// close); the 实践 examples with the high-level layer are in
// seed001_practice_highlevel_test.cc.
//
// VirtualRunScope makes run()'s loop a loop on virtual time, so
// `await asyncio.sleep(2)` takes no real time and the tests assert exact
// virtual times. Each test quotes the Python original and asserts exactly
// the lines CPython 3.11 printed for it.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/run.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// ---- 运行事件循环: asyncio.run(main()) ----
//
//   async def main():
//       print("Hello, World!")
//   asyncio.run(main())
//
// python3 prints (seed001_run.py):
//   Hello, World!
//
// After asyncio.run the loop is closed and no loop is current
// (asyncio.get_event_loop() raises "There is no current event loop in
// thread 'MainThread'.").
Coro<void> hello_main(Lines& out, std::shared_ptr<EventLoop>& seen) {
  seen = get_running_loop();
  // run() makes its loop the current loop while it runs.
  EXPECT_EQ(get_event_loop_policy()->get_event_loop(), seen);
  out.push_back("Hello, World!");
  co_return;
}

TEST(Seed001HighLevel, RunMainOnANewLoop) {
  VirtualRunScope scope;
  Lines out;
  std::shared_ptr<EventLoop> seen;
  run(hello_main(out, seen));
  EXPECT_EQ(seen, scope.last_loop());
  EXPECT_TRUE(seen->is_closed());
  EXPECT_THROW(get_event_loop(), RuntimeError);
  EXPECT_EQ(out, Lines({"Hello, World!"}));
}

// ---- 相关术语 1.Future: a future set by another task ----
//
//   async def low_level_operation():
//       future = asyncio.Future()
//       async def set_result_later():
//           await asyncio.sleep(2)  # 模拟耗时操作
//           future.set_result('操作完成')
//       asyncio.create_task(set_result_later())
//       result = await future
//       return result
//   async def high_level_operation():
//       await asyncio.sleep(2)
//       return '操作完成'
//   async def main():
//       result1 = await low_level_operation()
//       print(f"低级操作结果: {result1}")
//       result2 = await high_level_operation()
//       print(f"高级操作结果: {result2}")
//   asyncio.run(main())
//
// python3 prints (seed001_future.py; after 2 s, then 4 s):
//   低级操作结果: 操作完成
//   高级操作结果: 操作完成
Coro<void> set_result_later(Future<std::string> future) {
  co_await sleep(2);
  future.set_result("操作完成");
}

Coro<std::string> low_level_operation() {
  Future<std::string> future = get_running_loop()->create_future<std::string>();
  get_running_loop()->create_task(set_result_later(future));
  std::string result = co_await future;
  co_return result;
}

Coro<std::string> high_level_operation() {
  co_await sleep(2);
  co_return "操作完成";
}

Coro<void> future_main(Lines& out, std::vector<double>& times) {
  std::string result1 = co_await low_level_operation();
  times.push_back(get_running_loop()->time());
  out.push_back("低级操作结果: " + result1);
  std::string result2 = co_await high_level_operation();
  times.push_back(get_running_loop()->time());
  out.push_back("高级操作结果: " + result2);
}

TEST(Seed001HighLevel, FutureSetByAnotherTaskWakesItsAwaiterUnderRun) {
  VirtualRunScope scope;
  Lines out;
  std::vector<double> times;
  run(future_main(out, times));
  EXPECT_TRUE(scope.last_loop()->is_closed());
  EXPECT_EQ(out, Lines({"低级操作结果: 操作完成", "高级操作结果: 操作完成"}));
  EXPECT_EQ(times, std::vector<double>({2.0, 4.0}));
}

// ---- asyncio.run cancels the tasks main left running ----
//
// 实践 3's background_task (`while True`), started from an asyncio.run main
// that returns while it still runs; asyncio.run cancels it and waits for it
// before closing the loop. The program that ran
// (seed001_run_cancels_leftover_task.py):
//
//   async def background_task():
//       try:
//           while True:
//               print("Background task running...")
//               await asyncio.sleep(1)
//       except asyncio.CancelledError:
//           print("Background task cancelled")
//           raise
//   async def main():
//       asyncio.create_task(background_task())
//       await asyncio.sleep(2.5)
//       print("main done")
//   asyncio.run(main())
//   print("after asyncio.run")
//
// python3 prints:
//   Background task running...
//   Background task running...
//   Background task running...
//   main done
//   Background task cancelled
//   after asyncio.run
Coro<void> background_task(Lines& out) {
  try {
    while (true) {
      out.push_back("Background task running...");
      co_await sleep(1);
    }
  } catch (const CancelledError&) {
    out.push_back("Background task cancelled");
    throw;
  }
}

Coro<void> leftover_main(Lines& out) {
  get_running_loop()->create_task(background_task(out));
  co_await sleep(2.5);
  out.push_back("main done");
}

TEST(Seed001HighLevel, RunCancelsTheTasksMainLeftRunning) {
  VirtualRunScope scope;
  Lines out;
  run(leftover_main(out));
  out.push_back("after asyncio.run");
  // Cancelled at 2.5 s, when main returned; nothing waited for its sleep.
  EXPECT_EQ(scope.last_loop()->time(), 2.5);
  EXPECT_EQ(out, Lines({"Background task running...", "Background task running...", "Background task running...",
                        "main done", "Background task cancelled", "after asyncio.run"}));
}

}  // namespace
}  // namespace seedloop::examples
