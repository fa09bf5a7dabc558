// The code example of seed 002 (../shared/seeds/002_*.txt: "事件循环" — the
// loop methods, quoting the asyncio documentation), ported to seedloop, and
// the run_forever()/stop()/close() behaviour that seed spells out, as
// programs. Each test quotes the Python program and asserts exactly the
// lines CPython 3.11 printed for it.

#include <string>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// ---- 调度回调: functools.partial for keyword arguments ----
//
//   # will schedule "print("Hello", flush=True)"
//   loop.call_soon(
//       functools.partial(print, "Hello", flush=True))
//
// Run as:
//   loop = asyncio.new_event_loop()
//   loop.call_soon(functools.partial(print, "Hello", flush=True))
//   loop.call_soon(loop.stop)
//   loop.run_forever()
//   loop.close()
//
// python3 prints:
//   Hello
//
// A lambda with its arguments bound is the C++ spelling of
// functools.partial (callbacks take no arguments).
void print_line(Lines& out, const std::string& text, bool flush) {
  out.push_back(text);
  (void)flush;  // `out` has no buffer to flush
}

TEST(Seed002, CallSoonWithBoundArguments) {
  Lines out;
  auto loop = new_virtual_loop();
  loop->call_soon([&out] { print_line(out, "Hello", /*flush=*/true); });
  loop->call_soon([&loop = *loop] { loop.stop(); });
  loop->run_forever();
  loop->close();
  EXPECT_EQ(out, Lines({"Hello"}));
}

// ---- loop.run_forever(): "如果 stop() 在 run_forever() 前调用 ..." ----
//
// "If stop() is called before run_forever(), the loop polls the I/O selector
// once with a timeout of zero, runs all callbacks scheduled in response to
// I/O events (and those that were already scheduled), and then exits." As a
// program:
//
//   loop = asyncio.new_event_loop()
//   def cb(name):
//       print(name)
//       loop.call_soon(print, f"{name}'s follow-up")
//   loop.call_soon(cb, "first")
//   loop.call_soon(cb, "second")
//   loop.stop()
//   loop.run_forever()   # one iteration: first, second
//   print("--- run_forever returned")
//   loop.call_soon(loop.stop)
//   loop.run_forever()   # the follow-ups run now
//   loop.close()
//
// python3 prints:
//   first
//   second
//   --- run_forever returned
//   first's follow-up
//   second's follow-up
TEST(Seed002, StopBeforeRunForeverRunsOneIteration) {
  Lines out;
  auto loop = new_virtual_loop();
  auto cb = [&out, &loop = *loop](std::string name) {
    out.push_back(name);
    loop.call_soon([&out, name] { out.push_back(name + "'s follow-up"); });
  };
  loop->call_soon([cb] { cb("first"); });
  loop->call_soon([cb] { cb("second"); });
  loop->stop();
  loop->run_forever();
  out.push_back("--- run_forever returned");
  loop->call_soon([&loop = *loop] { loop.stop(); });
  loop->run_forever();
  loop->close();
  EXPECT_EQ(out, Lines({"first", "second", "--- run_forever returned", "first's follow-up", "second's follow-up"}));
}

// ---- loop.stop() while running; loop.close() ----
//
// "If stop() is called while run_forever() is running, the loop runs the
// current batch of callbacks and then exits. Callbacks scheduled by
// callbacks do not run then; they run the next time run_forever() or
// run_until_complete() is called." And close() is "idempotent and
// irreversible". As a program:
//
//   loop = asyncio.new_event_loop()
//   def a():
//       print("a: calls stop()")
//       loop.stop()
//       loop.call_soon(print, "scheduled by a")
//   def b():
//       print("b: same batch, still runs")
//   loop.call_soon(a)
//   loop.call_soon(b)
//   loop.run_forever()
//   print("--- run_forever returned")
//   loop.call_soon(loop.stop)
//   loop.run_forever()
//   loop.close()
//   print(loop.is_closed())
//   loop.close()  # idempotent
//   print(loop.is_closed())
//   try:
//       loop.run_forever()
//   except RuntimeError as e:
//       print("RuntimeError:", e)
//
// python3 prints:
//   a: calls stop()
//   b: same batch, still runs
//   --- run_forever returned
//   scheduled by a
//   True
//   True
//   RuntimeError: Event loop is closed
TEST(Seed002, StopLetsTheCurrentBatchFinishAndCloseIsFinal) {
  Lines out;
  auto loop = new_virtual_loop();
  EventLoop& l = *loop;
  loop->call_soon([&out, &l] {
    out.push_back("a: calls stop()");
    l.stop();
    l.call_soon([&out] { out.push_back("scheduled by a"); });
  });
  loop->call_soon([&out] { out.push_back("b: same batch, still runs"); });
  loop->run_forever();
  out.push_back("--- run_forever returned");
  loop->call_soon([&l] { l.stop(); });
  loop->run_forever();
  loop->close();
  out.push_back(py_bool(loop->is_closed()));
  loop->close();
  out.push_back(py_bool(loop->is_closed()));
  try {
    loop->run_forever();
  } catch (const RuntimeError& e) {
    out.push_back(std::string("RuntimeError: ") + e.what());
  }
  EXPECT_EQ(out, Lines({"a: calls stop()", "b: same batch, still runs", "--- run_forever returned",
                        "scheduled by a", "True", "True", "RuntimeError: Event loop is closed"}));
}

}  // namespace
}  // namespace seedloop::examples
