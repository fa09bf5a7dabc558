// Seed 000's examples (../shared/seeds/000_*.txt) that are written with
// `asyncio.run(main())`, ported with seedloop::run (loop/aio/run.h) as
// written. seed000_test.cc ports the same programs with the core's means (a
// new loop, run_until_complete(main()), close()); here run() makes the loop
// (from the policy: VirtualRunScope makes it a virtual-time loop), runs main
// as a task, then cancels what is left, closes async generators, shuts the
// default executor down, unsets the current loop and closes the loop.
//
// Each test quotes the Python original and asserts exactly the lines
// CPython 3.11 printed for it (tests/examples/python/, the same programs as
// seed000_test.cc's).

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "loop/aio/run.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// What every run() test checks after run() returned: the loop it made is
// closed and is no longer the current loop. (Python: after asyncio.run,
// asyncio.get_event_loop() raises RuntimeError in the main thread, since
// set_event_loop(None) was called.)
void expect_run_cleaned_up(const VirtualRunScope& scope) {
  ASSERT_NE(scope.last_loop(), nullptr);
  EXPECT_TRUE(scope.last_loop()->is_closed());
  EXPECT_THROW(get_event_loop(), RuntimeError);
}

// ---- 四. loop.time() ----
//
//   async def my_coroutine():
//       start_time = asyncio.get_event_loop().time()
//       await asyncio.sleep(1)
//       end_time = asyncio.get_event_loop().time()
//       elapsed_time = end_time - start_time
//       print(f"Coroutine took {elapsed_time:.2f} seconds to complete")
//   async def main():
//       await my_coroutine()
//   asyncio.run(main())
//
// python3 prints (seed000_time.py):
//   Coroutine took 1.00 seconds to complete
Coro<void> my_coroutine(Lines& out) {
  double start_time = get_event_loop()->time();
  co_await sleep(1);
  double end_time = get_event_loop()->time();
  double elapsed_time = end_time - start_time;
  out.push_back(absl::StrFormat("Coroutine took %.2f seconds to complete", elapsed_time));
}

Coro<void> time_main(Lines& out) { co_await my_coroutine(out); }

TEST(Seed000HighLevel, LoopTimeMeasuresAnAwaitedSleepUnderRun) {
  VirtualRunScope scope;
  Lines out;
  run(time_main(out));
  EXPECT_EQ(scope.last_loop()->time(), 1.0);
  expect_run_cleaned_up(scope);
  EXPECT_EQ(out, Lines({"Coroutine took 1.00 seconds to complete"}));
}

// ---- 五. call_later / call_at / call_soon / call_soon_threadsafe ----
//
//   def my_callback(arg1, arg2):
//       print(f"Callback called with arguments: {arg1}, {arg2}")
//
// The arguments are bound in a lambda (C++'s call_later(delay, callback,
// *args)); each callback also notes the loop time at which it ran.
void my_callback(Lines& out, const std::string& arg1, const std::string& arg2) {
  out.push_back(absl::StrFormat("Callback called with arguments: %s, %s", arg1, arg2));
}

//   async def main():
//       loop = asyncio.get_event_loop()
//       loop.call_later(2, my_callback, "Hello", "World")
//       await asyncio.sleep(3)  # 等待足够的时间以确保回调函数执行
//   asyncio.run(main())
//
// python3 prints (seed000_call_later.py; after 3 s):
//   Callback called with arguments: Hello, World
Coro<void> call_later_main(Lines& out, double& ran_at) {
  std::shared_ptr<EventLoop> loop = get_event_loop();
  loop->call_later(2, [&out, &ran_at, loop] {
    ran_at = loop->time();
    my_callback(out, "Hello", "World");
  });
  co_await sleep(3);
}

TEST(Seed000HighLevel, CallLaterRunsTheCallbackAfterTheDelayUnderRun) {
  VirtualRunScope scope;
  Lines out;
  double ran_at = -1;
  run(call_later_main(out, ran_at));
  EXPECT_EQ(ran_at, 2.0);
  EXPECT_EQ(scope.last_loop()->time(), 3.0);
  expect_run_cleaned_up(scope);
  EXPECT_EQ(out, Lines({"Callback called with arguments: Hello, World"}));
}

//   async def main():
//       loop = asyncio.get_event_loop()
//       current_time = loop.time()  # 获取当前时间戳
//       target_time = current_time + 2
//       loop.call_at(target_time, my_callback, "Hello", "World")
//       await asyncio.sleep(3)  # 等待足够的时间以确保回调函数执行
//   asyncio.run(main())
//
// python3 prints (seed000_call_at.py; after 3 s):
//   Callback called with arguments: Hello, World
Coro<void> call_at_main(Lines& out, double& ran_at) {
  std::shared_ptr<EventLoop> loop = get_event_loop();
  double current_time = loop->time();
  double target_time = current_time + 2;
  loop->call_at(target_time, [&out, &ran_at, loop] {
    ran_at = loop->time();
    my_callback(out, "Hello", "World");
  });
  co_await sleep(3);
}

TEST(Seed000HighLevel, CallAtRunsTheCallbackAtTheAbsoluteTimeUnderRun) {
  // The clock starts away from zero so that "absolute" matters.
  VirtualRunScope scope({.start_ns = 1'000'000'000'000});
  Lines out;
  double ran_at = -1;
  run(call_at_main(out, ran_at));
  EXPECT_EQ(ran_at, 1002.0);
  EXPECT_EQ(scope.last_loop()->time(), 1003.0);
  expect_run_cleaned_up(scope);
  EXPECT_EQ(out, Lines({"Callback called with arguments: Hello, World"}));
}

//   async def main():
//       loop = asyncio.get_event_loop()
//       loop.call_soon(my_callback, "Hello", "World")
//       await asyncio.sleep(0.1)  # 等待一小段时间以确保回调函数执行
//   asyncio.run(main())
//
// python3 prints (seed000_call_soon.py):
//   Callback called with arguments: Hello, World
Coro<void> call_soon_main(Lines& out, double& ran_at) {
  std::shared_ptr<EventLoop> loop = get_event_loop();
  loop->call_soon([&out, &ran_at, loop] {
    ran_at = loop->time();
    my_callback(out, "Hello", "World");
  });
  co_await sleep(0.1);
}

TEST(Seed000HighLevel, CallSoonRunsTheCallbackInTheNextIterationUnderRun) {
  VirtualRunScope scope;
  Lines out;
  double ran_at = -1;
  run(call_soon_main(out, ran_at));
  EXPECT_EQ(ran_at, 0.0);  // before any time passed
  EXPECT_EQ(scope.last_loop()->time(), 0.1);
  expect_run_cleaned_up(scope);
  EXPECT_EQ(out, Lines({"Callback called with arguments: Hello, World"}));
}

//   async def main():
//       loop = asyncio.get_event_loop()
//       thread = threading.Thread(target=lambda: loop.call_soon_threadsafe(
//           my_callback, "Hello", "World"))
//       thread.start()
//       thread.join()
//   asyncio.run(main())
//
// python3 prints (seed000_call_soon_threadsafe.py):
//   Callback called with arguments: Hello, World
//
// main() returns right after join(); the posted callback still runs, on
// the loop's thread, before run() returns: in the iteration that ends
// run_until_complete(main), or at the latest while run() shuts down.
Coro<void> call_soon_threadsafe_main(Lines& out, std::thread::id& ran_on) {
  std::shared_ptr<EventLoop> loop = get_event_loop();
  std::thread thread([&out, &ran_on, loop] {
    loop->call_soon_threadsafe([&out, &ran_on] {
      ran_on = std::this_thread::get_id();
      my_callback(out, "Hello", "World");
    });
  });
  thread.join();
  co_return;
}

TEST(Seed000HighLevel, CallSoonThreadsafeFromAnotherThreadRunsOnTheLoopUnderRun) {
  VirtualRunScope scope({.real_threads_may_post = true});
  Lines out;
  std::thread::id ran_on;
  run(call_soon_threadsafe_main(out, ran_on));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  expect_run_cleaned_up(scope);
  EXPECT_EQ(out, Lines({"Callback called with arguments: Hello, World"}));
}

}  // namespace
}  // namespace seedloop::examples
