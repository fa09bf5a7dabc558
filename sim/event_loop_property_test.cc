// Properties of the loop's scheduling, checked on random programs
// (rapidcheck): FIFO call_soon order, deadline order of timers, exactly-once
// execution, cancellation, and determinism on virtual time.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

// One step of a generated program.
struct Op {
  enum Kind { kCallSoon, kCallLater, kCancel } kind;
  int delay_ms;  // kCallLater: 0..5 (small, so equal deadlines are common)
  int target;    // kCancel: index into the handles made so far
};

struct Fired {
  int id;
  int64_t when_ns;  // -1 for call_soon
  bool operator==(const Fired& o) const { return id == o.id && when_ns == o.when_ns; }
};

// Runs `ops` on a fresh virtual-time loop; returns what fired, in order.
std::vector<Fired> run_program(const std::vector<Op>& ops, std::vector<bool>* cancelled) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  std::vector<Fired> fired;
  std::vector<Handle> handles;
  cancelled->clear();
  for (const Op& op : ops) {
    const int id = static_cast<int>(handles.size());
    switch (op.kind) {
      case Op::kCallSoon:
        handles.push_back(loop->call_soon([&fired, id] { fired.push_back({id, -1}); }));
        cancelled->push_back(false);
        break;
      case Op::kCallLater: {
        const int64_t when = int64_t{op.delay_ms} * 1'000'000;
        handles.push_back(loop->call_at_ns(when, [&fired, id, when] { fired.push_back({id, when}); }));
        cancelled->push_back(false);
        break;
      }
      case Op::kCancel:
        if (!handles.empty()) {
          const size_t k = static_cast<size_t>(op.target) % handles.size();
          handles[k].cancel();
          (*cancelled)[k] = true;
        }
        break;
    }
  }
  loop->call_at_ns(1'000'000'000, [&loop] { loop->stop(); });
  loop->run_forever();
  loop->close();
  return fired;
}

rc::Gen<Op> gen_op() {
  return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::element(Op::kCallSoon, Op::kCallLater, Op::kCancel)),
                            rc::gen::set(&Op::delay_ms, rc::gen::inRange(0, 6)),
                            rc::gen::set(&Op::target, rc::gen::inRange(0, 1000)));
}

RC_GTEST_PROP(EventLoopProperty, EveryLiveCallbackRunsExactlyOnceAndCancelledOnesNever, ()) {
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  std::vector<bool> cancelled;
  const std::vector<Fired> fired = run_program(ops, &cancelled);
  std::vector<int> count(cancelled.size(), 0);
  for (const Fired& f : fired) ++count[static_cast<size_t>(f.id)];
  for (size_t i = 0; i < cancelled.size(); ++i) RC_ASSERT(count[i] == (cancelled[i] ? 0 : 1));
}

RC_GTEST_PROP(EventLoopProperty, CallSoonRunsInOrderAndBeforeEveryTimer, ()) {
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  std::vector<bool> cancelled;
  const std::vector<Fired> fired = run_program(ops, &cancelled);
  // All call_soon callbacks were queued before the loop ran: they form the
  // first batch, in call order; due timers join the back of the queue.
  int last_soon = -1;
  bool seen_timer = false;
  for (const Fired& f : fired) {
    if (f.when_ns < 0) {
      RC_ASSERT(!seen_timer);
      RC_ASSERT(f.id > last_soon);
      last_soon = f.id;
    } else {
      seen_timer = true;
    }
  }
}

RC_GTEST_PROP(EventLoopProperty, TimersFireInDeadlineOrder, ()) {
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  std::vector<bool> cancelled;
  const std::vector<Fired> fired = run_program(ops, &cancelled);
  int64_t last = -1;
  for (const Fired& f : fired) {
    if (f.when_ns < 0) continue;
    RC_ASSERT(f.when_ns >= last);
    last = f.when_ns;
  }
}

RC_GTEST_PROP(EventLoopProperty, SameProgramSameOrderOnVirtualTime, ()) {
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  std::vector<bool> c1, c2;
  RC_ASSERT(run_program(ops, &c1) == run_program(ops, &c2));
}

}  // namespace
}  // namespace seedloop
