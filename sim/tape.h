// The choice tape: every nondeterministic decision of a simulation.
//
// A simulation asks the tape for each decision it makes — which ready fd
// goes first, where a threadsafe call lands, how long an executor job takes,
// how equal-deadline timers are ordered in chaos mode — as a named choice
// (kind, bound) and gets a value in [0, bound). A tape either
//   - generates: values come from a seeded PRNG (SplitMix64) mapped to the
//     range by a fixed multiply-shift; both are written here and fixed
//     forever, so a seed means the same run on every machine and version
//     (no standard-library distribution, no salted hash, no address order);
//     every choice is recorded; or
//   - replays: values come from a recorded list. A request whose kind or
//     bound differs from the record fails at that index with a message
//     naming both, never silently reinterpreted. Running past the end fails
//     too. Only a tape made for shrinking (Replay::kLenient) bends: there a
//     missing choice reads as 0, the simplest value, and a recorded value
//     is taken modulo a differing bound; the run's own choices() are then
//     the normalized tape.
// A replayed run therefore reproduces the original even if the
// seed-to-choice mapping changes later.
//
// Tapes serialize to JSON (to_json / tape_from_json):
//   {"version": 1, "seed": 42, "choices": [["timer_tie_order", 3, 1], ...]}
// Parse errors are absl::Status values naming the source and the field.
//
// Shrinking (shrink): given a failing tape and a predicate, repeatedly try
// smaller tapes — drop runs of choices, shorten, lower values — and keep
// each edit under which the failure persists.
//
// Threads: a Tape belongs to the simulation's thread.
//
// The simulated backend that consults it is sim/world.h; sim/simulation.h
// runs programs on it.

#ifndef SEEDLOOP_SIM_TAPE_H_
#define SEEDLOOP_SIM_TAPE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace seedloop::sim {

enum class ChoiceKind {
  kReadinessOrder,     // order of fds ready in one poll
  kThreadsafeArrival,  // the iteration boundary where a threadsafe call lands
  kExecutorDuration,   // virtual duration of an executor job
  kExecutorOrder,      // which finished job completes first
  kTimerTieOrder,      // order of equal-deadline timers (chaos mode only)
  kCallbackCost,       // optional virtual cost of one callback
  kSetOrder,           // order of a set CPython iterates (chaos mode only)
  kCancelInjection,    // a fault the program injects itself (World::choose_injection)
};

const char* choice_kind_name(ChoiceKind kind);
std::optional<ChoiceKind> parse_choice_kind(std::string_view name);

struct Choice {
  ChoiceKind kind;
  uint64_t bound;  // >= 1
  uint64_t value;  // < bound
  bool operator==(const Choice& other) const = default;
};

// SplitMix64 (Steele, Lea, Flood 2014): the generator, fixed forever.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();

 private:
  uint64_t state_;
};

// Maps a 64-bit word to [0, bound) by multiply-shift (the high 64 bits of
// word * bound). Fixed forever; slightly biased for huge bounds, which a
// schedule does not care about.
uint64_t map_to_bound(uint64_t word, uint64_t bound);

class Tape {
 public:
  enum class Replay { kStrict, kLenient };

  // A generating tape: every choice uniform in [0, bound).
  static Tape from_seed(uint64_t seed);
  // A generating tape for PCT-style exploration (probabilistic concurrency
  // testing, after Burckhardt et al. 2010, as shuttle and Coyote use it):
  // every choice takes its default, 0 — CPython's order, no callback cost,
  // the first of equal jobs — except at `depth` choice indices drawn
  // uniformly from [0, horizon), which take a uniform value. A bug that
  // needs d particular deviations, and no others, is found with
  // probability about (1/horizon)^d per seed instead of being drowned in
  // deviations everywhere. `horizon` is the length of a default run's tape.
  static Tape from_seed_pct(uint64_t seed, uint32_t depth, uint64_t horizon);
  // A replaying tape.
  static Tape replay(std::vector<Choice> choices, Replay mode = Replay::kStrict);

  // A value in [0, bound) for a choice of `kind`. Errors (strict replay):
  // FailedPrecondition naming the choice index on a kind or bound mismatch,
  // OutOfRange when the recorded choices ran out. InvalidArgument for a
  // bound of 0, in every mode.
  absl::StatusOr<uint64_t> choose(ChoiceKind kind, uint64_t bound);

  // Every choice made so far, in order (what to_json writes).
  const std::vector<Choice>& choices() const { return made_; }
  std::optional<uint64_t> seed() const { return seed_; }
  // Recorded choices a strict replay has not reached (0 otherwise): a tape
  // longer than the run does not fit the program either.
  size_t unused() const {
    return !rng_ && mode_ == Replay::kStrict && recorded_.size() > made_.size() ? recorded_.size() - made_.size() : 0;
  }
  // The choices a replaying tape follows (empty for a generating one).
  const std::vector<Choice>& recorded() const { return recorded_; }
  bool replaying() const { return !rng_.has_value(); }

 private:
  Tape() = default;
  std::optional<uint64_t> seed_;
  std::optional<SplitMix64> rng_;
  bool pct_ = false;
  std::vector<uint64_t> pct_points_;  // sorted choice indices that deviate
  std::vector<Choice> recorded_;
  Replay mode_ = Replay::kStrict;
  std::vector<Choice> made_;
};

// {"version": 1, ["seed": N,] "choices": [[kind, bound, value], ...]}
std::string to_json(const Tape& tape);
std::string to_json(const std::vector<Choice>& choices, std::optional<uint64_t> seed = std::nullopt);
// Parses a tape written by to_json into a replaying tape. `source` names the
// input (a file name) in error messages.
absl::StatusOr<Tape> tape_from_json(std::string_view text, std::string_view source);

struct ShrinkResult {
  std::vector<Choice> choices;
  int attempts = 0;  // predicate calls
};

// Shrinks `failing` (for which `still_fails` is true) to a tape that still
// fails, trying at most `max_attempts` candidates. Candidates, in order:
// drop runs of choices (halving run length; a run at the end shortens the
// tape), then lower each value (to 0, else bisect to the least failing
// value). A candidate that is shorter, or equal in length with
// lexicographically smaller values, replaces the current tape when it still
// fails. The caller replays candidates with Replay::kLenient.
ShrinkResult shrink(std::vector<Choice> failing, const std::function<bool(const std::vector<Choice>&)>& still_fails,
                    int max_attempts = 10000);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_TAPE_H_
