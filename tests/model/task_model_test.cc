// Model-based test of asyncio.Task's state machine (rapidcheck state
// machine): tasks whose coroutines follow a script — await model-controlled
// futures, yield one iteration (sleep(0)), cancel themselves — driven by
// commands that complete, fail or cancel futures, cancel and uncancel tasks
// and run one loop iteration. After every command the production Task<int>,
// on the virtual backend, must agree with a plain model of CPython 3.11's
// tasks.Task.__step / __wakeup / cancel / uncancel and futures.Future.
//
// The model, written from Lib/asyncio/tasks.py and futures.py and sharing no
// code with loop/:
//   - create_task schedules __step with call_soon; __step clears
//     _fut_waiter, turns _must_cancel into a CancelledError thrown in (unless
//     one is already being thrown), sends or throws into the coroutine; a
//     throw into a coroutine that never started finishes it without running
//     its body;
//   - a pending awaited future gets __wakeup as a done callback (so the task
//     resumes one iteration after the future completes) and becomes
//     _fut_waiter; a done one is not waited for at all; a bare yield
//     reschedules __step;
//   - StopIteration: set_result, or cancelled with _cancel_message when
//     _must_cancel is set; CancelledError e: _cancelled_exc = e, then
//     Future.cancel() without a message; any other exception: set_exception;
//   - cancel(msg): False when done; else _num_cancels_requested += 1, then
//     cancel the awaited future if that succeeds, else _must_cancel and
//     _cancel_message; uncancel() decrements above 0; cancelling() counts;
//   - result()/exception() of a cancelled task hand out _cancelled_exc once,
//     then CancelledError(_cancel_message); set_result/set_exception raise
//     RuntimeError("Task does not support ... operation");
//   - done callbacks, wake-ups and steps share one FIFO ready queue; one
//     iteration runs exactly what was queued when it began.
//
// Each coroutine catches CancelledError around each script item and, per
// its policy, re-raises it, returns -1, or carries on; a failed future's
// ValueError propagates. The model predicts every coroutine event (log),
// every return value and error text, and each task's and future's state.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/task.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

// ---- Scripts (shared by the model and the coroutine) ----

enum class ItemKind { kAwait, kYield, kCancelSelf };
struct Item {
  ItemKind kind = ItemKind::kYield;
  int future = -1;                  // kAwait
  std::optional<std::string> msg;  // kCancelSelf
};
enum class OnCancel { kPropagate, kReturn, kContinue };

std::ostream& operator<<(std::ostream& os, const Item& item) {
  switch (item.kind) {
    case ItemKind::kAwait:
      return os << "await f" << item.future;
    case ItemKind::kYield:
      return os << "sleep(0)";
    case ItemKind::kCancelSelf:
      return os << "current_task().cancel(" << (item.msg ? "'" + *item.msg + "'" : "") << ")";
  }
  return os;
}

const char* policy_name(OnCancel p) {
  return p == OnCancel::kPropagate ? "re-raise" : p == OnCancel::kReturn ? "return -1" : "carry on";
}

// ---- The model ----

enum class State { kPending, kCancelled, kFinished };

// An exception travelling through the model: none, CancelledError(msg), or
// ValueError(msg).
struct Exc {
  enum Kind { kNone, kCancelled, kValue } kind = kNone;
  std::string msg;
  explicit operator bool() const { return kind != kNone; }
  std::string text() const {
    return (kind == kCancelled ? "CancelledError: " : kind == kValue ? "ValueError: " : "none") + msg;
  }
};

// A ready-queue entry.
struct Ready {
  enum Kind { kStep, kWakeup, kTaskCallback } kind;
  int task;
  int future = -1;  // kWakeup
  Exc exc;          // kStep
  uint64_t id = 0;  // kTaskCallback
};

struct ModelFuture {
  State state = State::kPending;
  int value = 0;
  std::optional<std::string> exception;  // ValueError message
  std::optional<std::string> cancel_message;
  std::vector<int> waiters;  // tasks whose __wakeup is a done callback, in order
};

struct ModelTask {
  std::vector<Item> script;
  OnCancel policy = OnCancel::kPropagate;
  State state = State::kPending;
  int value = 0;
  std::optional<std::string> exception;
  std::optional<std::string> cancel_message;
  std::optional<std::string> cancelled_exc;  // the coroutine's CancelledError's message, handed out once
  bool must_cancel = false;
  int num_cancels_requested = 0;
  int fut_waiter = -1;
  bool started = false;
  size_t pc = 0;  // the script item the coroutine is at
  int sum = 0;
  std::vector<uint64_t> callbacks;
  uint64_t next_callback_id = 1;
};

struct Model {
  std::vector<ModelFuture> futures;
  std::vector<ModelTask> tasks;
  std::deque<Ready> ready;
  std::vector<std::string> log;

  static std::string name(int t) { return "t" + std::to_string(t); }

  // futures.Future.cancel on a plain future.
  bool cancel_future(int f, const std::optional<std::string>& msg) {
    ModelFuture& fut = futures[f];
    if (fut.state != State::kPending) return false;
    fut.state = State::kCancelled;
    fut.cancel_message = msg;
    schedule_future_callbacks(f);
    return true;
  }
  void schedule_future_callbacks(int f) {
    for (int t : futures[f].waiters) ready.push_back(Ready{Ready::kWakeup, t, f, {}, 0});
    futures[f].waiters.clear();
  }
  // What future.result() raises, if anything.
  Exc future_outcome(int f) const {
    const ModelFuture& fut = futures[f];
    if (fut.state == State::kCancelled) return Exc{Exc::kCancelled, fut.cancel_message.value_or("")};
    if (fut.exception) return Exc{Exc::kValue, *fut.exception};
    return Exc{};
  }

  // Task completion (Future.set_result / set_exception / cancel on the task).
  void schedule_task_callbacks(int t) {
    for (uint64_t id : tasks[t].callbacks) ready.push_back(Ready{Ready::kTaskCallback, t, -1, {}, id});
    tasks[t].callbacks.clear();
  }
  void finish_task(int t, State state) {
    tasks[t].state = state;
    tasks[t].fut_waiter = -1;
    schedule_task_callbacks(t);
  }
  // Future._make_cancelled_error on a task.
  Exc make_cancelled_error(int t) {
    ModelTask& task = tasks[t];
    if (task.cancelled_exc) {
      Exc e{Exc::kCancelled, *task.cancelled_exc};
      task.cancelled_exc.reset();
      return e;
    }
    return Exc{Exc::kCancelled, task.cancel_message.value_or("")};
  }

  // tasks.Task.cancel.
  bool cancel_task(int t, const std::optional<std::string>& msg) {
    ModelTask& task = tasks[t];
    if (task.state != State::kPending) return false;
    ++task.num_cancels_requested;
    if (task.fut_waiter >= 0 && cancel_future(task.fut_waiter, msg)) return true;
    task.must_cancel = true;
    task.cancel_message = msg;
    return true;
  }

  // The coroutine raised `e` out of its body.
  void coroutine_raised(int t, const Exc& e) {
    ModelTask& task = tasks[t];
    if (e.kind == Exc::kCancelled) {
      task.cancelled_exc = e.msg;
      task.cancel_message.reset();  // super().cancel(): no message
      finish_task(t, State::kCancelled);
    } else {
      task.exception = e.msg;
      finish_task(t, State::kFinished);
    }
  }
  void coroutine_returned(int t, int value) {
    ModelTask& task = tasks[t];
    if (task.must_cancel) {
      task.must_cancel = false;
      finish_task(t, State::kCancelled);  // with _cancel_message
      return;
    }
    task.value = value;
    finish_task(t, State::kFinished);
  }

  // The outcome `e` (none: the item completed) of the current script item,
  // as the coroutine's try/catch sees it. Returns false when the coroutine
  // left its body.
  bool item_done(int t, const Exc& e, int got) {
    ModelTask& task = tasks[t];
    const Item& item = task.script[task.pc];
    if (e.kind == Exc::kValue) {
      coroutine_raised(t, e);
      return false;
    }
    if (e.kind == Exc::kCancelled) {
      log.push_back(name(t) + " caught CancelledError: " + e.msg);
      if (task.policy == OnCancel::kPropagate) {
        coroutine_raised(t, e);
        return false;
      }
      if (task.policy == OnCancel::kReturn) {
        coroutine_returned(t, -1);
        return false;
      }
    } else if (item.kind == ItemKind::kAwait) {
      log.push_back(name(t) + " got " + std::to_string(got));
      task.sum += got;
    } else if (item.kind == ItemKind::kYield) {
      log.push_back(name(t) + " yielded");
    }
    ++task.pc;
    return true;
  }

  // Runs the coroutine from its current item until it suspends or leaves.
  void run_coroutine(int t) {
    while (true) {
      ModelTask& task = tasks[t];
      if (task.pc == task.script.size()) {
        coroutine_returned(t, task.sum);
        return;
      }
      const Item item = task.script[task.pc];
      switch (item.kind) {
        case ItemKind::kAwait: {
          const int f = item.future;
          if (futures[f].state != State::kPending) {  // no suspension
            if (!item_done(t, future_outcome(f), futures[f].value)) return;
            continue;
          }
          futures[f].waiters.push_back(t);
          task.fut_waiter = f;
          if (task.must_cancel && cancel_future(f, task.cancel_message)) task.must_cancel = false;
          return;
        }
        case ItemKind::kYield:
          ready.push_back(Ready{Ready::kStep, t, -1, {}, 0});
          return;
        case ItemKind::kCancelSelf: {
          const bool r = cancel_task(t, item.msg);
          log.push_back(name(t) + " cancel() -> " + (r ? "True" : "False"));
          if (!item_done(t, Exc{}, 0)) return;
          continue;
        }
      }
    }
  }

  // tasks.Task.__step.
  void step(int t, Exc exc) {
    ModelTask& task = tasks[t];
    if (task.state != State::kPending) {
      log.push_back(name(t) + " step of a done task");  // CPython raises InvalidStateError
      return;
    }
    if (task.must_cancel) {
      if (exc.kind != Exc::kCancelled) exc = make_cancelled_error(t);
      task.must_cancel = false;
    }
    task.fut_waiter = -1;
    if (!task.started) {
      task.started = true;
      if (exc) {
        coroutine_raised(t, exc);  // thrown into a fresh coroutine: the body never runs
        return;
      }
      run_coroutine(t);
      return;
    }
    // Resumed at its current item: an await or a yield.
    const Item& item = task.script[task.pc];
    int got = 0;
    if (!exc && item.kind == ItemKind::kAwait) {
      exc = future_outcome(item.future);  // Future.__await__'s `return self.result()`
      got = futures[item.future].value;
    }
    if (!item_done(t, exc, got)) return;
    run_coroutine(t);
  }

  // base_events._run_once with nothing else to do.
  void run_once() {
    const size_t ntodo = ready.size();
    for (size_t i = 0; i < ntodo; ++i) {
      const Ready r = ready.front();
      ready.pop_front();
      switch (r.kind) {
        case Ready::kStep:
          step(r.task, r.exc);
          break;
        case Ready::kWakeup:  // tasks.Task.__wakeup
          step(r.task, future_outcome(r.future));
          break;
        case Ready::kTaskCallback:
          log.push_back(name(r.task) + " cb " + std::to_string(r.id));
          break;
      }
    }
  }
};

// ---- The system under test ----

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const BaseException& ex) {
    return std::string(ex.type_name()) + ": " + ex.message();
  } catch (...) {
    return "unknown exception";
  }
}

struct Sut {
  std::vector<std::string> log;
  std::shared_ptr<EventLoop> loop;
  std::vector<Future<int>> futures;
  std::vector<Task<int>> tasks;

  Sut() {
    loop = EventLoop::create(sim::new_virtual_backend());
    // Pending tasks are reported when the loop closes; failed ones may never
    // have been retrieved. Neither is this test's business.
    loop->set_exception_handler([](EventLoop&, const ExceptionContext&) {});
  }
  ~Sut() { loop->close(); }
  void iterate() {
    loop->stop();
    loop->run_forever();
  }
};

Coro<int> body(Sut* s, int t, std::vector<Item> script, OnCancel policy) {
  const std::string name = Model::name(t);
  int sum = 0;
  for (const Item& item : script) {
    try {
      switch (item.kind) {
        case ItemKind::kAwait: {
          const int v = co_await s->futures[item.future];
          s->log.push_back(name + " got " + std::to_string(v));
          sum += v;
          break;
        }
        case ItemKind::kYield:
          co_await yield_now();
          s->log.push_back(name + " yielded");
          break;
        case ItemKind::kCancelSelf: {
          const bool r = s->tasks[t].cancel(item.msg);
          s->log.push_back(name + " cancel() -> " + (r ? "True" : "False"));
          break;
        }
      }
    } catch (const CancelledError& e) {
      s->log.push_back(name + " caught CancelledError: " + e.message());
      if (policy == OnCancel::kPropagate) throw;
      if (policy == OnCancel::kReturn) co_return -1;
    }
  }
  co_return sum;
}

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.log == m.log);
  RC_ASSERT(s.futures.size() == m.futures.size());
  RC_ASSERT(s.tasks.size() == m.tasks.size());
  for (size_t i = 0; i < m.futures.size(); ++i) {
    RC_ASSERT(s.futures[i].done() == (m.futures[i].state != State::kPending));
    RC_ASSERT(s.futures[i].cancelled() == (m.futures[i].state == State::kCancelled));
  }
  for (size_t i = 0; i < m.tasks.size(); ++i) {
    RC_ASSERT(s.tasks[i].done() == (m.tasks[i].state != State::kPending));
    RC_ASSERT(s.tasks[i].cancelled() == (m.tasks[i].state == State::kCancelled));
    RC_ASSERT(s.tasks[i].cancelling() == m.tasks[i].num_cancels_requested);
  }
}

using Command = rc::state::Command<Model, Sut>;

std::optional<std::string> gen_message() {
  if (*rc::gen::arbitrary<bool>()) return std::nullopt;
  return "m" + std::to_string(*rc::gen::inRange(0, 3));
}
std::string show_message(const std::optional<std::string>& msg) { return msg ? "'" + *msg + "'" : ""; }

// A command that returns or raises something: `step` applies it to the
// model and predicts that, `call` does it to the system.
struct Call : Command {
  virtual std::string step(Model& m) const = 0;
  virtual std::string call(Sut& s) const = 0;
  void apply(Model& m) const override { step(m); }
  void run(const Model& m, Sut& s) const override {
    Model next = m;
    const std::string expected = step(next);
    std::string got;
    try {
      got = call(s);
    } catch (...) {
      got = describe(std::current_exception());
    }
    RC_ASSERT(got == expected);
    check_agree(next, s);
  }
};

struct OnFuture : Call {
  int f = 0;
  explicit OnFuture(const Model& m) {
    RC_PRE(!m.futures.empty());
    f = *rc::gen::inRange<int>(0, static_cast<int>(m.futures.size()));
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(f < static_cast<int>(m.futures.size())); }
};

struct OnTask : Call {
  int t = 0;
  explicit OnTask(const Model& m) {
    RC_PRE(!m.tasks.empty());
    t = *rc::gen::inRange<int>(0, static_cast<int>(m.tasks.size()));
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(t < static_cast<int>(m.tasks.size())); }
};

struct NewFuture : Call {
  std::string step(Model& m) const override {
    m.futures.emplace_back();
    return "ok";
  }
  std::string call(Sut& s) const override {
    s.futures.push_back(s.loop->create_future<int>());
    return "ok";
  }
  void show(std::ostream& os) const override { os << "new future"; }
};

struct Spawn : Call {
  std::vector<Item> script;
  OnCancel policy;
  explicit Spawn(const Model& m) {
    const int n = *rc::gen::inRange(0, 4);
    for (int i = 0; i < n; ++i) {
      Item item;
      const int kind = *rc::gen::inRange(0, m.futures.empty() ? 2 : 6);
      if (kind >= 2) {
        item.kind = ItemKind::kAwait;
        item.future = *rc::gen::inRange<int>(0, static_cast<int>(m.futures.size()));
      } else if (kind == 1) {
        item.kind = ItemKind::kCancelSelf;
        item.msg = gen_message();
      }
      script.push_back(item);
    }
    policy = static_cast<OnCancel>(*rc::gen::inRange(0, 3));
  }
  void checkPreconditions(const Model& m) const override {
    for (const Item& item : script) RC_PRE(item.future < static_cast<int>(m.futures.size()));
  }
  std::string step(Model& m) const override {
    const int t = static_cast<int>(m.tasks.size());
    m.tasks.emplace_back();
    m.tasks[t].script = script;
    m.tasks[t].policy = policy;
    m.ready.push_back(Ready{Ready::kStep, t, -1, {}, 0});
    return "ok";
  }
  std::string call(Sut& s) const override {
    const int t = static_cast<int>(s.tasks.size());
    s.tasks.push_back(s.loop->create_task(body(&s, t, script, policy)));
    return "ok";
  }
  void show(std::ostream& os) const override {
    os << "spawn [";
    for (size_t i = 0; i < script.size(); ++i) os << (i ? ", " : "") << script[i];
    os << "] on CancelledError " << policy_name(policy);
  }
};

struct SetFutureResult : OnFuture {
  int value = *rc::gen::inRange(0, 10);
  using OnFuture::OnFuture;
  std::string step(Model& m) const override {
    ModelFuture& fut = m.futures[f];
    if (fut.state != State::kPending) return "InvalidStateError: invalid state";
    fut.state = State::kFinished;
    fut.value = value;
    m.schedule_future_callbacks(f);
    return "ok";
  }
  std::string call(Sut& s) const override {
    s.futures[f].set_result(value);
    return "ok";
  }
  void show(std::ostream& os) const override { os << "f" << f << ".set_result(" << value << ")"; }
};

struct SetFutureException : OnFuture {
  std::string message = "e" + std::to_string(*rc::gen::inRange(0, 3));
  using OnFuture::OnFuture;
  std::string step(Model& m) const override {
    ModelFuture& fut = m.futures[f];
    if (fut.state != State::kPending) return "InvalidStateError: invalid state";
    fut.state = State::kFinished;
    fut.exception = message;
    m.schedule_future_callbacks(f);
    return "ok";
  }
  std::string call(Sut& s) const override {
    s.futures[f].set_exception(ValueError(message));
    return "ok";
  }
  void show(std::ostream& os) const override { os << "f" << f << ".set_exception(ValueError('" << message << "'))"; }
};

struct CancelFuture : OnFuture {
  std::optional<std::string> message = gen_message();
  using OnFuture::OnFuture;
  std::string step(Model& m) const override { return m.cancel_future(f, message) ? "True" : "False"; }
  std::string call(Sut& s) const override { return s.futures[f].cancel(message) ? "True" : "False"; }
  void show(std::ostream& os) const override { os << "f" << f << ".cancel(" << show_message(message) << ")"; }
};

struct CancelTask : OnTask {
  std::optional<std::string> message = gen_message();
  using OnTask::OnTask;
  std::string step(Model& m) const override { return m.cancel_task(t, message) ? "True" : "False"; }
  std::string call(Sut& s) const override { return s.tasks[t].cancel(message) ? "True" : "False"; }
  void show(std::ostream& os) const override { os << "t" << t << ".cancel(" << show_message(message) << ")"; }
};

struct Uncancel : OnTask {
  using OnTask::OnTask;
  std::string step(Model& m) const override {
    int& n = m.tasks[t].num_cancels_requested;
    if (n > 0) --n;
    return std::to_string(n);
  }
  std::string call(Sut& s) const override { return std::to_string(s.tasks[t].uncancel()); }
  void show(std::ostream& os) const override { os << "t" << t << ".uncancel()"; }
};

struct TaskResult : OnTask {
  using OnTask::OnTask;
  std::string step(Model& m) const override {
    ModelTask& task = m.tasks[t];
    switch (task.state) {
      case State::kPending:
        return "InvalidStateError: Result is not set.";
      case State::kCancelled:
        return m.make_cancelled_error(t).text();
      case State::kFinished:
        break;
    }
    if (task.exception) return "ValueError: " + *task.exception;
    return "value " + std::to_string(task.value);
  }
  std::string call(Sut& s) const override { return "value " + std::to_string(s.tasks[t].result()); }
  void show(std::ostream& os) const override { os << "t" << t << ".result()"; }
};

struct TaskException : OnTask {
  using OnTask::OnTask;
  std::string step(Model& m) const override {
    ModelTask& task = m.tasks[t];
    switch (task.state) {
      case State::kPending:
        return "InvalidStateError: Exception is not set.";
      case State::kCancelled:
        return m.make_cancelled_error(t).text();
      case State::kFinished:
        break;
    }
    return task.exception ? "returns ValueError: " + *task.exception : "returns None";
  }
  std::string call(Sut& s) const override {
    std::exception_ptr e = s.tasks[t].exception();
    return e ? "returns " + describe(e) : "returns None";
  }
  void show(std::ostream& os) const override { os << "t" << t << ".exception()"; }
};

struct TaskSetResult : OnTask {
  using OnTask::OnTask;
  std::string step(Model&) const override { return "RuntimeError: Task does not support set_result operation"; }
  std::string call(Sut& s) const override {
    s.tasks[t].set_result(1);
    return "ok";
  }
  void show(std::ostream& os) const override { os << "t" << t << ".set_result(1)"; }
};

struct TaskSetException : OnTask {
  using OnTask::OnTask;
  std::string step(Model&) const override { return "RuntimeError: Task does not support set_exception operation"; }
  std::string call(Sut& s) const override {
    s.tasks[t].set_exception(ValueError("x"));
    return "ok";
  }
  void show(std::ostream& os) const override { os << "t" << t << ".set_exception(ValueError('x'))"; }
};

struct AddTaskDoneCallback : OnTask {
  using OnTask::OnTask;
  std::string step(Model& m) const override {
    ModelTask& task = m.tasks[t];
    const uint64_t id = task.next_callback_id++;
    if (task.state != State::kPending) {
      m.ready.push_back(Ready{Ready::kTaskCallback, t, -1, {}, id});
    } else {
      task.callbacks.push_back(id);
    }
    return "id " + std::to_string(id);
  }
  std::string call(Sut& s) const override {
    Sut* sut = &s;
    auto id = std::make_shared<uint64_t>(0);
    *id = s.tasks[t].add_done_callback(
        [sut, name = Model::name(t), id](Future<int>) { sut->log.push_back(name + " cb " + std::to_string(*id)); });
    return "id " + std::to_string(*id);
  }
  void show(std::ostream& os) const override { os << "t" << t << ".add_done_callback()"; }
};

struct RunOnce : Call {
  std::string step(Model& m) const override {
    m.run_once();
    return "ok";
  }
  std::string call(Sut& s) const override {
    s.iterate();
    return "ok";
  }
  void show(std::ostream& os) const override { os << "run_once"; }
};

RC_GTEST_PROP(TaskModel, StepsCancellationAndResultsAreCPythons, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<NewFuture, Spawn, SetFutureResult, SetFutureException,
                                                     CancelFuture, CancelTask, Uncancel, TaskResult, TaskException,
                                                     TaskSetResult, TaskSetException, AddTaskDoneCallback, RunOnce,
                                                     RunOnce, RunOnce>());
}

}  // namespace
}  // namespace seedloop
