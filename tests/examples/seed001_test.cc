// The code examples of seed 001 (../shared/seeds/001_*.txt: "事件循环" —
// Future, Task, running and stopping the loop, the loop's clock), ported to
// seedloop; its "实践" practice examples are in seed001_practice_test.cc. Each test quotes the Python
// original and asserts exactly the lines CPython 3.11 printed for it.
//
// These ports use the core's means for `asyncio.run(main())`: a new loop,
// run_until_complete(main()), close(). seed001_highlevel_test.cc runs the
// asyncio.run programs with seedloop::run (loop/aio/run.h), as written.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

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
// python3 prints (after 2 s, then 4 s):
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

TEST(Seed001, FutureSetByAnotherTaskWakesItsAwaiter) {
  Lines out;
  std::vector<double> times;
  auto loop = new_virtual_loop();
  loop->run_until_complete(future_main(out, times));
  loop->close();
  EXPECT_EQ(out, Lines({"低级操作结果: 操作完成", "高级操作结果: 操作完成"}));
  EXPECT_EQ(times, std::vector<double>({2.0, 4.0}));
}

// ---- 1. Future 的实际应用场景, 2.实现回调转异步 ----
//
//   async def callback_to_async(callback_based_func):
//       future = asyncio.Future()
//       def callback(result):
//           future.set_result(result)
//       callback_based_func(callback)
//       return await future
//
// The seed leaves callback_based_func open; the program that ran:
//
//   def fetch_with_callback(callback):
//       asyncio.get_running_loop().call_later(1, callback, "data")
//   async def main():
//       loop = asyncio.get_running_loop()
//       t0 = loop.time()
//       print(await callback_to_async(fetch_with_callback))
//       print(loop.time() - t0)
//
// python3 prints "data", then 1.0013094659998387 (real time; exactly 1.0 on
// virtual time).
using StringCallback = std::function<void(std::string)>;

Coro<std::string> callback_to_async(std::function<void(StringCallback)> callback_based_func) {
  Future<std::string> future = get_running_loop()->create_future<std::string>();
  auto callback = [future](std::string result) { future.set_result(std::move(result)); };
  callback_based_func(callback);
  co_return co_await future;
}

void fetch_with_callback(StringCallback callback) {
  get_running_loop()->call_later(1, [callback] { callback("data"); });
}

Coro<void> callback_to_async_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  double t0 = loop->time();
  out.push_back(co_await callback_to_async(fetch_with_callback));
  out.push_back(py_float_repr(loop->time() - t0));
}

TEST(Seed001, CallbackBecomesAwaitableThroughAFuture) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(callback_to_async_main(out));
  loop->close();
  EXPECT_EQ(out, Lines({"data", "1.0"}));
}

// ---- 1. Future 的实际应用场景, 3.并发操作的底层控制 ----
//
//   async def complex_operation():
//       future = asyncio.Future()
//       tasks = [asyncio.create_task(some_task()) for _ in range(3)]
//       def done_callback(_):
//           if all(t.done() for t in tasks):
//               results = [t.result() for t in tasks]
//               future.set_result(results)
//       for task in tasks:
//           task.add_done_callback(done_callback)
//       return await future
//
// The seed leaves some_task open; the program that ran:
//
//   counter = 0
//   async def some_task():
//       global counter
//       counter += 1
//       n = counter
//       await asyncio.sleep(n)
//       return n * 10
//   async def main():
//       loop = asyncio.get_running_loop()
//       t0 = loop.time()
//       print(await complex_operation())
//       print(loop.time() - t0)
//
// python3 prints "[10, 20, 30]", then 3.0021812569998474 (real time;
// exactly 3.0 on virtual time).
Coro<int> some_task(int& counter) {
  counter += 1;
  int n = counter;
  co_await sleep(n);
  co_return n * 10;
}

Coro<std::vector<int>> complex_operation(int& counter) {
  Future<std::vector<int>> future = get_running_loop()->create_future<std::vector<int>>();
  auto tasks = std::make_shared<std::vector<Task<int>>>();
  for (int i = 0; i < 3; ++i) tasks->push_back(get_running_loop()->create_task(some_task(counter)));
  auto done_callback = [future, tasks](const Future<int>&) {
    for (const Task<int>& t : *tasks) {
      if (!t.done()) return;
    }
    std::vector<int> results;
    for (const Task<int>& t : *tasks) results.push_back(t.result());
    future.set_result(results);
  };
  for (const Task<int>& task : *tasks) task.add_done_callback(done_callback);
  co_return co_await future;
}

Coro<void> complex_operation_main(Lines& out) {
  int counter = 0;
  std::shared_ptr<EventLoop> loop = get_running_loop();
  double t0 = loop->time();
  out.push_back(py_list_repr(co_await complex_operation(counter)));
  out.push_back(py_float_repr(loop->time() - t0));
}

TEST(Seed001, DoneCallbacksSetAFutureWhenAllTasksAreDone) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(complex_operation_main(out));
  loop->close();
  EXPECT_EQ(out, Lines({"[10, 20, 30]", "3.0"}));
}

// ---- 2. Task: loop.create_task + run_until_complete ----
//
//   async def say_hello():
//       print("Hello")
//       await asyncio.sleep(1)
//       print("World")
//   loop = asyncio.get_event_loop()
//   task = loop.create_task(say_hello())
//   loop.run_until_complete(task)
//
// python3 prints:
//   Hello
//   World
Coro<void> say_hello(Lines& out) {
  out.push_back("Hello");
  co_await sleep(1);
  out.push_back("World");
}

TEST(Seed001, LoopCreateTaskThenRunUntilComplete) {
  VirtualPolicyScope policy;
  Lines out;
  std::shared_ptr<EventLoop> loop = get_event_loop();
  Task<void> task = loop->create_task(say_hello(out));
  loop->run_until_complete(task);
  EXPECT_TRUE(task.done());
  EXPECT_EQ(loop->time(), 1.0);
  EXPECT_EQ(out, Lines({"Hello", "World"}));
}

// ---- 3. Future vs Task ----
//
//   future = asyncio.Future()
//   future.set_result(42)  # 手动设置结果
//   async def coro():
//       return 42
//   task = asyncio.create_task(coro())  # 自动执行并设置结果
//
// As written (at module level) python3 fails at the last line:
//   RuntimeError: no running event loop
// (asyncio.create_task is get_running_loop().create_task). Moved into a
// coroutine it runs:
//
//   async def main():
//       future = asyncio.Future()
//       future.set_result(42)
//       print(future.result())
//       task = asyncio.create_task(coro())
//       print(task.done())
//       print(await task)
//   asyncio.run(main())
//
// python3 prints:
//   42
//   False
//   42
Coro<int> coro42() { co_return 42; }

Coro<void> future_vs_task_main(Lines& out) {
  Future<int> future = get_running_loop()->create_future<int>();
  future.set_result(42);
  out.push_back(std::to_string(future.result()));
  Task<int> task = get_running_loop()->create_task(coro42());
  out.push_back(py_bool(task.done()));
  out.push_back(std::to_string(co_await task));
}

TEST(Seed001, FutureIsSetByHandTaskSetsItself) {
  // The module-level version: there is no running loop to create a task on.
  try {
    get_running_loop();
    ADD_FAILURE() << "get_running_loop() outside a running loop did not raise";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "no running event loop");
  }
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(future_vs_task_main(out));
  loop->close();
  EXPECT_EQ(out, Lines({"42", "False", "42"}));
}

// ---- 运行事件循环: asyncio.run(main()) ----
//
//   async def main():
//       print("Hello, World!")
//   asyncio.run(main())
//
// python3 prints:
//   Hello, World!
Coro<void> hello_main(Lines& out) {
  out.push_back("Hello, World!");
  co_return;
}

TEST(Seed001, RunMainOnANewLoop) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(hello_main(out));
  loop->close();
  EXPECT_TRUE(loop->is_closed());
  EXPECT_EQ(out, Lines({"Hello, World!"}));
}

// ---- 运行事件循环: loop.run_until_complete(main()) ----
//
//   loop = asyncio.get_event_loop()
//   loop.run_until_complete(main())
//
// python3 prints:
//   Hello, World!
TEST(Seed001, RunUntilCompleteOfACoroutine) {
  VirtualPolicyScope policy;
  Lines out;
  std::shared_ptr<EventLoop> loop = get_event_loop();
  loop->run_until_complete(hello_main(out));
  EXPECT_FALSE(loop->is_running());
  EXPECT_EQ(out, Lines({"Hello, World!"}));
}

// ---- 运行事件循环: loop.run_forever() ----
//
//   async def main():
//       print("Running...")
//   loop = asyncio.get_event_loop()
//   loop.create_task(main())
//   loop.run_forever()
//
// The original never returns. Bounded with one added line,
// `loop.call_later(1, loop.stop)` before run_forever(), python3 prints:
//   Running...
// and returns after one second.
Coro<void> running_main(Lines& out) {
  out.push_back("Running...");
  co_return;
}

TEST(Seed001, RunForeverRunsACreatedTaskUntilStopped) {
  VirtualPolicyScope policy;
  Lines out;
  std::shared_ptr<EventLoop> loop = get_event_loop();
  Task<void> task = loop->create_task(running_main(out));
  loop->call_later(1, [loop] { loop->stop(); });
  loop->run_forever();
  EXPECT_TRUE(task.done());
  EXPECT_EQ(loop->time(), 1.0);
  EXPECT_EQ(out, Lines({"Running..."}));
}

// ---- 停止事件循环: loop.stop() from a task ----
//
//   async def main():
//       print("Stopping loop...")
//       loop.stop()
//   loop = asyncio.get_event_loop()
//   loop.create_task(main())
//   loop.run_forever()
//   print(loop.is_running(), loop.is_closed())   # added
//   loop.close()                                 # added
//   print(loop.is_running(), loop.is_closed())   # added
//
// python3 prints:
//   Stopping loop...
//   False False
//   False True
Coro<void> stopping_main(Lines& out, EventLoop& loop) {
  out.push_back("Stopping loop...");
  loop.stop();
  co_return;
}

TEST(Seed001, StopFromATaskEndsRunForever) {
  VirtualPolicyScope policy;
  Lines out;
  std::shared_ptr<EventLoop> loop = get_event_loop();
  loop->create_task(stopping_main(out, *loop));
  loop->run_forever();
  out.push_back(absl::StrFormat("%s %s", py_bool(loop->is_running()), py_bool(loop->is_closed())));
  loop->close();
  out.push_back(absl::StrFormat("%s %s", py_bool(loop->is_running()), py_bool(loop->is_closed())));
  EXPECT_EQ(out, Lines({"Stopping loop...", "False False", "False True"}));
}

// ---- 事件循环的时钟: loop.time() ----
//
//   loop = asyncio.get_event_loop()
//   start = loop.time()
//   # 执行一些操作
//   end = loop.time()
//   print(f"Elapsed time: {end - start} seconds")
//
// python3 prints "Elapsed time: 6.909999683557544e-07 seconds" (the real
// time two calls take; different on every run). On virtual time nothing
// passes outside the poller, so the port prints exactly:
//   Elapsed time: 0.0 seconds
TEST(Seed001, LoopTimeDoesNotMoveOutsideThePoller) {
  VirtualPolicyScope policy;
  Lines out;
  std::shared_ptr<EventLoop> loop = get_event_loop();
  double start = loop->time();
  double end = loop->time();
  out.push_back("Elapsed time: " + py_float_repr(end - start) + " seconds");
  EXPECT_EQ(out, Lines({"Elapsed time: 0.0 seconds"}));
}

}  // namespace
}  // namespace seedloop::examples
