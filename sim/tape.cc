#include "sim/tape.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace seedloop::sim {

namespace {

struct KindName {
  ChoiceKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {
    {ChoiceKind::kReadinessOrder, "readiness_order"},   {ChoiceKind::kThreadsafeArrival, "threadsafe_arrival"},
    {ChoiceKind::kExecutorDuration, "executor_duration"}, {ChoiceKind::kExecutorOrder, "executor_order"},
    {ChoiceKind::kTimerTieOrder, "timer_tie_order"},    {ChoiceKind::kCallbackCost, "callback_cost"},
    {ChoiceKind::kSetOrder, "set_order"},               {ChoiceKind::kCancelInjection, "cancel_injection"},
};

constexpr int kTapeVersion = 1;

}  // namespace

const char* choice_kind_name(ChoiceKind kind) {
  for (const KindName& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

std::optional<ChoiceKind> parse_choice_kind(std::string_view name) {
  for (const KindName& k : kKindNames) {
    if (name == k.name) return k.kind;
  }
  return std::nullopt;
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t map_to_bound(uint64_t word, uint64_t bound) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(word) * bound) >> 64);
}

Tape Tape::from_seed(uint64_t seed) {
  Tape t;
  t.seed_ = seed;
  t.rng_.emplace(seed);
  return t;
}

Tape Tape::from_seed_pct(uint64_t seed, uint32_t depth, uint64_t horizon) {
  Tape t = from_seed(seed);
  t.pct_ = true;
  for (uint32_t i = 0; i < depth; ++i) t.pct_points_.push_back(map_to_bound(t.rng_->next(), std::max<uint64_t>(1, horizon)));
  std::sort(t.pct_points_.begin(), t.pct_points_.end());
  return t;
}

Tape Tape::replay(std::vector<Choice> choices, Replay mode) {
  Tape t;
  t.recorded_ = std::move(choices);
  t.mode_ = mode;
  return t;
}

absl::StatusOr<uint64_t> Tape::choose(ChoiceKind kind, uint64_t bound) {
  if (bound == 0) {
    return absl::InvalidArgumentError(absl::StrFormat("choice %d (%s): bound must be >= 1", made_.size(),
                                                      choice_kind_name(kind)));
  }
  uint64_t value = 0;
  const size_t index = made_.size();
  if (rng_ && pct_) {
    if (std::binary_search(pct_points_.begin(), pct_points_.end(), index)) value = map_to_bound(rng_->next(), bound);
  } else if (rng_) {
    value = map_to_bound(rng_->next(), bound);
  } else if (index >= recorded_.size()) {
    if (mode_ == Replay::kStrict) {
      return absl::OutOfRangeError(absl::StrFormat("choice %d (%s, bound %d): the tape has only %d choices", index,
                                                   choice_kind_name(kind), bound, recorded_.size()));
    }
  } else {
    const Choice& r = recorded_[index];
    if (mode_ == Replay::kStrict && (r.kind != kind || r.bound != bound)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "choice %d: the program asks for %s with bound %d, the tape recorded %s with bound %d", index,
          choice_kind_name(kind), bound, choice_kind_name(r.kind), r.bound));
    }
    value = r.value % bound;
  }
  made_.push_back(Choice{kind, bound, value});
  return value;
}

std::string to_json(const Tape& tape) { return to_json(tape.choices(), tape.seed()); }

std::string to_json(const std::vector<Choice>& choices, std::optional<uint64_t> seed) {
  nlohmann::json j;
  j["version"] = kTapeVersion;
  if (seed) j["seed"] = *seed;
  nlohmann::json list = nlohmann::json::array();
  for (const Choice& c : choices) list.push_back({choice_kind_name(c.kind), c.bound, c.value});
  j["choices"] = std::move(list);
  return j.dump();
}

absl::StatusOr<Tape> tape_from_json(std::string_view text, std::string_view source) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrFormat("%s: not valid JSON", source));
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrFormat("%s: a tape is a JSON object", source));
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kTapeVersion) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: field \"version\" must be %d", source, kTapeVersion));
  }
  if (!j.contains("choices") || !j["choices"].is_array()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: field \"choices\" must be an array", source));
  }
  std::vector<Choice> choices;
  const nlohmann::json& list = j["choices"];
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& c = list[i];
    auto bad = [&](const char* what) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: choices[%d]: %s", source, i, what));
    };
    if (!c.is_array() || c.size() != 3) return bad("must be [kind, bound, value]");
    if (!c[0].is_string()) return bad("kind must be a string");
    std::optional<ChoiceKind> kind = parse_choice_kind(c[0].get<std::string>());
    if (!kind) return bad("unknown kind");
    if (!c[1].is_number_unsigned() || !c[2].is_number_unsigned()) return bad("bound and value must be unsigned integers");
    const uint64_t bound = c[1].get<uint64_t>();
    const uint64_t value = c[2].get<uint64_t>();
    if (bound == 0) return bad("bound must be >= 1");
    if (value >= bound) return bad("value must be below bound");
    choices.push_back(Choice{*kind, bound, value});
  }
  return Tape::replay(std::move(choices));
}

namespace {

// Shorter first; then smaller values, position by position.
bool simpler(const std::vector<Choice>& a, const std::vector<Choice>& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].value != b[i].value) return a[i].value < b[i].value;
  }
  return false;
}

}  // namespace

ShrinkResult shrink(std::vector<Choice> failing, const std::function<bool(const std::vector<Choice>&)>& still_fails,
                    int max_attempts) {
  ShrinkResult result{std::move(failing), 0};
  auto attempt = [&](std::vector<Choice> candidate) {
    if (result.attempts >= max_attempts || !simpler(candidate, result.choices)) return false;
    ++result.attempts;
    if (!still_fails(candidate)) return false;
    result.choices = std::move(candidate);
    return true;
  };
  bool improved = true;
  while (improved && result.attempts < max_attempts) {
    improved = false;
    // Drop runs of choices, longest runs first.
    for (size_t run = std::max<size_t>(1, result.choices.size() / 2); run >= 1; run /= 2) {
      for (size_t start = 0; start + run <= result.choices.size();) {
        std::vector<Choice> candidate = result.choices;
        candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(start),
                        candidate.begin() + static_cast<std::ptrdiff_t>(start + run));
        if (attempt(std::move(candidate))) {
          improved = true;
        } else {
          start += run;
        }
      }
      if (run == 1) break;
    }
    // Lower each value: to 0, else the least failing value by bisection.
    for (size_t i = 0; i < result.choices.size(); ++i) {
      if (result.choices[i].value == 0) continue;
      std::vector<Choice> zero = result.choices;
      zero[i].value = 0;
      if (attempt(std::move(zero))) {
        improved = true;
        continue;
      }
      uint64_t lo = 1;
      uint64_t hi = result.choices[i].value;  // fails
      while (lo < hi && result.attempts < max_attempts) {
        const uint64_t mid = lo + (hi - lo) / 2;
        std::vector<Choice> lower = result.choices;
        lower[i].value = mid;
        if (attempt(std::move(lower))) {
          hi = mid;
          improved = true;
        } else {
          lo = mid + 1;
        }
      }
    }
  }
  return result;
}

}  // namespace seedloop::sim
