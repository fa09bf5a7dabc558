// Seed 002's shutdown_asyncgens pattern (../shared/seeds/002_*.txt, "coroutine
// loop.shutdown_asyncgens()"), with the high-level layer's async generators
// (loop/aio/async_generator.h) and asyncio.run (loop/aio/run.h):
//
//   try:
//       loop.run_forever()
//   finally:
//       loop.run_until_complete(loop.shutdown_asyncgens())
//       loop.close()
//
// and the seed's note that asyncio.run() needs no such call. The seed gives
// the pattern only; each test quotes the complete program that ran and
// asserts exactly the lines CPython 3.11 printed for it.
//
// C++ has no `async for`: `async for i in gen` is
// `while (std::optional<int> i = co_await gen.anext())`; breaking out of it
// leaves the generator paused at its co_yield, as in Python. A C++ catch
// block cannot co_await, so the generator's `finally` with an await in it is
// "catch everything, remember it, clean up, rethrow".

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "loop/aio/async_generator.h"
#include "loop/aio/run.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

//   async def ticker(n):
//       try:
//           for i in range(n):
//               await asyncio.sleep(1)
//               yield i
//       finally:
//           print("ticker: cleanup")
//           await asyncio.sleep(0.5)
//           print(f"ticker: closed at {loop.time() - t0:.1f}")   # first program
//           print("ticker: closed")                              # second program
//
// `t0` is the first program's start time; nullopt for the second.
AsyncGenerator<int> ticker(int n, Lines& out, std::optional<double> t0) {
  std::exception_ptr leaving;  // what the try block raised (GeneratorExit on aclose)
  try {
    for (int i = 0; i < n; ++i) {
      co_await sleep(1);
      co_yield i;
    }
  } catch (...) {
    leaving = std::current_exception();
  }
  // finally:
  out.push_back("ticker: cleanup");
  co_await sleep(0.5);
  if (t0) {
    out.push_back(absl::StrFormat("ticker: closed at %.1f", get_running_loop()->time() - *t0));
  } else {
    out.push_back("ticker: closed");
  }
  if (leaving) std::rethrow_exception(leaving);
}

// ---- loop.run_forever(), then shutdown_asyncgens() in `finally` ----
//
// The program that ran (seed002_shutdown_asyncgens.py):
//
//   gen = None
//   async def consume():
//       global gen
//       gen = ticker(10)
//       async for i in gen:
//           print("tick", i)
//           if i == 2:
//               break  # leaves gen paused at its yield
//       loop.stop()
//   loop = asyncio.get_event_loop()
//   t0 = loop.time()
//   loop.create_task(consume())
//   try:
//       loop.run_forever()
//   finally:
//       print("shutdown_asyncgens")
//       loop.run_until_complete(loop.shutdown_asyncgens())
//       loop.close()
//   print("closed:", loop.is_closed())
//
// python3 prints:
//   tick 0
//   tick 1
//   tick 2
//   shutdown_asyncgens
//   ticker: cleanup
//   ticker: closed at 3.5
//   closed: True
//
// (3.5: real time rounded to 0.1 s; exactly 3.5 on virtual time.) The
// generator outlives run_forever() (the global `gen` holds it, paused at
// its yield); shutdown_asyncgens() closes it, and its async cleanup runs
// before the loop is closed.
Coro<void> consume(AsyncGenerator<int>& gen, Lines& out, double t0) {
  gen = ticker(10, out, t0);
  while (std::optional<int> i = co_await gen.anext()) {
    out.push_back(absl::StrFormat("tick %d", *i));
    if (*i == 2) break;  // leaves gen paused at its co_yield
  }
  get_running_loop()->stop();
}

TEST(Seed002HighLevel, ShutdownAsyncgensClosesAPausedGeneratorBeforeClose) {
  VirtualPolicyScope policy;
  Lines out;
  AsyncGenerator<int> gen;  // the program's global `gen`
  std::shared_ptr<EventLoop> loop = get_event_loop();
  double t0 = loop->time();
  loop->create_task(consume(gen, out, t0));
  std::exception_ptr error;
  try {
    loop->run_forever();
  } catch (...) {
    error = std::current_exception();
  }
  // finally:
  out.push_back("shutdown_asyncgens");
  EXPECT_EQ(loop->time(), 3.0);  // run_forever stopped after the third tick
  loop->run_until_complete(loop->shutdown_asyncgens());
  EXPECT_EQ(loop->time(), 3.5);  // the cleanup's sleep(0.5) ran
  loop->close();
  if (error) std::rethrow_exception(error);
  out.push_back(absl::StrFormat("closed: %s", py_bool(loop->is_closed())));
  EXPECT_EQ(out, Lines({"tick 0", "tick 1", "tick 2", "shutdown_asyncgens", "ticker: cleanup", "ticker: closed at 3.5",
                        "closed: True"}));
}

// ---- asyncio.run() closes the generator itself ----
//
// 运行请注意，当使用 asyncio.run() 时，无需调用此函数: the same generator
// left paused by a main run with asyncio.run. The program that ran
// (seed002_run_closes_asyncgens.py):
//
//   gen = None
//   async def main():
//       global gen
//       gen = ticker(10)
//       async for i in gen:
//           print("tick", i)
//           if i == 2:
//               break  # leaves gen paused at its yield
//       print("main done")
//   asyncio.run(main())  # 当使用 asyncio.run() 时，无需调用 shutdown_asyncgens()
//   print("after asyncio.run")
//
// python3 prints:
//   tick 0
//   tick 1
//   tick 2
//   main done
//   ticker: cleanup
//   ticker: closed
//   after asyncio.run
Coro<void> run_main(AsyncGenerator<int>& gen, Lines& out) {
  gen = ticker(10, out, std::nullopt);
  while (std::optional<int> i = co_await gen.anext()) {
    out.push_back(absl::StrFormat("tick %d", *i));
    if (*i == 2) break;
  }
  out.push_back("main done");
}

TEST(Seed002HighLevel, RunClosesAPausedGeneratorItself) {
  VirtualRunScope scope;
  Lines out;
  AsyncGenerator<int> gen;  // the program's global `gen`
  run(run_main(gen, out));
  out.push_back("after asyncio.run");
  EXPECT_EQ(scope.last_loop()->time(), 3.5);  // main ended at 3; the cleanup took 0.5
  EXPECT_TRUE(scope.last_loop()->is_closed());
  EXPECT_EQ(out, Lines({"tick 0", "tick 1", "tick 2", "main done", "ticker: cleanup", "ticker: closed",
                        "after asyncio.run"}));
}

}  // namespace
}  // namespace seedloop::examples
