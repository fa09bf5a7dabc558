// The plain model of asyncio.Condition (over asyncio.Lock) behind
// condition_model_test.cc: CPython 3.11.7's locks.Condition and locks.Lock,
// written from their source and sharing no code with loop/ (the test's
// header comment lists what it models), and the workers both follow.

#ifndef SEEDLOOP_TESTS_MODEL_CONDITION_MODEL_H_
#define SEEDLOOP_TESTS_MODEL_CONDITION_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/model/waiters_model.h"

namespace seedloop::condition_model {

using model::TaskEnd;

constexpr char kNotifyError[] = "cannot notify on un-acquired lock";
constexpr char kWaitError[] = "cannot wait on un-acquired lock";

// waiter: acquire; wait(); hold until its gate opens; release.
// holder: acquire; hold until its gate opens; release.
// stray:  wait() without the lock (raises RuntimeError).
enum class Kind { kWaiter, kHolder, kStray };
// Where a task is blocked: on the Lock (first acquire, or re-acquiring in
// wait()), on the Condition, or on its gate (an Event).
enum class Phase { kStart, kAcquire, kCondWait, kReacquire, kGate };

struct Worker {
  Kind kind = Kind::kWaiter;
  Phase phase = Phase::kStart;
  bool wait_cancelled = false;       // CancelledError ended the wait for a notification
  bool reacquire_cancelled = false;  // a re-acquire in wait() was cancelled
  bool gate_open = false;
};

struct Model {
  bool locked = false;
  std::deque<int> lock_waiters;  // futures, FIFO (locks.Lock._waiters)
  std::deque<int> cond_waiters;  // futures, FIFO (locks.Condition._waiters)
  std::vector<Worker> workers;   // by task
  int holder = -1;
  std::vector<int> woke;  // tasks, in the order wait() returned
  std::vector<std::string> errors;
  model::TaskLoop loop;

  // locks.Lock
  bool lock_try() {
    if (locked || !std::all_of(lock_waiters.begin(), lock_waiters.end(), [&](int f) { return loop.cancelled(f); })) {
      return false;
    }
    locked = true;
    return true;
  }
  void lock_wake_up_first() {
    if (!lock_waiters.empty() && !loop.done(lock_waiters.front())) loop.set_result(lock_waiters.front());
  }
  // The `await fut` in acquire() ended: true if the lock was taken.
  bool lock_resumed(int fut, bool cancelled) {
    lock_waiters.erase(std::find(lock_waiters.begin(), lock_waiters.end(), fut));
    if (cancelled) {
      if (!locked) lock_wake_up_first();
      return false;
    }
    locked = true;
    return true;
  }
  void lock_release() {
    locked = false;
    lock_wake_up_first();
  }

  void notify(int64_t n) {
    if (!locked) {
      errors.push_back(kNotifyError);
      return;
    }
    int64_t idx = 0;
    for (int f : cond_waiters) {
      if (idx >= n) break;
      if (!loop.done(f)) {
        ++idx;
        loop.set_result(f);
      }
    }
  }
  void open_gate(int t) {
    Worker& w = workers[t];
    w.gate_open = true;
    if (w.phase == Phase::kGate) {
      // Event.set(): the waiter's future, unless it is done (cancelled).
      const int f = gate_fut[t];
      if (!loop.done(f)) loop.set_result(f);
    }
  }

  // The workers, from where they were blocked (`fut`, -1: the first step)
  // to their next await or their end.
  void step(int t, int fut, bool cancelled) {
    Worker& w = workers[t];
    switch (w.phase) {
      case Phase::kStart:
        if (w.kind == Kind::kStray) {  // the command made sure the lock is free
          errors.push_back(kWaitError);
          loop.finish(t, TaskEnd::kReturned);
          return;
        }
        if (lock_try()) return took_lock(t);
        lock_waiters.push_back(loop.new_future(t));
        w.phase = Phase::kAcquire;
        return;
      case Phase::kAcquire:
        if (lock_resumed(fut, cancelled)) return took_lock(t);
        loop.finish(t, TaskEnd::kCancelled);
        return;
      case Phase::kCondWait:
        cond_waiters.erase(std::find(cond_waiters.begin(), cond_waiters.end(), fut));
        w.wait_cancelled = cancelled;
        return reacquire(t);
      case Phase::kReacquire:
        if (lock_resumed(fut, cancelled)) return wait_ended(t);
        w.reacquire_cancelled = true;
        return reacquire(t);
      case Phase::kGate:
        holder = -1;
        lock_release();
        loop.finish(t, cancelled ? TaskEnd::kCancelled : TaskEnd::kReturned);
        return;
    }
  }
  void took_lock(int t) {
    holder = t;
    if (workers[t].kind == Kind::kHolder) return gate(t);
    // wait()
    holder = -1;
    lock_release();
    cond_waiters.push_back(loop.new_future(t));
    workers[t].phase = Phase::kCondWait;
  }
  void reacquire(int t) {
    if (lock_try()) return wait_ended(t);
    lock_waiters.push_back(loop.new_future(t));
    workers[t].phase = Phase::kReacquire;
  }
  void wait_ended(int t) {
    holder = t;
    if (workers[t].wait_cancelled || workers[t].reacquire_cancelled) {
      holder = -1;
      lock_release();
      loop.finish(t, TaskEnd::kCancelled);
      return;
    }
    woke.push_back(t);
    gate(t);
  }
  // Event.wait() on the task's gate, then release.
  void gate(int t) {
    if (workers[t].gate_open) {
      holder = -1;
      lock_release();
      loop.finish(t, TaskEnd::kReturned);
      return;
    }
    gate_fut[t] = loop.new_future(t);
    workers[t].phase = Phase::kGate;
  }
  std::vector<int> gate_fut;  // by task

  void spawn(Kind kind) {
    loop.spawn();
    workers.push_back(Worker{kind});
    gate_fut.push_back(-1);
  }
  void run_once() {
    loop.run_once([this](int t, int fut, bool cancelled) { step(t, fut, cancelled); });
  }
  std::string cond_repr() const {
    std::string extra = locked ? "locked" : "unlocked";
    if (!cond_waiters.empty()) absl::StrAppend(&extra, ", waiters:", cond_waiters.size());
    return absl::StrCat("<Condition [", extra, "]>");
  }
  std::string lock_repr() const {
    std::string extra = locked ? "locked" : "unlocked";
    if (!lock_waiters.empty()) absl::StrAppend(&extra, ", waiters:", lock_waiters.size());
    return absl::StrCat("<Lock [", extra, "]>");
  }
};

}  // namespace seedloop::condition_model

#endif  // SEEDLOOP_TESTS_MODEL_CONDITION_MODEL_H_
