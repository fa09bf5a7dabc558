// Shared pieces of the model tests of primitives whose waiters can be
// cancelled (lock_model_test, queue_model_test).
//
// A Model has `std::deque<int> waiting` (task ids, FIFO) and
// `std::vector<int> cancelled`; a Sut has `std::vector<Task<void>> tasks` and
// `settle()` (runs the loop until nothing moves); the test defines
// `check_agree(const Model&, const Sut&)`, found by argument-dependent lookup.

#ifndef SEEDLOOP_TESTS_MODEL_WAITERS_MODEL_H_
#define SEEDLOOP_TESTS_MODEL_WAITERS_MODEL_H_

#include <cstddef>
#include <ostream>

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

}  // namespace seedloop::model

#endif  // SEEDLOOP_TESTS_MODEL_WAITERS_MODEL_H_
