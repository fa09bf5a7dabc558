// Seed 001's "实践" (practice) examples (../shared/seeds/001_*.txt) as
// written, with the high-level layer (loop/aio): `asyncio.run(main())` is
// seedloop::run, `asyncio.gather` is gather, `asyncio.wait_for` is wait_for.
// seed001_practice_test.cc ports the same programs with the core's means
// (run_until_complete, tasks awaited in turn, a call_later(5, task.cancel)
// timer instead of wait_for).
//
// VirtualRunScope makes run()'s loop a loop on virtual time, so
// `await asyncio.sleep(3)` takes no real time and the tests assert exact
// virtual times. Each test quotes the Python original and asserts exactly
// the lines CPython 3.11 printed for it.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "loop/aio/gather.h"
#include "loop/aio/run.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// ---- 实践 1. 在异步函数中使用 asyncio.create_task ----
//
//   async def say_hello():
//       await asyncio.sleep(1)
//       print("Hello!")
//       return "Hello Done"
//   async def main():
//       task = asyncio.create_task(say_hello())
//       result = await task
//       print(f"Result: {result}")
//   asyncio.run(main())
//
// python3 prints (seed001_create_task.py):
//   Hello!
//   Result: Hello Done
Coro<std::string> say_hello(Lines& out) {
  co_await sleep(1);
  out.push_back("Hello!");
  co_return "Hello Done";
}

Coro<void> create_task_main(Lines& out) {
  Task<std::string> task = get_running_loop()->create_task(say_hello(out));
  std::string result = co_await task;
  out.push_back("Result: " + result);
}

TEST(Seed001HighLevel, CreateTaskThenAwaitItsResultUnderRun) {
  VirtualRunScope scope;
  Lines out;
  run(create_task_main(out));
  EXPECT_EQ(scope.last_loop()->time(), 1.0);
  EXPECT_EQ(out, Lines({"Hello!", "Result: Hello Done"}));
}

// ---- 实践 2. 创建多个任务并并发执行, as written: asyncio.gather ----
//
//   async def task_func(name, delay):
//       await asyncio.sleep(delay)
//       return f"Task {name} done"
//   async def main():
//       tasks = [
//           asyncio.create_task(task_func("A", 2)),
//           asyncio.create_task(task_func("B", 1)),
//           asyncio.create_task(task_func("C", 3))
//       ]
//       results = await asyncio.gather(*tasks)
//       print(results)
//   asyncio.run(main())
//
// python3 prints (seed001_gather.py; after 3 s):
//   ['Task A done', 'Task B done', 'Task C done']
//
// The results come in argument order (B finished first), after 3 s in all:
// the tasks ran concurrently, not for 2 + 1 + 3 s.
Coro<std::string> task_func(std::string name, double delay) {
  co_await sleep(delay);
  co_return "Task " + name + " done";
}

Coro<void> gather_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  std::vector<Task<std::string>> tasks;
  tasks.push_back(loop->create_task(task_func("A", 2)));
  tasks.push_back(loop->create_task(task_func("B", 1)));
  tasks.push_back(loop->create_task(task_func("C", 3)));
  std::vector<std::string> results = co_await gather(tasks);
  out.push_back(py_list_repr(results));
}

TEST(Seed001HighLevel, GatherOfSeveralTasks) {
  VirtualRunScope scope;
  Lines out;
  run(gather_main(out));
  EXPECT_EQ(scope.last_loop()->time(), 3.0);
  EXPECT_EQ(out, Lines({"['Task A done', 'Task B done', 'Task C done']"}));
}

// ---- 实践 4. 任务取消和超时处理, as written: asyncio.wait_for ----
//
//   async def long_operation():
//       try:
//           await asyncio.sleep(10)
//           return "Operation completed"
//       except asyncio.CancelledError:
//           print("Operation was cancelled")
//           raise
//   async def main():
//       task = asyncio.create_task(long_operation())
//       try:
//           result = await asyncio.wait_for(task, timeout=5)
//       except asyncio.TimeoutError:
//           print("Operation timed out")
//           task.cancel()  # 取消任务
//           try:
//               await task  # 等待任务真正结束
//           except asyncio.CancelledError:
//               pass
//   asyncio.run(main())
//
// python3 prints (seed001_cancel_wait_for.py; after 5 s):
//   Operation was cancelled
//   Operation timed out
//
// "cancelled" comes first: at the timeout, 3.11's wait_for cancels the task
// and waits for it to finish before it raises TimeoutError.
Coro<std::string> long_operation(Lines& out) {
  try {
    co_await sleep(10);
    co_return "Operation completed";
  } catch (const CancelledError&) {
    out.push_back("Operation was cancelled");
    throw;
  }
}

Coro<void> wait_for_main(Lines& out) {
  Task<std::string> task = get_running_loop()->create_task(long_operation(out));
  bool timed_out = false;
  try {
    std::string result = co_await wait_for(task, 5);
  } catch (const TimeoutError&) {
    timed_out = true;  // C++: no co_await in a catch block
  }
  if (timed_out) {
    out.push_back("Operation timed out");
    task.cancel();  // 取消任务
    try {
      co_await task;  // 等待任务真正结束
    } catch (const CancelledError&) {
    }
  }
}

TEST(Seed001HighLevel, WaitForTimesOutAndCancelsTheTask) {
  VirtualRunScope scope;
  Lines out;
  run(wait_for_main(out));
  EXPECT_EQ(scope.last_loop()->time(), 5.0);  // not 10: the sleep was cancelled
  EXPECT_EQ(out, Lines({"Operation was cancelled", "Operation timed out"}));
}

// The same, showing the task's state when TimeoutError arrives; the
// program that ran (seed001_wait_for_state.py):
//
//   async def main():
//       loop = asyncio.get_running_loop()
//       t0 = loop.time()
//       task = asyncio.create_task(long_operation())
//       try:
//           result = await asyncio.wait_for(task, timeout=5)
//       except asyncio.TimeoutError:
//           print("Operation timed out")
//           # wait_for has already cancelled the task and waited for it:
//           print(task.done(), task.cancelled(), f"{loop.time() - t0:.1f}")
//           print(task.cancel())  # 取消任务: too late, it is done
//           try:
//               await task  # 等待任务真正结束
//           except asyncio.CancelledError:
//               print("await task: CancelledError")
//           print(asyncio.current_task().cancelling())
//   asyncio.run(main())
//
// python3 prints:
//   Operation was cancelled
//   Operation timed out
//   True True 5.0
//   False
//   await task: CancelledError
//   0
//
// (5.0: real time rounded to 0.1 s; exactly 5.0 on virtual time.) The
// timeout cancelled the inner task, not main: main's cancelling() is 0.
Coro<void> wait_for_state_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  double t0 = loop->time();
  Task<std::string> task = loop->create_task(long_operation(out));
  bool timed_out = false;
  try {
    std::string result = co_await wait_for(task, 5);
  } catch (const TimeoutError&) {
    timed_out = true;
  }
  if (!timed_out) co_return;
  out.push_back("Operation timed out");
  out.push_back(absl::StrFormat("%s %s %.1f", py_bool(task.done()), py_bool(task.cancelled()), loop->time() - t0));
  out.push_back(py_bool(task.cancel()));
  try {
    co_await task;
  } catch (const CancelledError&) {
    out.push_back("await task: CancelledError");
  }
  out.push_back(std::to_string(current_task(loop.get())->cancelling()));
}

TEST(Seed001HighLevel, WaitForTimeoutCancelsTheTaskBeforeRaising) {
  VirtualRunScope scope;
  Lines out;
  run(wait_for_state_main(out));
  EXPECT_EQ(scope.last_loop()->time(), 5.0);
  EXPECT_EQ(out, Lines({"Operation was cancelled", "Operation timed out", "True True 5.0", "False",
                        "await task: CancelledError", "0"}));
}

// ---- 实践 5. 带名字的任务 ----
//
//   async def named_task():
//       await asyncio.sleep(1)
//       return "Task completed"
//   async def main():
//       task = asyncio.create_task(named_task(), name="my_special_task")
//       print(f"Task name: {task.get_name()}")
//       result = await task
//       print(result)
//   asyncio.run(main())
//
// python3 prints (seed001_named.py):
//   Task name: my_special_task
//   Task completed
Coro<std::string> named_task() {
  co_await sleep(1);
  co_return "Task completed";
}

Coro<void> named_main(Lines& out) {
  Task<std::string> task = get_running_loop()->create_task(named_task(), "my_special_task");
  out.push_back("Task name: " + task.get_name());
  std::string result = co_await task;
  out.push_back(result);
}

TEST(Seed001HighLevel, NamedTaskReportsItsNameUnderRun) {
  VirtualRunScope scope;
  Lines out;
  run(named_main(out));
  EXPECT_EQ(out, Lines({"Task name: my_special_task", "Task completed"}));
}

}  // namespace
}  // namespace seedloop::examples
