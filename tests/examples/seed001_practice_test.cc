// The "实践" (practice) examples of seed 001 (../shared/seeds/001_*.txt):
// create_task and await, several tasks, a loop in a background thread,
// cancellation, named tasks; ported to seedloop. Each test quotes the Python
// original and asserts exactly the lines CPython 3.11 printed for it. (The
// seed's Future/Task/run/stop examples are in seed001_test.cc.)
//
// These ports use the core's means: for `asyncio.run(main())` a new loop,
// run_until_complete(main()), close(); for asyncio.gather and
// asyncio.wait_for what the tests say. seed001_practice_highlevel_test.cc
// ports the same programs as written, with the high-level layer (loop/aio:
// run, gather, wait_for).

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
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
// python3 prints:
//   Hello!
//   Result: Hello Done
Coro<std::string> say_hello_done(Lines& out) {
  co_await sleep(1);
  out.push_back("Hello!");
  co_return "Hello Done";
}

Coro<void> create_task_main(Lines& out) {
  Task<std::string> task = get_running_loop()->create_task(say_hello_done(out));
  std::string result = co_await task;
  out.push_back("Result: " + result);
}

TEST(Seed001, CreateTaskThenAwaitItsResult) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(create_task_main(out));
  EXPECT_EQ(loop->time(), 1.0);
  loop->close();
  EXPECT_EQ(out, Lines({"Hello!", "Result: Hello Done"}));
}

// ---- 实践 2. 创建多个任务并并发执行 ----
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
// python3 prints (after 3 s):
//   ['Task A done', 'Task B done', 'Task C done']
//
// seed001_practice_highlevel_test.cc ports this example as written, with
// gather (Seed001HighLevel.GatherOfSeveralTasks). Here the tasks are awaited in turn
// (`results = [await t for t in tasks]`), which python3 also answers with
// the list above after 3 s: the tasks run concurrently either way.
Coro<std::string> task_func(std::string name, double delay) {
  co_await sleep(delay);
  co_return "Task " + name + " done";
}

Coro<void> tasks_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  double t0 = loop->time();
  std::vector<Task<std::string>> tasks = {
      loop->create_task(task_func("A", 2)),
      loop->create_task(task_func("B", 1)),
      loop->create_task(task_func("C", 3)),
  };
  std::vector<std::string> results;
  for (const Task<std::string>& t : tasks) results.push_back(co_await t);
  out.push_back(py_list_repr(results));
  out.push_back(absl::StrFormat("%.2f", loop->time() - t0));
}

TEST(Seed001, SeveralTasksRunConcurrentlyAndAreAwaitedInTurn) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(tasks_main(out));
  // Concurrent: 3 s in all, not 2 + 1 + 3.
  EXPECT_EQ(loop->time(), 3.0);
  loop->close();
  EXPECT_EQ(out, Lines({"['Task A done', 'Task B done', 'Task C done']", "3.00"}));
}

// ---- 实践 3. 使用 loop.create_task: a loop running in its own thread ----
//
//   async def background_task():
//       while True:
//           print("Background task running...")
//           await asyncio.sleep(1)
//   def start_background_task():
//       loop = asyncio.new_event_loop()
//       asyncio.set_event_loop(loop)
//       try:
//           task = loop.create_task(background_task())
//           loop.run_forever()
//       finally:
//           loop.close()
//   thread = threading.Thread(target=start_background_task)
//   thread.start()
//
// The original never ends. Bounded: after the 3rd print the main thread
// calls loop.call_soon_threadsafe(loop.stop) and joins the thread; the
// program that ran (ITERATIONS = 3, `reached` a threading.Event the task
// sets at its 3rd print, and two added prints):
//
//   thread.start()
//   reached.wait()
//   loop.call_soon_threadsafe(loop.stop)
//   thread.join()
//   print("thread joined")
//
// python3 prints:
//   Background task running...
//   Background task running...
//   Background task running...
//   loop closed; task done: False
//   thread joined
// and, on stderr when the pending task is garbage-collected, "Task was
// destroyed but it is pending!" (seedloop reports it at close()).
//
// On virtual time the loop's sleep(1) takes no real time, so the stop must
// be posted before the task's 3rd sleep is over: at its 3rd print the task
// waits until the main thread has posted the stop (a test handshake that
// stands in for the second the real loop would sleep).
Coro<void> background_task(Lines& out, absl::Notification& reached, absl::Notification& stop_posted) {
  int count = 0;
  while (true) {
    out.push_back("Background task running...");
    if (++count == 3) {
      reached.Notify();
      stop_posted.WaitForNotification();
    }
    co_await sleep(1);
  }
}

TEST(Seed001, LoopInABackgroundThreadStoppedThreadsafe) {
  Lines out;
  Lines reports;
  absl::Notification reached;
  absl::Notification stop_posted;
  std::shared_ptr<EventLoop> loop;  // written by the thread before `reached`
  double stopped_at = -1;
  bool task_done = true;

  std::thread thread([&] {
    loop = new_virtual_loop({.real_threads_may_post = true});
    set_event_loop(loop);
    record_reports(*loop, &reports);
    Task<void> task = loop->create_task(background_task(out, reached, stop_posted));
    loop->run_forever();
    loop->close();
    stopped_at = loop->time();
    task_done = task.done();
    out.push_back(absl::StrFormat("loop closed; task done: %s", py_bool(task_done)));
    set_event_loop(nullptr);
  });
  reached.WaitForNotification();
  loop->call_soon_threadsafe([loop = loop] { loop->stop(); });
  stop_posted.Notify();
  thread.join();
  out.push_back("thread joined");

  EXPECT_EQ(out, Lines({"Background task running...", "Background task running...", "Background task running...",
                        "loop closed; task done: False", "thread joined"}));
  EXPECT_EQ(stopped_at, 2.0);  // prints at t = 0, 1, 2
  EXPECT_EQ(reports, Lines({"Task was destroyed but it is pending!"}));
}

// ---- 实践 4. 任务取消和超时处理 ----
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
// python3 prints (after 5 s):
//   Operation was cancelled
//   Operation timed out
//
// seed001_practice_highlevel_test.cc ports this version as written, with
// wait_for (Seed001HighLevel.WaitForTimesOutAndCancelsTheTask). Here the
// timeout is a timer that cancels the task,
// `loop.call_later(5, task.cancel)`; the program that ran:
//
//   async def main():
//       loop = asyncio.get_running_loop()
//       t0 = loop.time()
//       task = asyncio.create_task(long_operation())
//       loop.call_later(5, task.cancel)
//       try:
//           result = await task
//       except asyncio.CancelledError:
//           print("Operation timed out")
//           print(task.cancelled(), task.cancel(), f"{loop.time() - t0:.1f}",
//                 asyncio.current_task().cancelling(), task.cancelling())
//
// python3 prints:
//   Operation was cancelled
//   Operation timed out
//   True False 5.0 0 1
Coro<std::string> long_operation(Lines& out) {
  try {
    co_await sleep(10);
    co_return "Operation completed";
  } catch (const CancelledError&) {
    out.push_back("Operation was cancelled");
    throw;
  }
}

Coro<void> cancel_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  double t0 = loop->time();
  Task<std::string> task = loop->create_task(long_operation(out));
  loop->call_later(5, [task] { task.cancel(); });
  bool cancelled = false;
  try {
    std::string result = co_await task;
    out.push_back("unexpected result: " + result);
  } catch (const CancelledError&) {
    cancelled = true;
  }
  if (cancelled) {
    out.push_back("Operation timed out");
    // Evaluated in Python's left-to-right order.
    bool was_cancelled = task.cancelled();
    bool cancel_again = task.cancel();
    double elapsed = loop->time() - t0;
    int main_cancelling = current_task(loop.get())->cancelling();
    out.push_back(absl::StrFormat("%s %s %.1f %d %d", py_bool(was_cancelled), py_bool(cancel_again), elapsed,
                                  main_cancelling, task.cancelling()));
  }
}

TEST(Seed001, CancelledTaskSeesCancelledErrorAndItsAwaiterToo) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(cancel_main(out));
  EXPECT_EQ(loop->time(), 5.0);
  loop->close();
  EXPECT_EQ(out, Lines({"Operation was cancelled", "Operation timed out", "True False 5.0 0 1"}));
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
// python3 prints:
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

TEST(Seed001, NamedTaskReportsItsName) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(named_main(out));
  loop->close();
  EXPECT_EQ(out, Lines({"Task name: my_special_task", "Task completed"}));
}

}  // namespace
}  // namespace seedloop::examples
