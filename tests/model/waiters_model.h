// Shared pieces of the model tests of primitives whose waiters can be
// cancelled.
//
// run_and_check and CancelWaiter (lock_model_test, queue_model_test), which
// compare at rest: a Model has `std::deque<int> waiting` (task ids, FIFO)
// and `std::vector<int> cancelled`; a Sut has `std::vector<Task<void>>
// tasks` and `settle()` (runs the loop until nothing moves).
//
// TaskLoop, act_and_check and the RunOnce, Settle and CancelTask commands
// (semaphore_model_test, condition_model_test, event_model_test), which
// compare after every command, between loop iterations too: see below.
//
// Either way the test defines `check_agree(const Model&, const Sut&)`, found
// by argument-dependent lookup.

#ifndef SEEDLOOP_TESTS_MODEL_WAITERS_MODEL_H_
#define SEEDLOOP_TESTS_MODEL_WAITERS_MODEL_H_

#include <cstddef>
#include <deque>
#include <ostream>
#include <vector>

#include "rapidcheck.h"
#include "rapidcheck/state.h"

namespace seedloop::model {

// Runs `act` on the system, settles it, and compares it with the model after
// the command's `apply`.
template <typename Cmd, typename Model, typename Sut, typename Act>
void run_and_check(const Cmd& cmd, const Model& m, Sut& s, Act act) {
  act();
  s.settle();
  Model next = m;
  cmd.apply(next);
  check_agree(next, s);
}

// Cancels the task of one waiter, chosen among those waiting.
template <typename Model, typename Sut>
struct CancelWaiter : rc::state::Command<Model, Sut> {
  size_t index;
  explicit CancelWaiter(const Model& m) {
    RC_PRE(!m.waiting.empty());
    index = *rc::gen::inRange<size_t>(0, m.waiting.size());
  }
  // Shrinking removes commands before this one: the waiter must still wait.
  void checkPreconditions(const Model& m) const override { RC_PRE(index < m.waiting.size()); }
  void apply(Model& m) const override {
    m.cancelled.push_back(m.waiting[index]);
    m.waiting.erase(m.waiting.begin() + static_cast<long>(index));
  }
  void run(const Model& m, Sut& s) const override {
    run_and_check(*this, m, s, [&] { s.tasks[m.waiting[index]].cancel(); });
  }
  void show(std::ostream& os) const override { os << "cancel waiter #" << index; }
};

// ---- Tasks, futures and the ready queue, one iteration at a time ----------
//
// For the models that compare after every loop iteration, not only at rest
// (semaphore_model_test, condition_model_test, event_model_test): a plain
// model of what CPython 3.11's Task, Future and BaseEventLoop._run_once do
// for tasks that await one future at a time, each future awaited by one
// task (tasks.Task.__step/__wakeup/cancel, futures.Future):
//   - a new task's first step is queued with call_soon;
//   - set_result / cancel of a pending future queue its task's wake-up;
//   - Task.cancel() of a done task returns False; of a task blocked on a
//     pending future, cancels that future (which queues the wake-up);
//     otherwise (not started yet, or its future already done and its
//     wake-up queued) sets _must_cancel, so the step throws CancelledError;
//   - an iteration runs the steps queued before it, in FIFO order; what they
//     queue runs in the next iteration.
// The test's `step(task, fut, cancelled)` runs the task's coroutine from the
// future `fut` it was blocked on (-1: its first step) to its next await or
// its end; `cancelled`: CancelledError is thrown in at that await. A task
// cancelled before its first step never runs its body (this class ends it).

enum class FutState { kPending, kResult, kCancelled };
enum class TaskEnd { kRunning, kReturned, kCancelled };

class TaskLoop {
 public:
  // Task(coro): returns the task's id, 0, 1, ... in creation order.
  int spawn() {
    tasks_.push_back(TaskModel{});
    const int id = static_cast<int>(tasks_.size()) - 1;
    ready_.push_back(id);
    return id;
  }
  // loop.create_future() that task `task` awaits next.
  int new_future(int task) {
    futs_.push_back(FutState::kPending);
    fut_task_.push_back(task);
    const int f = static_cast<int>(futs_.size()) - 1;
    tasks_[task].blocked_on = f;
    return f;
  }
  bool done(int f) const { return futs_[f] != FutState::kPending; }
  // The task that awaits future `f`.
  int task_of(int f) const { return fut_task_[f]; }
  bool cancelled(int f) const { return futs_[f] == FutState::kCancelled; }
  // fut.set_result(...) of a pending future (the callers check done()).
  void set_result(int f) {
    futs_[f] = FutState::kResult;
    ready_.push_back(fut_task_[f]);
  }
  // task.cancel(): its return value.
  bool cancel(int task) {
    TaskModel& t = tasks_[task];
    if (t.end != TaskEnd::kRunning) return false;
    if (t.blocked_on >= 0 && futs_[t.blocked_on] == FutState::kPending) {
      futs_[t.blocked_on] = FutState::kCancelled;
      ready_.push_back(task);
      return true;
    }
    t.must_cancel = true;
    return true;
  }
  // The coroutine of `task` returned (kReturned) or raised CancelledError.
  void finish(int task, TaskEnd end) { tasks_[task].end = end; }

  // One iteration of the loop.
  template <typename Step>
  void run_once(Step&& step) {
    for (size_t n = ready_.size(); n > 0; --n) {
      const int id = ready_.front();
      ready_.pop_front();
      TaskModel& t = tasks_[id];
      const int f = t.blocked_on;
      const bool cancelled = t.must_cancel || (f >= 0 && futs_[f] == FutState::kCancelled);
      t.must_cancel = false;
      t.blocked_on = -1;
      if (!t.started && cancelled) {
        t.end = TaskEnd::kCancelled;
        continue;
      }
      t.started = true;
      step(id, f, cancelled);
    }
  }

  int size() const { return static_cast<int>(tasks_.size()); }
  TaskEnd end(int task) const { return tasks_[task].end; }
  bool live(int task) const { return tasks_[task].end == TaskEnd::kRunning; }
  // Nothing queued: the loop is at rest.
  bool idle() const { return ready_.empty(); }

 private:
  struct TaskModel {
    bool started = false;
    bool must_cancel = false;
    int blocked_on = -1;
    TaskEnd end = TaskEnd::kRunning;
  };
  std::vector<FutState> futs_;
  std::vector<int> fut_task_;
  std::vector<TaskModel> tasks_;
  std::deque<int> ready_;
};

// Iterations a Settle command runs, in the model and in the system alike.
inline constexpr int kSettleIterations = 16;

// Runs `act` on the system (no loop iteration unless `act` runs one) and
// compares it with the model after the command's `apply`.
template <typename Cmd, typename Model, typename Sut, typename Act>
void act_and_check(const Cmd& cmd, const Model& m, Sut& s, Act act) {
  act();
  Model next = m;
  cmd.apply(next);
  check_agree(next, s);
}

// Every task ended as its model did (done, cancelled, or still running).
template <typename TaskT>
void check_tasks(const TaskLoop& loop, const std::vector<TaskT>& tasks) {
  RC_ASSERT(static_cast<int>(tasks.size()) == loop.size());
  for (int i = 0; i < loop.size(); ++i) {
    RC_ASSERT(tasks[i].done() == !loop.live(i));
    RC_ASSERT(tasks[i].cancelled() == (loop.end(i) == TaskEnd::kCancelled));
  }
}

// The commands shared by those models. The Model has `TaskLoop loop` and
// `run_once()` (one iteration of its loop, with its step function); the Sut
// has `std::vector<Task<...>> tasks`, `iterate()` (stop() then
// run_forever(): one iteration) and `settle()` (kSettleIterations of them).

// One loop iteration.
template <typename Model, typename Sut>
struct RunOnce : rc::state::Command<Model, Sut> {
  void apply(Model& m) const override { m.run_once(); }
  void run(const Model& m, Sut& s) const override {
    act_and_check(*this, m, s, [&] { s.iterate(); });
  }
  void show(std::ostream& os) const override { os << "run one iteration"; }
};

// Iterations until nothing moves (kSettleIterations).
template <typename Model, typename Sut>
struct Settle : rc::state::Command<Model, Sut> {
  void apply(Model& m) const override {
    for (int i = 0; i < kSettleIterations; ++i) m.run_once();
  }
  void run(const Model& m, Sut& s) const override {
    act_and_check(*this, m, s, [&] { s.settle(); });
  }
  void show(std::ostream& os) const override { os << "settle"; }
};

// task.cancel() of a task not done yet (not started, blocked, or woken and
// not run yet), from outside the loop; its return value must agree too. The
// task is the index-th of those still running, oldest first (an index, not
// a task id, so that shrinking can drop earlier spawns).
template <typename Model, typename Sut>
struct CancelTask : rc::state::Command<Model, Sut> {
  size_t index = 0;
  explicit CancelTask(const Model& m) {
    const size_t n = live(m).size();
    RC_PRE(n > 0u);
    index = *rc::gen::inRange<size_t>(0, n);
  }
  static std::vector<int> live(const Model& m) {
    std::vector<int> ids;
    for (int i = 0; i < m.loop.size(); ++i) {
      if (m.loop.live(i)) ids.push_back(i);
    }
    return ids;
  }
  void checkPreconditions(const Model& m) const override { RC_PRE(index < live(m).size()); }
  void apply(Model& m) const override { m.loop.cancel(live(m)[index]); }
  void run(const Model& m, Sut& s) const override {
    act_and_check(*this, m, s, [&] { RC_ASSERT(s.tasks[live(m)[index]].cancel()); });
  }
  void show(std::ostream& os) const override { os << "cancel running task #" << index; }
};

}  // namespace seedloop::model

#endif  // SEEDLOOP_TESTS_MODEL_WAITERS_MODEL_H_
