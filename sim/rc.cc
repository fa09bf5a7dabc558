#include "sim/rc.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "rapidcheck/detail/TestListenerAdapter.h"

// Two functions of Debian's librapidcheck (0~1033-08b5058) that its
// installed headers do not declare.
namespace rc::detail {
// Defined in librapidcheck (upstream src/detail/StringSerialization.h, not
// installed): the value of RC_PARAMS's reproduce= key, as rapidcheck's
// ReproduceListener prints it at exit.
std::string reproduceMapToString(const std::unordered_map<std::string, Reproduce>& reproduceMap);
// Also defined there (src/detail/DefaultTestListener.h): the listener
// rapidcheck's own checks report to, which prints the reproduce line at exit.
TestListener& globalTestListener();
}  // namespace rc::detail

namespace seedloop::sim {

namespace rc_internal {

// What one check shares with its cases.
struct CheckState {
  std::string test_name;  // for tape files and --test_filter
  uint64_t rc_seed = 0;
  bool replaying = false;
  // Written by every failing generated case; the last one is the minimal
  // case (rc.h, "Which file wins").
  std::optional<SavedFailure> saved;
  Workload saved_workload;

  RcCase make_case(Workload workload, std::vector<Choice> tape) {
    return RcCase(this, std::move(workload), std::move(tape));
  }
};

}  // namespace rc_internal

namespace {

// Ends a replayed case as a failure. Not an std::exception: program code
// that catches those does not swallow it.
struct ReplayFailed {
  std::string message;
};

absl::StatusOr<nlohmann::json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrFormat("%s: cannot open the tape file", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: not a tape (a JSON object)", path));
  }
  return j;
}

// Adds the "workload" field to a tape file written by save_failure.
absl::Status add_workload(const std::string& path, const Workload& workload) {
  absl::StatusOr<nlohmann::json> j = read_json(path);
  if (!j.ok()) return j.status();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, value] : workload) list.push_back({name, value});
  (*j)["workload"] = std::move(list);
  std::ofstream out(path, std::ios::trunc);
  out << j->dump() << "\n";
  if (!out) return absl::InternalError(absl::StrFormat("cannot write tape file %s", path));
  return absl::OkStatus();
}

std::string current_gtest_name(char separator) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "";
  return absl::StrCat(info->test_suite_name(), std::string(1, separator), info->name());
}

// One generated case: the workload and the tape, drawn as one value.
struct RcDraw {
  Workload workload;
  std::vector<Choice> tape;
};

void showValue(const RcDraw& draw, std::ostream& os) {
  os << describe_workload(draw.workload) << "; tape ";
  rc::show(draw.tape, os);
}

// The parameters and the tape as one rapidcheck value: nested tuples, which
// shrink component by component until no component shrinks.
rc::Gen<RcDraw> gen_case(const std::vector<RcParam>& params, size_t max_tape_len) {
  rc::Gen<std::vector<int64_t>> values = rc::gen::just(std::vector<int64_t>());
  std::vector<std::string> names;
  for (const RcParam& p : params) {
    names.push_back(p.name);
    values = rc::gen::map(rc::gen::tuple(values, p.gen), [](std::tuple<std::vector<int64_t>, int64_t> t) {
      std::vector<int64_t> v = std::move(std::get<0>(t));
      v.push_back(std::get<1>(t));
      return v;
    });
  }
  return rc::gen::map(rc::gen::tuple(values, gen_tape(max_tape_len)),
                      [names](std::tuple<std::vector<int64_t>, std::vector<Choice>> t) {
                        RcDraw draw;
                        for (size_t i = 0; i < names.size(); ++i)
                          draw.workload.emplace_back(names[i], std::get<0>(t)[i]);
                        draw.tape = std::move(std::get<1>(t));
                        return draw;
                      });
}

// The declared parameters' saved values, in declaration order.
absl::StatusOr<Workload> saved_parameters(const std::vector<RcParam>& params, const std::string& path) {
  absl::StatusOr<Workload> saved = workload_from_file(path);
  if (!saved.ok()) return saved.status();
  Workload workload;
  for (const RcParam& p : params) {
    auto it = std::find_if(saved->begin(), saved->end(), [&](const auto& s) { return s.first == p.name; });
    if (it == saved->end()) {
      return absl::NotFoundError(absl::StrFormat("%s: the tape file saves no workload parameter \"%s\" (it has: %s)",
                                                 path, p.name, describe_workload(*saved)));
    }
    workload.push_back(*it);
  }
  return workload;
}

RcCheckResult replay_case(rc_internal::CheckState& state, const std::vector<RcParam>& params,
                          const std::function<void(const RcCase&)>& body, std::vector<Choice> tape) {
  RcCheckResult result;
  result.replayed = true;
  result.rc_seed = state.rc_seed;
  const char* path = std::getenv("SEEDLOOP_REPLAY");
  absl::StatusOr<Workload> workload = saved_parameters(params, path == nullptr ? "" : path);
  if (!workload.ok()) {
    result.ok = false;
    result.message = std::string(workload.status().ToString());
    return result;
  }
  state.replaying = true;
  result.workload = *workload;
  const RcCase c = state.make_case(*workload, std::move(tape));
  try {
    body(c);
  } catch (const ReplayFailed& failed) {
    result.ok = false;
    result.message = failed.message;
  } catch (const rc::detail::CaseResult& r) {  // an RC_ASSERT in the body
    if (r.type == rc::detail::CaseResult::Type::Failure) {
      result.ok = false;
      result.message = r.description;
    }
  }
  return result;
}

}  // namespace

rc::Gen<std::vector<Choice>> gen_tape(size_t max_len) {
  rc::Gen<uint64_t> value = rc::gen::weightedOneOf<uint64_t>({
      {3, rc::gen::inRange<uint64_t>(0, 4)},
      {1, rc::gen::inRange<uint64_t>(0, 64)},
  });
  rc::Gen<Choice> choice = rc::gen::map(value, [](uint64_t v) {
    return Choice{ChoiceKind::kReadinessOrder, kAnyBound, v};
  });
  // Container lengths grow with size up to rapidcheck's nominal 100; scale
  // so that the largest size reaches max_len.
  const double scale = static_cast<double>(max_len) / 100.0;
  return rc::gen::map(rc::gen::scale(scale, rc::gen::container<std::vector<Choice>>(choice)),
                      [max_len](std::vector<Choice> tape) {
                        if (tape.size() > max_len) tape.resize(max_len);
                        return tape;
                      });
}

Outcome rc_run(SimulationOptions options, const Program& program, const std::vector<Choice>& tape) {
  options.replay = tape;
  options.replay_mode = Tape::Replay::kLenient;
  return Simulation(options).run(program);
}

std::string describe_workload(const Workload& workload) {
  if (workload.empty()) return "(no parameters)";
  return absl::StrJoin(workload, " ", [](std::string* out, const std::pair<std::string, int64_t>& p) {
    absl::StrAppend(out, p.first, "=", p.second);
  });
}

void showValue(const Choice& choice, std::ostream& os) {
  if (choice.bound == kAnyBound) {
    os << choice.value;
  } else {
    os << choice_kind_name(choice.kind) << ":" << choice.value << "/" << choice.bound;
  }
}

absl::StatusOr<Workload> workload_from_file(const std::string& path) {
  absl::StatusOr<nlohmann::json> j = read_json(path);
  if (!j.ok()) return j.status();
  Workload workload;
  if (!j->contains("workload")) return workload;  // a tape saved by a sweep
  const nlohmann::json& list = (*j)["workload"];
  if (!list.is_array()) return absl::InvalidArgumentError(absl::StrFormat("%s: \"workload\" must be an array", path));
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& p = list[i];
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_number_integer()) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: workload[%d] must be [name, integer]", path, i));
    }
    workload.emplace_back(p[0].get<std::string>(), p[1].get<int64_t>());
  }
  return workload;
}

// ---- RcCase ----

bool RcCase::replaying() const { return state_->replaying; }

int64_t RcCase::param(const std::string& name) const {
  auto it = std::find_if(workload_.begin(), workload_.end(), [&](const auto& p) { return p.first == name; });
  if (it != workload_.end()) return it->second;
  const std::string message =
      absl::StrFormat("param(\"%s\"): not a declared parameter (declared: %s)", name, describe_workload(workload_));
  if (state_->replaying) throw ReplayFailed{message};
  RC_FAIL(message);
}

Outcome RcCase::run(const SimulationOptions& options, const Program& program) const {
  if (!state_->replaying) return rc_run(options, program, tape_);
  SimulationOptions strict = options;
  strict.replay = tape_;
  strict.replay_mode = Tape::Replay::kStrict;
  return Simulation(strict).run(program);
}

void RcCase::require(bool holds, const Outcome& outcome, const std::string& what) const {
  if (holds) return;
  std::string message = absl::StrFormat("%s does not hold (the run: %s)\n  workload: %s\n  schedule: %d choices", what,
                                        outcome.describe(), describe_workload(workload_), outcome.choices.size());
  if (state_->replaying) throw ReplayFailed{message + " (replayed from $SEEDLOOP_REPLAY)"};
  absl::StatusOr<SavedFailure> saved = save_failure(outcome.choices, std::nullopt, state_->test_name);
  absl::Status added = saved.ok() ? add_workload(saved->path, workload_) : saved.status();
  if (added.ok()) {
    state_->saved = *saved;
    state_->saved_workload = workload_;
    absl::StrAppendFormat(&message, ", written to %s\n  replay this case: %s", saved->path, saved->command);
  } else {
    absl::StrAppendFormat(&message, "\n  could not save the tape: %s", added.ToString());
  }
  absl::StrAppendFormat(&message,
                        "\n  rapidcheck seed %d: RC_PARAMS=\"seed=%d\" reruns this search "
                        "(bazel: --test_env=RC_PARAMS=seed=%d)",
                        state_->rc_seed, state_->rc_seed, state_->rc_seed);
  RC_FAIL(message);
}

// ---- Checks ----

RcCheckResult rc_check_simulation(const std::vector<RcParam>& params, const std::function<void(const RcCase&)>& body,
                                  const RcCheckOptions& options) {
  rc_internal::CheckState state;
  state.test_name = options.test_name.empty() ? current_gtest_name('.') : options.test_name;
  if (state.test_name.empty()) state.test_name = "rc_property";
  const rc::detail::TestParams rc_params = options.params.value_or(rc::detail::configuration().testParams);
  state.rc_seed = rc_params.seed;

  if (options.replay == RcCheckOptions::Replay::kHonour) {
    absl::StatusOr<std::optional<std::vector<Choice>>> replay = replay_from_env();
    if (!replay.ok()) {
      RcCheckResult result;
      result.ok = false;
      result.replayed = true;
      result.message = std::string(replay.status().ToString());
      return result;
    }
    if (replay->has_value()) return replay_case(state, params, body, std::move(**replay));
  }

  // The id RC_PARAMS="reproduce=..." matches: RC_GTEST_PROP's "Suite/Test".
  rc::detail::TestMetadata metadata;
  metadata.id = current_gtest_name('/');
  if (metadata.id.empty()) metadata.id = state.test_name;
  metadata.description = state.test_name;
  const rc::Gen<RcDraw> draws = gen_case(params, options.max_tape_len);
  const rc::detail::Property property = rc::detail::toProperty([&state, &body, &draws] {
    RcDraw draw = *draws;
    const RcCase c = state.make_case(std::move(draw.workload), std::move(draw.tape));
    body(c);
  });
  // Explicit parameters make the check self-contained: RC_PARAMS's
  // reproduce= (for other properties, usually) does not apply to it.
  rc::detail::TestListenerAdapter silent;
  rc::detail::TestListener& listener =
      options.listener == RcCheckOptions::Listener::kSilent ? silent : rc::detail::globalTestListener();
  const std::unordered_map<std::string, rc::detail::Reproduce> no_reproduce;
  const rc::detail::TestResult result =
      rc::detail::checkProperty(property, metadata, rc_params, listener,
                                options.params.has_value() ? no_reproduce : rc::detail::configuration().reproduce);

  RcCheckResult out;
  out.rc_seed = rc_params.seed;
  rc::detail::SuccessResult success;
  if (result.match(success)) return out;
  out.ok = false;
  std::ostringstream report;
  rc::detail::Error error;
  if (result.match(error)) {
    report << "rapidcheck error: " << error.description;
  } else {
    rc::detail::printResultMessage(result, report);
  }
  rc::detail::FailureResult failure;
  if (result.match(failure)) {
    out.reproduce = "reproduce=" + rc::detail::reproduceMapToString({{metadata.id, failure.reproduce}});
    out.saved = state.saved;
    out.workload = state.saved_workload;
    report << "\n\nrapidcheck: rerun the search with RC_PARAMS=\"seed=" << rc_params.seed
           << "\"; rerun only this minimal case with RC_PARAMS=\"" << out.reproduce
           << "\" (bazel: --test_env=RC_PARAMS=...)";
  }
  out.message = report.str();
  return out;
}

void rc_gtest_check(const std::vector<RcParam>& params, const std::function<void(const RcCase&)>& body,
                    const RcCheckOptions& options) {
  const RcCheckResult result = rc_check_simulation(params, body, options);
  if (!result.ok) ADD_FAILURE() << result.message;
}

}  // namespace seedloop::sim
