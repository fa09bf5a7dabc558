#include "tests/programs/program_gen.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace seedloop::programs {

namespace {

namespace gen = rc::gen;

// A step's numbers: small, so that objects, tasks and delays repeat.
rc::Gen<uint8_t> small() { return gen::inRange<uint8_t>(0, 12); }

rc::Gen<Step> leaf(Op op) {
  return gen::build<Step>(gen::set(&Step::op, gen::just(op)), gen::set(&Step::a, small()),
                          gen::set(&Step::b, small()));
}

rc::Gen<std::vector<Step>> gen_body(int depth);

rc::Gen<Step> block(Op op, int depth) {
  return gen::build<Step>(gen::set(&Step::op, gen::just(op)), gen::set(&Step::a, small()),
                          gen::set(&Step::b, small()), gen::set(&Step::body, gen_body(depth - 1)));
}

// Earlier alternatives are simpler: rapidcheck shrinks toward them. The two
// lists repeat the leaves because weightedOneOf takes only an
// initializer_list in Debian's rapidcheck, not a vector.
rc::Gen<Step> gen_step(int depth) {
  if (depth <= 0) {
    return gen::weightedOneOf<Step>({{3, leaf(Op::kSleep)},
                                     {1, leaf(Op::kLog)},
                                     {4, leaf(Op::kCancel)},
                                     {1, leaf(Op::kCallSoon)},
                                     {1, leaf(Op::kRaise)},
                                     {3, leaf(Op::kGet)},
                                     {2, leaf(Op::kWaitEvent)},
                                     {1, leaf(Op::kTimer)},
                                     {2, leaf(Op::kAwaitTask)},
                                     {1, leaf(Op::kAwaitWorker)},
                                     {1, leaf(Op::kWaitFor)},
                                     {1, leaf(Op::kGather)},
                                     {1, leaf(Op::kCreateTask)},
                                     {2, leaf(Op::kSpawn)}});
  }
  return gen::weightedOneOf<Step>({{3, leaf(Op::kSleep)},
                                   {1, leaf(Op::kLog)},
                                   {4, leaf(Op::kCancel)},
                                   {1, leaf(Op::kCallSoon)},
                                   {1, leaf(Op::kRaise)},
                                   {3, leaf(Op::kGet)},
                                   {2, leaf(Op::kWaitEvent)},
                                   {1, leaf(Op::kTimer)},
                                   {2, leaf(Op::kAwaitTask)},
                                   {1, leaf(Op::kAwaitWorker)},
                                   {1, leaf(Op::kWaitFor)},
                                   {1, leaf(Op::kGather)},
                                   {1, leaf(Op::kCreateTask)},
                                   {2, leaf(Op::kSpawn)},
                                   {6, block(Op::kWith, depth)},
                                   {2, block(Op::kTimeout, depth)},
                                   {2, block(Op::kTry, depth)},
                                   {1, block(Op::kTaskGroup, depth)}});
}

// At most n elements, fewer at small sizes; the elements keep the size.
template <typename T>
rc::Gen<std::vector<T>> bounded(int n, rc::Gen<T> element) {
  return gen::withSize([n, element](int size) {
    return gen::resize(std::max(1, size * n / 100), gen::container<std::vector<T>>(gen::resize(size, element)));
  });
}

rc::Gen<std::vector<Step>> gen_body(int depth) { return bounded(kMaxBodySteps, gen_step(depth)); }

}  // namespace

rc::Gen<Program> gen_program() {
  return gen::build<Program>(
      gen::set(&Program::resources, bounded(kMaxResources, gen::inRange<uint8_t>(0, 3))),
      gen::set(&Program::queues, gen::inRange<uint8_t>(0, kMaxQueues + 1)),
      gen::set(&Program::events, gen::inRange<uint8_t>(0, kMaxEvents + 1)),
      gen::set(&Program::tasks, bounded(kMaxTasks, gen_body(kMaxDepth))),
      gen::set(&Program::workers, bounded(kMaxWorkers, gen_body(kMaxDepth - 1))),
      gen::set(&Program::main, gen_body(kMaxDepth)),
      gen::set(&Program::feed, bounded(4, gen::inRange<uint8_t>(0, 5))));
}

void showValue(const Program& program, std::ostream& os) {
  os << count_steps(program) << " steps:\n" << render(program).doc.dump(2);
}

}  // namespace seedloop::programs
