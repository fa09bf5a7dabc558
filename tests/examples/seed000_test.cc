// The code examples of seed 000 (../shared/seeds/000_*.txt: "事件循环EventLoop"
// — task factories, loop.time(), call_later / call_at / call_soon /
// call_soon_threadsafe), ported to seedloop. Each test quotes the Python
// original and asserts exactly the lines CPython 3.11 printed for it.
//
// These ports use the core's means for `asyncio.run(main())`: a new loop,
// run_until_complete(main()), close(). seed000_highlevel_test.cc runs the
// same programs with seedloop::run (loop/aio/run.h), as written.

#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// ---- 三.2 loop.get_task_factory() ----
//
//   current_task_factory = asyncio.get_event_loop().get_task_factory()
//   if current_task_factory:
//       print("Current task factory:", current_task_factory)
//   else:
//       print("No custom task factory is set for the current event loop.")
//
// python3 prints:
//   No custom task factory is set for the current event loop.
TEST(Seed000, GetTaskFactoryIsUnsetByDefault) {
  VirtualPolicyScope policy;
  Lines out;
  const TaskFactory& current_task_factory = get_event_loop()->get_task_factory();
  if (current_task_factory) {
    out.push_back("Current task factory: <function>");
  } else {
    out.push_back("No custom task factory is set for the current event loop.");
  }
  EXPECT_EQ(out, Lines({"No custom task factory is set for the current event loop."}));
}

// ---- 三.1 loop.set_task_factory(factory) ----
//
// The seed's snippet (`def my_task_factory(loop, coro): return
// MyCustomTask(coro)`) leaves MyCustomTask undefined; the complete program
// that ran under python3:
//
//   class MyCustomTask(asyncio.Task):
//       def __init__(self, coro, *, loop=None):
//           super().__init__(coro, loop=loop)
//           print(f"MyCustomTask created: {self.get_name()}")
//   def my_task_factory(loop, coro):
//       return MyCustomTask(coro, loop=loop)
//   async def work():
//       return 42
//   loop = asyncio.new_event_loop()
//   loop.set_task_factory(my_task_factory)
//   print(loop.get_task_factory() is my_task_factory)
//   task = loop.create_task(work())
//   print(type(task).__name__)
//   print(loop.run_until_complete(task))
//   loop.set_task_factory(None)
//   print(type(loop.create_task(work())).__name__)
//   loop.run_until_complete(asyncio.sleep(0))
//   loop.close()
//
// python3 prints:
//   True
//   MyCustomTask created: Task-1
//   MyCustomTask
//   42
//   Task
class MyCustomTask : public TaskBase {
 public:
  MyCustomTask(EventLoop* loop, CoroFrame coro, std::optional<Context> context, Lines* out)
      : TaskBase(loop, std::move(coro), std::move(context)) {
    out->push_back("MyCustomTask created: " + get_name());
  }
};

Coro<int> work() { co_return 42; }

const char* task_type_name(TaskBase* task) {
  return dynamic_cast<MyCustomTask*>(task) != nullptr ? "MyCustomTask" : "Task";
}

TEST(Seed000, SetTaskFactoryMakesCreateTaskUseTheCustomClass) {
  Lines out;
  auto loop = new_virtual_loop();
  auto my_task_factory = [&out](EventLoop& loop, CoroFrame coro, std::optional<Context> context) {
    return internal::Ref<TaskBase>(new MyCustomTask(&loop, std::move(coro), std::move(context), &out));
  };
  loop->set_task_factory(my_task_factory);
  // Python's `is`: the stored factory is this very lambda.
  out.push_back(py_bool(loop->get_task_factory().target<decltype(my_task_factory)>() != nullptr));
  Task<int> task = loop->create_task(work());
  out.push_back(task_type_name(task.task()));
  out.push_back(std::to_string(loop->run_until_complete(task)));
  loop->set_task_factory(nullptr);
  Task<int> plain = loop->create_task(work());
  out.push_back(task_type_name(plain.task()));
  loop->run_until_complete(sleep(0));
  EXPECT_TRUE(plain.done());
  loop->close();

  EXPECT_EQ(out, Lines({"True", "MyCustomTask created: Task-1", "MyCustomTask", "42", "Task"}));
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
// python3 prints:
//   Coroutine took 1.00 seconds to complete
Coro<void> my_coroutine(Lines& out) {
  // Inside a coroutine, get_event_loop() is the running loop.
  double start_time = get_event_loop()->time();
  co_await sleep(1);
  double end_time = get_event_loop()->time();
  double elapsed_time = end_time - start_time;
  out.push_back(absl::StrFormat("Coroutine took %.2f seconds to complete", elapsed_time));
}

Coro<void> time_main(Lines& out) { co_await my_coroutine(out); }

TEST(Seed000, LoopTimeMeasuresAnAwaitedSleep) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->run_until_complete(time_main(out));
  // Virtual time: exactly one second passed.
  EXPECT_EQ(loop->time(), 1.0);
  loop->close();
  EXPECT_EQ(out, Lines({"Coroutine took 1.00 seconds to complete"}));
}

// ---- 五.1 loop.call_later / 五.2 loop.call_at / 五.3 loop.call_soon ----
//
//   def my_callback(arg1, arg2):
//       print(f"Callback called with arguments: {arg1}, {arg2}")
//
// The C++ callbacks take no arguments: they are bound in a lambda (the C++
// spelling of call_later(delay, callback, *args)). Each callback also notes
// the loop time at which it ran.
void my_callback(Lines& out, const std::string& arg1, const std::string& arg2) {
  out.push_back(absl::StrFormat("Callback called with arguments: %s, %s", arg1, arg2));
}

//   async def main():
//       loop = asyncio.get_event_loop()
//       loop.call_later(2, my_callback, "Hello", "World")
//       await asyncio.sleep(3)  # 等待足够的时间以确保回调函数执行
//   asyncio.run(main())
//
// python3 prints (after 3 s):
//   Callback called with arguments: Hello, World
Coro<void> call_later_main(Lines& out, double& ran_at) {
  std::shared_ptr<EventLoop> loop = get_event_loop();
  loop->call_later(2, [&out, &ran_at, loop] {
    ran_at = loop->time();
    my_callback(out, "Hello", "World");
  });
  co_await sleep(3);
}

TEST(Seed000, CallLaterRunsTheCallbackAfterTheDelay) {
  Lines out;
  double ran_at = -1;
  auto loop = new_virtual_loop();
  loop->run_until_complete(call_later_main(out, ran_at));
  EXPECT_EQ(ran_at, 2.0);
  EXPECT_EQ(loop->time(), 3.0);
  loop->close();
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
// python3 prints (after 3 s):
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

TEST(Seed000, CallAtRunsTheCallbackAtTheAbsoluteTime) {
  Lines out;
  double ran_at = -1;
  // Start the clock away from zero so that "absolute" matters.
  auto loop = new_virtual_loop({.start_ns = 1'000'000'000'000});
  loop->run_until_complete(call_at_main(out, ran_at));
  EXPECT_EQ(ran_at, 1002.0);
  EXPECT_EQ(loop->time(), 1003.0);
  loop->close();
  EXPECT_EQ(out, Lines({"Callback called with arguments: Hello, World"}));
}

//   async def main():
//       loop = asyncio.get_event_loop()
//       loop.call_soon(my_callback, "Hello", "World")
//       await asyncio.sleep(0.1)  # 等待一小段时间以确保回调函数执行
//   asyncio.run(main())
//
// python3 prints:
//   Callback called with arguments: Hello, World
Coro<void> call_soon_main(Lines& out, double& ran_at) {
  std::shared_ptr<EventLoop> loop = get_event_loop();
  loop->call_soon([&out, &ran_at, loop] {
    ran_at = loop->time();
    my_callback(out, "Hello", "World");
  });
  co_await sleep(0.1);
}

TEST(Seed000, CallSoonRunsTheCallbackInTheNextIteration) {
  Lines out;
  double ran_at = -1;
  auto loop = new_virtual_loop();
  loop->run_until_complete(call_soon_main(out, ran_at));
  EXPECT_EQ(ran_at, 0.0);  // before any time passed
  EXPECT_EQ(loop->time(), 0.1);
  loop->close();
  EXPECT_EQ(out, Lines({"Callback called with arguments: Hello, World"}));
}

// ---- 五.4 loop.call_soon_threadsafe ----
//
//   async def main():
//       loop = asyncio.get_event_loop()
//       thread = threading.Thread(target=lambda: loop.call_soon_threadsafe(
//           my_callback, "Hello", "World"))
//       thread.start()
//       thread.join()
//   asyncio.run(main())
//
// python3 prints:
//   Callback called with arguments: Hello, World
//
// main() returns right after join(); the posted callback still runs before
// run_until_complete returns, in the iteration that stops the loop. It runs
// on the loop's thread, not on the thread that posted it.
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

TEST(Seed000, CallSoonThreadsafeFromAnotherThreadRunsOnTheLoop) {
  Lines out;
  std::thread::id ran_on;
  auto loop = new_virtual_loop({.real_threads_may_post = true});
  loop->run_until_complete(call_soon_threadsafe_main(out, ran_on));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  loop->close();
  EXPECT_EQ(out, Lines({"Callback called with arguments: Hello, World"}));
}

}  // namespace
}  // namespace seedloop::examples
