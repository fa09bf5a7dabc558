// The code example of seed 003 (../shared/seeds/003_*.txt: "实现简单的时间循环"
// — a toy EventLoop / Future / Task that steps generator-based coroutines).
//
// The toy shows the mechanism asyncio is built on: a ready queue of tasks; a
// task's step sends a value into its coroutine; a coroutine that yields a
// task (or another coroutine, which becomes a task) is woken by that task's
// done callback; one that yields anything else goes back to the ready queue.
//
// First test: the toy itself, ported to C++20 coroutines inside this file,
// running a program (the seed gives the classes but no program). Second
// test: the same program on seedloop, written as asyncio would have it.
// CPython 3.11 prints the same lines for both, and so do the ports.

#include <deque>
#include <functional>
#include <coroutine>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// ---- The toy, as the seed writes it ----
//
//   class EventLoop:
//       def __init__(self):
//           self._ready = []
//       # call_soon 将任务加入到任务队列中
//       def call_soon(self, task):
//           self._ready.append(task)
//       def run_forever(self, coro):
//           root = Task(coro, self)
//           while self._ready:
//               task = self._ready.pop(0)
//               task.step(Future())
//           return root.result
//
//   class Future:
//       def __init__(self):
//           self.done = False
//           self.result = None
//           self._callbacks = []
//       def add_done_callback(self, callback):
//           if not self.done:
//               self._callbacks.append(callback)
//           else:
//               callback(self)
//       def set_result(self, result):
//           self.result = result
//           self.done = True
//           for callback in self._callbacks:
//               callback(self)
//
//   class Task(Future):
//       coroutine = type((i for i in range(0)))
//       def __init__(self, coro, loop):
//           super().__init__()
//           self.coro = coro
//           self.loop = loop
//           self.loop.call_soon(self)
//       def step(self, future):
//           try:
//               result = self.coro.send(future.result)
//           except StopIteration as exc:
//               self.set_result(exc.value)
//           else:
//               if type(result) == self.coroutine:
//                   result = Task(result, self.loop)
//               if isinstance(result, Task):
//                   result.add_done_callback(self.step)
//               else:
//                   self.loop.call_soon(self)
//
// (The seed's "// call_soon ..." comment is not Python; it ran as "#".)
//
// C++ port: a generator coroutine `Gen` stands in for a Python generator;
// `co_yield x` is `yield x` and evaluates to the value the next send()
// passes in. Values are strings; Python's None is the empty string.

class ToyTask;

class Gen {
 public:
  struct Nothing {};  // a bare `yield`
  using Yielded = std::variant<Nothing, ToyTask*, Gen>;
  struct promise_type;  // below: it holds a Yielded, which needs Gen complete

  Gen(Gen&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Gen& operator=(Gen&& other) noexcept {
    std::swap(h_, other.h_);
    return *this;
  }
  ~Gen();

  // Python's gen.send(value): runs to the next yield. Returns the yielded
  // value, or nullopt once the generator returned (StopIteration), its
  // value then in returned().
  std::optional<Yielded> send(std::string value);
  const std::string& returned() const;

 private:
  explicit Gen(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

struct Gen::promise_type {
  std::optional<Yielded> yielded;
  std::string sent;
  std::string returned;

  Gen get_return_object() { return Gen(std::coroutine_handle<promise_type>::from_promise(*this)); }
  std::suspend_always initial_suspend() noexcept { return {}; }
  std::suspend_always final_suspend() noexcept { return {}; }
  void unhandled_exception() { std::terminate(); }
  void return_value(std::string v) { returned = std::move(v); }

  // `co_yield y` evaluates to what the next send() passes in.
  struct SendAwaiter {
    promise_type* p;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    std::string await_resume() const { return p->sent; }
  };
  template <typename Y>
  SendAwaiter yield_value(Y&& y) {
    yielded.emplace(std::forward<Y>(y));
    return SendAwaiter{this};
  }
};

Gen::~Gen() {
  if (h_) h_.destroy();
}

std::optional<Gen::Yielded> Gen::send(std::string value) {
  h_.promise().sent = std::move(value);
  h_.promise().yielded.reset();
  h_.resume();
  if (h_.done()) return std::nullopt;
  return std::move(h_.promise().yielded);
}

const std::string& Gen::returned() const { return h_.promise().returned; }

class ToyFuture {
 public:
  virtual ~ToyFuture() = default;
  bool done = false;
  std::string result;  // None is ""

  void add_done_callback(std::function<void(ToyFuture&)> callback) {
    if (!done) {
      callbacks_.push_back(std::move(callback));
    } else {
      callback(*this);
    }
  }
  void set_result(std::string r) {
    result = std::move(r);
    done = true;
    for (auto& callback : callbacks_) callback(*this);
  }

 private:
  std::vector<std::function<void(ToyFuture&)>> callbacks_;
};

class ToyLoop {
 public:
  void call_soon(ToyTask* task) { ready_.push_back(task); }
  std::string run_forever(Gen coro);
  // Python's garbage collector: the loop keeps every task alive.
  ToyTask* adopt(std::unique_ptr<ToyTask> task);

 private:
  std::deque<ToyTask*> ready_;
  std::vector<std::unique_ptr<ToyTask>> tasks_;
};

class ToyTask : public ToyFuture {
 public:
  static ToyTask* create(Gen coro, ToyLoop* loop) {
    ToyTask* task = loop->adopt(std::unique_ptr<ToyTask>(new ToyTask(std::move(coro), loop)));
    loop->call_soon(task);
    return task;
  }

  void step(ToyFuture& future) {
    std::optional<Gen::Yielded> result = coro_.send(future.result);
    if (!result) {  // StopIteration
      set_result(coro_.returned());
      return;
    }
    if (Gen* g = std::get_if<Gen>(&*result)) *result = create(std::move(*g), loop_);
    if (ToyTask** t = std::get_if<ToyTask*>(&*result)) {
      (*t)->add_done_callback([this](ToyFuture& f) { step(f); });
    } else {
      loop_->call_soon(this);
    }
  }

 private:
  ToyTask(Gen coro, ToyLoop* loop) : coro_(std::move(coro)), loop_(loop) {}
  Gen coro_;
  ToyLoop* loop_;
};

ToyTask* ToyLoop::adopt(std::unique_ptr<ToyTask> task) {
  tasks_.push_back(std::move(task));
  return tasks_.back().get();
}

std::string ToyLoop::run_forever(Gen coro) {
  ToyTask* root = ToyTask::create(std::move(coro), this);
  while (!ready_.empty()) {
    ToyTask* task = ready_.front();
    ready_.pop_front();
    ToyFuture fresh;
    task->step(fresh);
  }
  return root->result;
}

// ---- The program run on the toy ----
//
//   loop = EventLoop()
//   def countdown(name, n):
//       while n > 0:
//           print(f"{name}: {n}")
//           yield  # give the turn back to the loop
//           n -= 1
//       return f"{name} done"
//   def main():
//       t1 = Task(countdown("A", 2), loop)
//       t2 = Task(countdown("B", 3), loop)
//       r1 = yield t1
//       r2 = yield t2
//       r3 = yield countdown("C", 1)
//       print(r1, r2, r3)
//       return "main done"
//   print(loop.run_forever(main()))
//
// python3 prints:
//   A: 2
//   B: 3
//   A: 1
//   B: 2
//   B: 1
//   C: 1
//   A done B done C done
//   main done
const Lines kCountdownOutput = {"A: 2", "B: 3", "A: 1", "B: 2", "B: 1", "C: 1", "A done B done C done", "main done"};

Gen toy_countdown(Lines& out, std::string name, int n) {
  while (n > 0) {
    out.push_back(absl::StrFormat("%s: %d", name, n));
    co_yield Gen::Nothing{};
    n -= 1;
  }
  co_return name + " done";
}

Gen toy_main(Lines& out, ToyLoop& loop) {
  ToyTask* t1 = ToyTask::create(toy_countdown(out, "A", 2), &loop);
  ToyTask* t2 = ToyTask::create(toy_countdown(out, "B", 3), &loop);
  std::string r1 = co_yield t1;
  std::string r2 = co_yield t2;
  std::string r3 = co_yield toy_countdown(out, "C", 1);
  out.push_back(r1 + " " + r2 + " " + r3);
  co_return "main done";
}

TEST(Seed003, ToyLoopStepsGeneratorTasks) {
  Lines out;
  ToyLoop loop;
  out.push_back(loop.run_forever(toy_main(out, loop)));
  EXPECT_EQ(out, kCountdownOutput);
}

// ---- The same program on seedloop ----
//
//   async def countdown(name, n):
//       while n > 0:
//           print(f"{name}: {n}")
//           await asyncio.sleep(0)  # give the turn back to the loop
//           n -= 1
//       return f"{name} done"
//   async def main():
//       t1 = asyncio.create_task(countdown("A", 2))
//       t2 = asyncio.create_task(countdown("B", 3))
//       r1 = await t1
//       r2 = await t2
//       r3 = await countdown("C", 1)
//       print(r1, r2, r3)
//       return "main done"
//   loop = asyncio.new_event_loop()
//   print(loop.run_until_complete(main()))
//   loop.close()
//
// python3 prints the same eight lines as the toy. The differences are
// inside: asyncio runs done callbacks through the ready queue (one iteration
// later), never inline as the toy's set_result does; and `await countdown()`
// runs the coroutine inside main's task instead of wrapping it in a task.
Coro<std::string> countdown(Lines& out, std::string name, int n) {
  while (n > 0) {
    out.push_back(absl::StrFormat("%s: %d", name, n));
    co_await sleep(0);
    n -= 1;
  }
  co_return name + " done";
}

Coro<std::string> countdown_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Task<std::string> t1 = loop->create_task(countdown(out, "A", 2));
  Task<std::string> t2 = loop->create_task(countdown(out, "B", 3));
  std::string r1 = co_await t1;
  std::string r2 = co_await t2;
  std::string r3 = co_await countdown(out, "C", 1);
  out.push_back(r1 + " " + r2 + " " + r3);
  co_return "main done";
}

TEST(Seed003, SameProgramOnSeedloop) {
  Lines out;
  auto loop = new_virtual_loop();
  out.push_back(loop->run_until_complete(countdown_main(out)));
  EXPECT_EQ(loop->time(), 0.0);  // sleep(0) only yields
  loop->close();
  EXPECT_EQ(out, kCountdownOutput);
}

}  // namespace
}  // namespace seedloop::examples
