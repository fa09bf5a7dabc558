// rapidcheck properties of simulated programs: the workload and the
// schedule are generated together, and shrink together.
//
//   TEST(RcQueue, DeliversEveryItemExactlyOnce) {
//     const std::vector<sim::RcParam> params = {
//         {"producers", rc::gen::inRange<int64_t>(1, 5)},
//         {"items", rc::gen::inRange<int64_t>(0, 7)},
//     };
//     sim::rc_gtest_check(params, [](const sim::RcCase& c) {
//       const int producers = static_cast<int>(c.param("producers"));
//       const int items = static_cast<int>(c.param("items"));
//       std::vector<int> got;
//       sim::Outcome out = c.run(options, [=, &got] { return queue_program(producers, items, &got); });
//       c.require(out.ok() && delivered_once(got), out, "every item is delivered once");
//     });
//   }
//
// On failure the gtest fails with rapidcheck's report plus lines like:
//   every item is delivered once does not hold (the run: ok)
//     workload: producers=2 items=3
//     schedule: 41 choices, written to /tmp/seedloop-tapes/RcQueue_DeliversEveryItemExactlyOnce-replay.json
//     replay this case: bazel test //pkg:test --test_filter=RcQueue.DeliversEveryItemExactlyOnce
//         --test_env=SEEDLOOP_REPLAY=/tmp/seedloop-tapes/RcQueue_DeliversEveryItemExactlyOnce-replay.json
//     rapidcheck seed 123: RC_PARAMS="seed=123" reruns this search (bazel: --test_env=RC_PARAMS=seed=123)
//   rapidcheck: rerun the search with RC_PARAMS="seed=123"; rerun only this minimal case with
//   RC_PARAMS="reproduce=..."
// (No simulator seed: the tape came from rapidcheck, so the file is named
// "-replay".)
//
// A case draws its workload parameters (declared up front, read with
// c.param) and a tape (gen_tape) as ONE rapidcheck value, and runs the
// program on the tape replayed leniently (Tape::Replay::kLenient,
// sim/tape.h: the recorded kind and bound are ignored, a value is taken
// modulo the real bound, and a missing choice reads 0), so every candidate
// is a valid schedule. One value, because rapidcheck shrinks separate picks
// (`*gen` twice) in draw order and freezes a pick once a later one shrinks
// (gen/detail/Recipe: numFixed), so a parameter drawn before the tape could
// not shrink any more once the tape had; a tuple shrinks each part in turn
// until none shrinks (gen::tuple). The tape shrinks by dropping chunks and
// lowering values toward 0; the parameters as their generators shrink.
//
// When c.require fails, the case's own normalized tape (Outcome::choices:
// real kinds and bounds, exactly the choices the run read) is written with
// sim::save_failure together with the workload (an extra "workload" field
// in the tape file, which tape_from_json ignores), and the rapidcheck
// failure message names:
//   - the tape file and the one-line replay command
//       bazel test <target> --test_filter=<Suite.Test> --test_env=SEEDLOOP_REPLAY=<file>
//     under which rc_check_simulation skips rapidcheck and runs the body
//     once, with the saved parameters and the saved tape replayed strictly;
//   - the rapidcheck seed: RC_PARAMS="seed=<n>" (bazel:
//     --test_env=RC_PARAMS=seed=<n>) reruns the same search and shrink; and,
//     once the check is over, RC_PARAMS="reproduce=<...>" (in RcCheckResult,
//     and printed by rapidcheck at exit), which skips the search and walks
//     the recorded shrink path straight to the minimal case.
//
// Which file wins: rapidcheck evaluates the property many times while it
// shrinks, and each failing evaluation rewrites the same file (named after
// the test). That leaves the minimal case's tape: rapidcheck's shrink loop
// (src/detail/Testing.cpp, shrinkTestCase) accepts every failing candidate
// as the new best, so the last failing evaluation of the loop is the best
// one; and doTestProperty then evaluates that best case once more ("...and
// here we actually run it", after rc::beforeMinimalTestCase()). With
// noshrink=1 the final evaluation is the original failing case, and under
// reproduce= rapidcheck evaluates the failing cases along the recorded
// shrink path, in order, ending with the minimal one. (Taking a case's
// shrinks also re-evaluates that case, which rewrites the same file.)
// rc_test checks that the file holds the last evaluation's tape.
//
// The body may run several simulations; they share the case's one tape.
// Everything it generates must come from the declared parameters (a bare
// `*gen` in the body would not be saved, and throws outside rapidcheck).
//
// gen_tape and rc_run are the parts, for a plain RC_GTEST_PROP; draw the
// tape and the other values in one pick there too (rc::gen::tuple).
//
// Threads: a check runs on the calling thread; RcCase is not thread-safe.

#ifndef SEEDLOOP_SIM_RC_H_
#define SEEDLOOP_SIM_RC_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "rapidcheck.h"
#include "sim/explore.h"
#include "sim/simulation.h"
#include "sim/tape.h"

namespace seedloop::sim {

// The bound of a generated choice: any. Lenient replay uses the program's
// real bound (value % bound); the run's normalized tape records it.
inline constexpr uint64_t kAnyBound = std::numeric_limits<uint64_t>::max();

// Tapes of at most `max_len` choices (the length grows with rapidcheck's
// size; at size 0 the tape is empty, i.e. all zeros). Values are small: in
// [0, 4) three times in four, else in [0, 64), and smaller still at small
// sizes — the simulator's bounds are small (callback cost 4, executor steps
// 10, threadsafe delay 3, ties among a few timers), and [0, 4) covers every
// 2- and 4-way decision uniformly. A program that makes more choices than
// the tape holds reads 0 (the first option) for the rest.
rc::Gen<std::vector<Choice>> gen_tape(size_t max_len = 256);

// Runs `program` on `tape` replayed leniently (options.replay and
// replay_mode are overwritten). The outcome's choices are the normalized
// tape, which replays strictly to the same run.
Outcome rc_run(SimulationOptions options, const Program& program, const std::vector<Choice>& tape);

// What a case generated besides the tape: named integers, in declaration
// order.
using Workload = std::vector<std::pair<std::string, int64_t>>;

// "producers=2 items=5".
std::string describe_workload(const Workload& workload);

// rapidcheck prints a generated choice as its value, a normalized one as
// kind:value/bound.
void showValue(const Choice& choice, std::ostream& os);

// A workload parameter: its name (in messages and tape files) and its
// generator.
struct RcParam {
  std::string name;
  rc::Gen<int64_t> gen;
};

namespace rc_internal {
struct CheckState;
}  // namespace rc_internal

// One evaluation of a property: generated (inside rapidcheck) or replayed
// (SEEDLOOP_REPLAY). Made by rc_check_simulation; not copyable.
class RcCase {
 public:
  RcCase(const RcCase&) = delete;
  RcCase& operator=(const RcCase&) = delete;

  // The value of the declared parameter `name` in this case. An undeclared
  // name fails the case.
  int64_t param(const std::string& name) const;

  // Runs `program` on this case's tape: the generated one leniently, or the
  // saved one strictly.
  Outcome run(const SimulationOptions& options, const Program& program) const;

  // Fails the case unless `holds`. Generated: saves `outcome.choices` and the
  // workload (see the header comment) and fails the rapidcheck case with a
  // message naming `what`, the outcome, the workload, the file, the replay
  // command and the rapidcheck seed. Replayed: ends the replay as a failure.
  void require(bool holds, const Outcome& outcome, const std::string& what) const;

  bool replaying() const;
  const Workload& workload() const { return workload_; }
  const std::vector<Choice>& tape() const { return tape_; }

 private:
  friend struct rc_internal::CheckState;
  RcCase(rc_internal::CheckState* state, Workload workload, std::vector<Choice> tape)
      : state_(state), workload_(std::move(workload)), tape_(std::move(tape)) {}

  rc_internal::CheckState* state_;
  Workload workload_;
  std::vector<Choice> tape_;
};

struct RcCheckOptions {
  // rapidcheck's parameters (seed, max_success, ...); unset: the suite's
  // configuration (RC_PARAMS, else a random seed). Set, they make the check
  // self-contained: RC_PARAMS (its reproduce= too) does not apply.
  std::optional<rc::detail::TestParams> params;
  // kGlobal reports through rapidcheck's global listener (the "reproduce"
  // line at exit); kSilent reports nothing, for checks expected to fail.
  enum class Listener { kGlobal, kSilent };
  Listener listener = Listener::kGlobal;
  // kHonour: with SEEDLOOP_REPLAY set, replay that case instead of checking.
  enum class Replay { kHonour, kIgnore };
  Replay replay = Replay::kHonour;
  // Tape files and --test_filter use this name; default: the running
  // gtest's "Suite.Test" (required outside a gtest).
  std::string test_name;
  size_t max_tape_len = 256;
};

struct RcCheckResult {
  bool ok = true;
  bool replayed = false;              // ran the SEEDLOOP_REPLAY case, not rapidcheck
  std::string message;                // why it failed: rapidcheck's report, or the replay's
  uint64_t rc_seed = 0;               // the seed rapidcheck searched with
  std::string reproduce;              // "reproduce=..." for RC_PARAMS: reruns just the minimal case, no search
  std::optional<SavedFailure> saved;  // the minimal case's tape file and replay command
  Workload workload;                  // the minimal (or replayed) case's parameters
};

// Checks `body` as a rapidcheck property over `params` and a tape (or
// replays one saved case of it).
RcCheckResult rc_check_simulation(const std::vector<RcParam>& params, const std::function<void(const RcCase&)>& body,
                                  const RcCheckOptions& options = {});

// rc_check_simulation inside a gtest: a failure is a test failure carrying
// the message.
void rc_gtest_check(const std::vector<RcParam>& params, const std::function<void(const RcCase&)>& body,
                    const RcCheckOptions& options = {});

// The workload saved in a tape file by RcCase::require ("workload" field;
// empty when the file has none).
absl::StatusOr<Workload> workload_from_file(const std::string& path);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_RC_H_
