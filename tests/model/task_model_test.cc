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
#include <memory>
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
#include "tests/model/task_model.h"

namespace seedloop::task_model {
namespace {

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
}  // namespace seedloop::task_model
