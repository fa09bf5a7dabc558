// gen_program(): a rapidcheck generator of random async programs
// (program.h), bounded so that one runs in milliseconds.
//
//   RC_GTEST_PROP(RandomPrograms, X, ()) {
//     const Program p = *gen_program();
//     const Rendered r = render(p);   // a valid scenario document
//   }
//
// Bounds: at most 4 tasks, 3 workers, 3 locks/semaphores, 2 queues, 2
// events; a body holds at most 6 steps and blocks nest at most 3 deep;
// delays are 0..2 s in steps of 0.5 s, so deadlines tie often (what chaos
// mode permutes). Everything shrinks: bodies lose steps, steps become
// earlier ops (sleep, log) and smaller numbers, objects and tasks go.
//
// Threads: rapidcheck generators, used on the property's thread.

#ifndef SEEDLOOP_TESTS_PROGRAMS_PROGRAM_GEN_H_
#define SEEDLOOP_TESTS_PROGRAMS_PROGRAM_GEN_H_

#include <ostream>

#include "rapidcheck.h"
#include "tests/programs/program.h"

namespace seedloop::programs {

inline constexpr int kMaxTasks = 4;
inline constexpr int kMaxWorkers = 3;
inline constexpr int kMaxResources = 3;
inline constexpr int kMaxQueues = 2;
inline constexpr int kMaxEvents = 2;
inline constexpr int kMaxBodySteps = 6;
inline constexpr int kMaxDepth = 3;

rc::Gen<Program> gen_program();

// rapidcheck prints a Program as its rendered scenario.
void showValue(const Program& program, std::ostream& os);

}  // namespace seedloop::programs

#endif  // SEEDLOOP_TESTS_PROGRAMS_PROGRAM_GEN_H_
