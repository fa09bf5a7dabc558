// The plain model of asyncio.Task behind task_model_test.cc: CPython 3.11's
// tasks.Task.__step / __wakeup / cancel / uncancel and futures.Future,
// written from Lib/asyncio/tasks.py and futures.py, sharing no code with
// loop/ (the test's header comment lists what it models). Also the scripts
// the model and the test's coroutines both follow.

#ifndef SEEDLOOP_TESTS_MODEL_TASK_MODEL_H_
#define SEEDLOOP_TESTS_MODEL_TASK_MODEL_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace seedloop::task_model {

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

}  // namespace seedloop::task_model

#endif  // SEEDLOOP_TESTS_MODEL_TASK_MODEL_H_
