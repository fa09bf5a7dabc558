// Seed 004's examples (../shared/seeds/004_*.txt) that need the high-level
// layer (loop/aio): "多个Future的组合" with asyncio.ensure_future and
// asyncio.gather, and the run_in_executor program as written with
// asyncio.run (seedloop::run), which also shuts the default executor down.
// seed004_test.cc ports the rest of the seed, and run_in_executor with the
// core's means. Each test quotes the Python program that ran and asserts
// exactly the lines CPython 3.11 printed for it.

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "loop/aio/ensure_future.h"
#include "loop/aio/gather.h"
#include "loop/aio/run.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "loop/real/thread_pool_executor.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// ---- 多个Future的组合 / 在一个事件循环中运行多个协程 ----
//
//   futus = [asyncio.ensure_future(do_some_work(1)),
//                asyncio.ensure_future(do_some_work(3))]
//   loop.run_until_complete(asyncio.gather(*futus))
//
//   loop.run_until_complete(asyncio.gather(do_some_work(1), do_some_work(3)))
//
// The seed does not give do_some_work; completed as
//
//   async def do_some_work(x):
//       print("Waiting", x)
//       await asyncio.sleep(x)
//       print("Done after", x)
//       return x
//
// with a module-level `loop = asyncio.get_event_loop()` (VirtualPolicyScope).
Coro<int> do_some_work(Lines& out, int x) {
  out.push_back(absl::StrFormat("Waiting %d", x));
  co_await sleep(x);
  out.push_back(absl::StrFormat("Done after %d", x));
  co_return x;
}

// The program that ran (seed004_ensure_future_gather.py):
//
//   loop = asyncio.get_event_loop()
//   t0 = loop.time()
//   futus = [asyncio.ensure_future(do_some_work(1)),
//                asyncio.ensure_future(do_some_work(3))]
//   print(loop.run_until_complete(asyncio.gather(*futus)))
//   print(f"{loop.time() - t0:.1f}")
//   loop.close()
//
// python3 prints:
//   Waiting 1
//   Waiting 3
//   Done after 1
//   Done after 3
//   [1, 3]
//   3.0
//
// (3.0: real time rounded to 0.1 s; exactly 3.0 on virtual time.) Outside
// a running loop, ensure_future makes the tasks on get_event_loop()'s loop;
// they start once the loop runs.
TEST(Seed004HighLevel, EnsureFutureThenGatherTheFutures) {
  VirtualPolicyScope policy;
  Lines out;
  std::shared_ptr<EventLoop> loop = get_event_loop();
  double t0 = loop->time();
  std::vector<Task<int>> futus = {ensure_future(do_some_work(out, 1)), ensure_future(do_some_work(out, 3))};
  EXPECT_EQ(futus[0].get_loop(), loop.get());
  EXPECT_TRUE(out.empty());  // nothing ran yet
  std::vector<int> results = loop->run_until_complete(gather(futus));
  out.push_back(py_list_repr(results));
  out.push_back(absl::StrFormat("%.1f", loop->time() - t0));
  loop->close();
  EXPECT_EQ(out, Lines({"Waiting 1", "Waiting 3", "Done after 1", "Done after 3", "[1, 3]", "3.0"}));
}

// The program that ran (seed004_gather_coroutines.py):
//
//   loop = asyncio.get_event_loop()
//   t0 = loop.time()
//   print(loop.run_until_complete(asyncio.gather(do_some_work(1), do_some_work(3))))
//   print(f"{loop.time() - t0:.1f}")
//   loop.close()
//
// python3 prints the same lines as above. gather of several arguments gives
// a std::tuple in C++ (Python: a list), printed as the list.
//
// gather makes the coroutines' tasks in argument order, as asyncio does
// (this test caught it making them right to left once).
TEST(Seed004HighLevel, GatherOfCoroutinesRunsThemAsTasks) {
  VirtualPolicyScope policy;
  Lines out;
  std::shared_ptr<EventLoop> loop = get_event_loop();
  double t0 = loop->time();
  auto [a, b] = loop->run_until_complete(gather(do_some_work(out, 1), do_some_work(out, 3)));
  out.push_back(py_list_repr(std::vector<int>{a, b}));
  out.push_back(absl::StrFormat("%.1f", loop->time() - t0));
  loop->close();
  EXPECT_EQ(out, Lines({"Waiting 1", "Waiting 3", "Done after 1", "Done after 3", "[1, 3]", "3.0"}));
}

// ---- 在线程/进程池中执行代码, with asyncio.run as written ----
//
// Options 1 and 2 of the seed's program (option 3 needs a process pool,
// which seedloop does not have; see README.md). The program that ran
// (seed004_executor_run.py):
//
//   def blocking_io():
//       with open('/dev/urandom', 'rb') as f:
//           return f.read(100)
//   async def main():
//       loop = asyncio.get_running_loop()
//       # 1. Run in the default loop's executor:
//       result = await loop.run_in_executor(None, blocking_io)
//       print('default thread pool', result)
//       # 2. 运行在自定义线程池中:
//       with concurrent.futures.ThreadPoolExecutor() as pool:
//           result = await loop.run_in_executor(pool, blocking_io)
//           print('custom thread pool', result)
//   asyncio.run(main())
//
// python3 prints (the bytes are random on every run):
//   default thread pool b'K\xa6\xed\xacU\xc7...'   (100 bytes)
//   custom thread pool b"l%CW\xd8Dt>\xb4l...'      (100 bytes)
//
// asyncio.run's loop here is the default policy's: the production backend
// (epoll, real worker threads), as in Python.
std::string blocking_io(std::thread::id* ran_on) {
  *ran_on = std::this_thread::get_id();
  std::string data(100, '\0');
  std::FILE* f = std::fopen("/dev/urandom", "rb");
  if (f == nullptr) throw OSError(errno, "cannot open /dev/urandom");
  size_t n = std::fread(data.data(), 1, data.size(), f);
  std::fclose(f);
  data.resize(n);
  return data;
}

Coro<void> executor_main(Lines& out, std::thread::id* default_ran_on, std::thread::id* custom_ran_on) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  std::string result =
      co_await loop->run_in_executor(nullptr, [default_ran_on] { return blocking_io(default_ran_on); });
  out.push_back("default thread pool " + py_bytes_repr(result));
  {
    real::ThreadPoolExecutor pool;  // `with ... as pool:`; its destructor is shutdown(wait=True)
    result = co_await loop->run_in_executor(&pool, [custom_ran_on] { return blocking_io(custom_ran_on); });
    out.push_back("custom thread pool " + py_bytes_repr(result));
  }
}

TEST(Seed004HighLevel, RunInExecutorUnderRun) {
  set_event_loop_policy(nullptr);  // the default policy: production loops
  Lines out;
  std::thread::id default_ran_on;
  std::thread::id custom_ran_on;
  run(executor_main(out, &default_ran_on, &custom_ran_on));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(out[0], "default thread pool b")) << out[0];
  EXPECT_TRUE(absl::StartsWith(out[1], "custom thread pool b")) << out[1];
  EXPECT_NE(default_ran_on, std::thread::id());
  EXPECT_NE(default_ran_on, std::this_thread::get_id());  // a worker of the default executor
  EXPECT_NE(custom_ran_on, std::thread::id());
  EXPECT_NE(custom_ran_on, std::this_thread::get_id());  // a worker of the pool
}

// ---- asyncio.run shuts the default executor down ----
//
// What asyncio.run does after main that a run_until_complete port does not:
// loop.shutdown_default_executor() before closing the loop. The program
// that ran (seed004_run_shuts_down_default_executor.py):
//
//   def blocking_io():
//       with open('/dev/urandom', 'rb') as f:
//           return threading.current_thread() is not threading.main_thread(), len(f.read(100))
//   pool = concurrent.futures.ThreadPoolExecutor()
//   async def main():
//       loop = asyncio.get_running_loop()
//       loop.set_default_executor(pool)
//       print('default thread pool', await loop.run_in_executor(None, blocking_io))
//       print('shut down in main:', pool._shutdown)
//   asyncio.run(main())  # ... loop.shutdown_default_executor(); loop.close()
//   print('shut down after asyncio.run:', pool._shutdown)
//   try:
//       pool.submit(blocking_io)
//   except RuntimeError as e:
//       print('RuntimeError:', e)
//
// python3 prints:
//   default thread pool (True, 100)
//   shut down in main: False
//   shut down after asyncio.run: True
//   RuntimeError: cannot schedule new futures after shutdown
//
// The pool is a real::ThreadPoolExecutor that notes its shutdown (Python's
// private `pool._shutdown`); a submit after shutdown fails with the status
// that asyncio raises as that RuntimeError. The loop runs on virtual time;
// its real worker threads post back to it.
class ShutdownNotingPool : public Executor {
 public:
  absl::Status submit(absl::AnyInvocable<void() &&> work) override { return pool_.submit(std::move(work)); }
  void shutdown(Shutdown mode) override {
    shut_down_ = true;
    pool_.shutdown(mode);
  }
  bool shut_down() const { return shut_down_; }

 private:
  real::ThreadPoolExecutor pool_;
  std::atomic<bool> shut_down_{false};
};

std::pair<bool, size_t> blocking_io_on(std::thread::id main_thread) {
  std::thread::id ran_on;
  std::string data = blocking_io(&ran_on);
  return {ran_on != main_thread, data.size()};
}

Coro<void> shutdown_main(Lines& out, std::shared_ptr<ShutdownNotingPool> pool, std::thread::id main_thread) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  loop->set_default_executor(pool);
  auto [off_main, size] =
      co_await loop->run_in_executor(nullptr, [main_thread] { return blocking_io_on(main_thread); });
  out.push_back(absl::StrFormat("default thread pool (%s, %d)", py_bool(off_main), size));
  out.push_back(absl::StrFormat("shut down in main: %s", py_bool(pool->shut_down())));
}

TEST(Seed004HighLevel, RunShutsDownTheDefaultExecutor) {
  VirtualRunScope scope({.real_threads_may_post = true});
  Lines out;
  auto pool = std::make_shared<ShutdownNotingPool>();
  run(shutdown_main(out, pool, std::this_thread::get_id()));
  out.push_back(absl::StrFormat("shut down after asyncio.run: %s", py_bool(pool->shut_down())));
  absl::Status status = pool->submit([] {});
  if (absl::IsFailedPrecondition(status)) out.push_back("RuntimeError: " + std::string(status.message()));
  EXPECT_EQ(out,
            Lines({"default thread pool (True, 100)", "shut down in main: False", "shut down after asyncio.run: True",
                   "RuntimeError: cannot schedule new futures after shutdown"}));
}

}  // namespace
}  // namespace seedloop::examples
