// Model-based test of asyncio.Future's state machine (rapidcheck state
// machine): after every command the production Future<int>, on the virtual
// backend, must agree with a plain model of CPython 3.11's futures.Future.
//
// The model, written from Lib/asyncio/futures.py (and the C class's error
// texts, asyncio-semantics item 60) and sharing no code with loop/:
//   - a future is PENDING, CANCELLED or FINISHED (with a result or an
//     exception); set_result / set_exception on a done future raise
//     InvalidStateError("invalid state"); cancel(msg) returns False unless
//     pending;
//   - result() / exception(): InvalidStateError("Result is not set." /
//     "Exception is not set.") while pending, CancelledError(msg) every time
//     once cancelled; result() re-raises the stored exception;
//   - __schedule_callbacks: on completion the callbacks, in registration
//     order, go to the back of the loop's ready queue (call_soon), so they run
//     in the next iteration, FIFO with every other call_soon; one added to a
//     done future is scheduled at once; remove_done_callback returns the
//     number removed (C++ form: an id per add_done_callback, so 0 or 1);
//   - an exception nobody retrieved (result(), exception(), or cancel() even
//     on a done future, clear _log_traceback) is reported as "Future
//     exception was never retrieved" when the future goes, which is when the
//     test drops it and no scheduled callback still holds it;
//   - one iteration runs exactly the callbacks queued when it began.
//
// Commands: create a future; set_result; set_exception; cancel with or
// without a message; result(); exception(); add_done_callback;
// remove_done_callback; a plain call_soon (to interleave); drop the test's
// reference; run one iteration. Each returns what it returned or raised as
// text ("TypeName: message"), compared with the model's prediction, and the
// states, the run log and the reports are compared after every command.

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
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

// ---- The model ----

enum class State { kPending, kCancelled, kFinished };

struct ModelFuture {
  State state = State::kPending;
  int value = 0;
  std::optional<std::string> exception;  // FINISHED with ValueError(*exception)
  std::optional<std::string> cancel_message;
  bool log_traceback = false;
  std::vector<uint64_t> callbacks;  // ids, in registration order
  uint64_t next_callback_id = 1;
  bool dropped = false;
};

// A ready-queue entry: a done callback (future, id) or a plain call_soon (n).
struct ModelReady {
  int future;  // -1: plain call_soon
  uint64_t id;
};

struct Model {
  std::vector<ModelFuture> futures;
  std::deque<ModelReady> ready;
  int soons = 0;
  std::vector<std::string> log;  // callbacks run and exceptions reported, in order

  // The future goes once the test dropped it and no queued callback holds it.
  void maybe_destroy(int f) {
    const ModelFuture& fut = futures[f];
    if (!fut.dropped) return;
    for (const ModelReady& r : ready) {
      if (r.future == f) return;
    }
    if (fut.log_traceback) log.push_back("never retrieved f" + std::to_string(f));
    futures[f].log_traceback = false;
  }

  // futures.Future.__schedule_callbacks.
  void schedule_callbacks(int f) {
    for (uint64_t id : futures[f].callbacks) ready.push_back(ModelReady{f, id});
    futures[f].callbacks.clear();
  }

  // base_events._run_once with nothing else to do.
  void run_once() {
    const size_t ntodo = ready.size();
    for (size_t i = 0; i < ntodo; ++i) {
      const ModelReady r = ready.front();
      ready.pop_front();
      if (r.future < 0) {
        log.push_back("soon " + std::to_string(r.id));
      } else {
        log.push_back("f" + std::to_string(r.future) + " cb " + std::to_string(r.id));
        maybe_destroy(r.future);
      }
    }
  }

  // futures.Future.result() / exception(): the outcome as text.
  std::string result(int f) {
    ModelFuture& fut = futures[f];
    switch (fut.state) {
      case State::kPending:
        return "InvalidStateError: Result is not set.";
      case State::kCancelled:
        return "CancelledError: " + fut.cancel_message.value_or("");
      case State::kFinished:
        break;
    }
    fut.log_traceback = false;
    if (fut.exception) return "ValueError: " + *fut.exception;
    return "value " + std::to_string(fut.value);
  }
  std::string exception(int f) {
    ModelFuture& fut = futures[f];
    switch (fut.state) {
      case State::kPending:
        return "InvalidStateError: Exception is not set.";
      case State::kCancelled:
        return "CancelledError: " + fut.cancel_message.value_or("");
      case State::kFinished:
        break;
    }
    fut.log_traceback = false;
    if (fut.exception) return "returns ValueError: " + *fut.exception;
    return "returns None";
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
  sim::VirtualClock* clock = nullptr;
  std::shared_ptr<EventLoop> loop;
  std::vector<Future<int>> futures;  // by index; reset when dropped
  std::vector<FutureBase*> identity;  // what each callback must be handed
  std::vector<std::string> log;

  Sut() {
    loop = EventLoop::create(sim::new_virtual_backend({}, &clock));
    loop->set_exception_handler([this](EventLoop&, const ExceptionContext& context) {
      int index = -1;
      for (size_t i = 0; i < identity.size(); ++i) {
        if (identity[i] == context.future) index = static_cast<int>(i);
      }
      if (context.message == "Future exception was never retrieved") {
        log.push_back("never retrieved f" + std::to_string(index));
      } else {
        log.push_back("handler: " + context.message);
      }
    });
  }
  ~Sut() {
    futures.clear();
    iterate();  // lets queued callbacks release their futures
    loop->close();
  }
  void iterate() {
    loop->stop();
    loop->run_forever();
  }
};

void check_agree(const Model& m, const Sut& s) {
  RC_ASSERT(s.log == m.log);
  RC_ASSERT(s.futures.size() == m.futures.size());
  for (size_t i = 0; i < m.futures.size(); ++i) {
    if (m.futures[i].dropped) continue;
    const Future<int>& f = s.futures[i];
    RC_ASSERT(f.done() == (m.futures[i].state != State::kPending));
    RC_ASSERT(f.cancelled() == (m.futures[i].state == State::kCancelled));
  }
}

using Command = rc::state::Command<Model, Sut>;

// A command on a live future, chosen among those the model has.
struct OnFuture : Command {
  int f = 0;
  explicit OnFuture(const Model& m) {
    RC_PRE(!m.futures.empty());
    f = *rc::gen::inRange<int>(0, static_cast<int>(m.futures.size()));
    RC_PRE(!m.futures[f].dropped);
  }
  // Shrinking removes commands before this one: the future must still exist.
  void checkPreconditions(const Model& m) const override {
    RC_PRE(f < static_cast<int>(m.futures.size()));
    RC_PRE(!m.futures[f].dropped);
  }
  // Applies the command to `m`; returns what the call returns or raises.
  virtual std::string step(Model& m) const = 0;
  // Runs the call on the system; returns what it returned or raised.
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

std::optional<std::string> gen_message() {
  if (*rc::gen::arbitrary<bool>()) return std::nullopt;
  return "m" + std::to_string(*rc::gen::inRange(0, 3));
}

struct NewFuture : Command {
  void apply(Model& m) const override { m.futures.emplace_back(); }
  void run(const Model& m, Sut& s) const override {
    s.futures.push_back(s.loop->create_future<int>());
    s.identity.push_back(s.futures.back().base());
    Model next = m;
    apply(next);
    check_agree(next, s);
  }
  void show(std::ostream& os) const override { os << "new future"; }
};

struct SetResult : OnFuture {
  int value = *rc::gen::inRange(0, 100);
  using OnFuture::OnFuture;
  std::string step(Model& m) const override {
    ModelFuture& fut = m.futures[f];
    if (fut.state != State::kPending) return "InvalidStateError: invalid state";
    fut.state = State::kFinished;
    fut.value = value;
    m.schedule_callbacks(f);
    return "ok";
  }
  std::string call(Sut& s) const override {
    s.futures[f].set_result(value);
    return "ok";
  }
  void show(std::ostream& os) const override { os << "f" << f << ".set_result(" << value << ")"; }
};

struct SetException : OnFuture {
  std::string message = "e" + std::to_string(*rc::gen::inRange(0, 3));
  using OnFuture::OnFuture;
  std::string step(Model& m) const override {
    ModelFuture& fut = m.futures[f];
    if (fut.state != State::kPending) return "InvalidStateError: invalid state";
    fut.state = State::kFinished;
    fut.exception = message;
    fut.log_traceback = true;
    m.schedule_callbacks(f);
    return "ok";
  }
  std::string call(Sut& s) const override {
    s.futures[f].set_exception(ValueError(message));
    return "ok";
  }
  void show(std::ostream& os) const override { os << "f" << f << ".set_exception(ValueError('" << message << "'))"; }
};

struct Cancel : OnFuture {
  std::optional<std::string> message = gen_message();
  using OnFuture::OnFuture;
  std::string step(Model& m) const override {
    ModelFuture& fut = m.futures[f];
    fut.log_traceback = false;
    if (fut.state != State::kPending) return "False";
    fut.state = State::kCancelled;
    fut.cancel_message = message;
    m.schedule_callbacks(f);
    return "True";
  }
  std::string call(Sut& s) const override { return s.futures[f].cancel(message) ? "True" : "False"; }
  void show(std::ostream& os) const override {
    os << "f" << f << ".cancel(" << (message ? "'" + *message + "'" : "") << ")";
  }
};

struct Result : OnFuture {
  using OnFuture::OnFuture;
  std::string step(Model& m) const override { return m.result(f); }
  std::string call(Sut& s) const override { return "value " + std::to_string(s.futures[f].result()); }
  void show(std::ostream& os) const override { os << "f" << f << ".result()"; }
};

struct ExceptionOf : OnFuture {
  using OnFuture::OnFuture;
  std::string step(Model& m) const override { return m.exception(f); }
  std::string call(Sut& s) const override {
    std::exception_ptr e = s.futures[f].exception();
    return e ? "returns " + describe(e) : "returns None";
  }
  void show(std::ostream& os) const override { os << "f" << f << ".exception()"; }
};

struct AddDoneCallback : OnFuture {
  using OnFuture::OnFuture;
  std::string step(Model& m) const override {
    ModelFuture& fut = m.futures[f];
    const uint64_t id = fut.next_callback_id++;
    if (fut.state != State::kPending) {
      m.ready.push_back(ModelReady{f, id});  // call_soon at once
    } else {
      fut.callbacks.push_back(id);
    }
    return "id " + std::to_string(id);
  }
  std::string call(Sut& s) const override {
    Sut* sut = &s;
    const int index = f;
    auto id = std::make_shared<uint64_t>(0);
    *id = s.futures[f].add_done_callback([sut, index, id](Future<int> fut) {
      // The callback is handed its own future.
      const bool same = fut.base() == sut->identity[index];
      sut->log.push_back("f" + std::to_string(index) + " cb " + std::to_string(*id) + (same ? "" : " (wrong future)"));
    });
    return "id " + std::to_string(*id);
  }
  void show(std::ostream& os) const override { os << "f" << f << ".add_done_callback()"; }
};

struct RemoveDoneCallback : OnFuture {
  uint64_t id = 1;
  explicit RemoveDoneCallback(const Model& m) : OnFuture(m) {
    RC_PRE(m.futures[f].next_callback_id > 1);
    id = *rc::gen::inRange<uint64_t>(1, m.futures[f].next_callback_id);
  }
  void checkPreconditions(const Model& m) const override {
    OnFuture::checkPreconditions(m);
    RC_PRE(id < m.futures[f].next_callback_id);
  }
  std::string step(Model& m) const override {
    std::vector<uint64_t>& cbs = m.futures[f].callbacks;
    size_t removed = 0;
    for (auto it = cbs.begin(); it != cbs.end();) {
      if (*it == id) {
        it = cbs.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return "removed " + std::to_string(removed);
  }
  std::string call(Sut& s) const override {
    return "removed " + std::to_string(s.futures[f].remove_done_callback(id));
  }
  void show(std::ostream& os) const override { os << "f" << f << ".remove_done_callback(" << id << ")"; }
};

// The test lets go of its reference.
struct Drop : OnFuture {
  using OnFuture::OnFuture;
  std::string step(Model& m) const override {
    m.futures[f].dropped = true;
    m.maybe_destroy(f);
    return "ok";
  }
  std::string call(Sut& s) const override {
    s.futures[f] = Future<int>();
    return "ok";
  }
  void show(std::ostream& os) const override { os << "drop f" << f; }
};

struct CallSoon : Command {
  void apply(Model& m) const override { m.ready.push_back(ModelReady{-1, static_cast<uint64_t>(m.soons++)}); }
  void run(const Model& m, Sut& s) const override {
    Sut* sut = &s;
    s.loop->call_soon([sut, n = m.soons] { sut->log.push_back("soon " + std::to_string(n)); });
    Model next = m;
    apply(next);
    check_agree(next, s);
  }
  void show(std::ostream& os) const override { os << "call_soon"; }
};

struct RunOnce : Command {
  void apply(Model& m) const override { m.run_once(); }
  void run(const Model& m, Sut& s) const override {
    s.iterate();
    Model next = m;
    apply(next);
    check_agree(next, s);
  }
  void show(std::ostream& os) const override { os << "run_once"; }
};

RC_GTEST_PROP(FutureModel, StatesCallbacksAndErrorsAreCPythons, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<NewFuture, SetResult, SetException, Cancel, Result, ExceptionOf,
                                                     AddDoneCallback, RemoveDoneCallback, Drop, CallSoon, RunOnce>());
}

}  // namespace
}  // namespace seedloop
