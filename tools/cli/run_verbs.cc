// check, run, replay, shrink: the verbs on one scenario run at a time.

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "scenarios/explore.h"
#include "scenarios/interpreter.h"
#include "tools/cli/cli.h"

namespace seedloop::cli {

namespace {

bool has_tag(const scenarios::Scenario& s, const std::string& tag) {
  if (tag.empty()) return true;
  for (const std::string& t : s.tags) {
    if (t == tag) return true;
  }
  return false;
}

// Prints a run's events, outcome and failures; writes its trace if asked.
int report_run(const scenarios::Scenario& scenario, const scenarios::RunResult& r, sim::Mode mode) {
  if (!r.input_error.ok()) return input_error(r.input_error);
  if (!absl::GetFlag(FLAGS_quiet)) {
    for (const scenarios::ScenarioEvent& e : r.events) std::printf("%s\n", e.line().c_str());
  }
  std::printf("outcome: %s\n", r.outcome.c_str());
  const std::string trace_path = user_path(absl::GetFlag(FLAGS_trace));
  if (!trace_path.empty()) {
    if (absl::Status s = write_file(trace_path, r.sim.trace.to_jsonl()); !s.ok()) return input_error(s);
    std::printf("trace: %s (%zu events, hash %016llx)\n", trace_path.c_str(), r.sim.trace.size(),
                static_cast<unsigned long long>(r.sim.trace_hash));
  }
  const char* injection = absl::GetFlag(FLAGS_expire_timeouts) ? "timeout expiry" : "cancel";
  for (const std::string& w : r.injected) std::printf("%s injected at %s\n", injection, w.c_str());
  // With cancellations injected, the trace and outcome are not the file's:
  // only the invariants must hold.
  const bool injected = !r.points.empty() || !r.injected.empty();
  const std::vector<std::string> failures =
      injected ? scenarios::check_invariants(scenario, r)
               : scenarios::check_expectations(scenario, r, mode, absl::GetFlag(FLAGS_strict));
  for (const std::string& f : failures) std::printf("FAILED %s\n", f.c_str());
  std::printf("%s: %s\n", scenario.path.c_str(), failures.empty() ? "ok" : "FAILED");
  return failures.empty() ? kOk : kFailed;
}

}  // namespace

int verb_check(const Args& args) {
  if (args.empty()) return usage_error("check takes scenario files or folders");
  std::vector<std::string> paths;
  for (const std::string& a : args) paths.push_back(user_path(a));
  absl::StatusOr<std::vector<std::string>> files = scenarios::scenario_files(paths);
  if (!files.ok()) return input_error(files.status());
  int bad = 0, checked = 0;
  const std::string tag = absl::GetFlag(FLAGS_tag);
  for (const std::string& file : *files) {
    absl::StatusOr<scenarios::Scenario> s = scenarios::load_scenario(file);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
      ++bad;
      ++checked;
      continue;
    }
    if (!has_tag(*s, tag)) continue;
    ++checked;
  }
  std::printf("check: %d scenario files, %d valid, %d invalid\n", checked, checked - bad, bad);
  return bad == 0 ? kOk : kBadInput;
}

int verb_run(const Args& args) {
  if (args.size() != 1) return usage_error("run takes one scenario file");
  absl::StatusOr<sim::Mode> mode = mode_flag();
  if (!mode.ok()) return usage_error(std::string(mode.status().message()));
  absl::StatusOr<scenarios::Scenario> s = scenarios::load_scenario(user_path(args[0]));
  if (!s.ok()) return input_error(s.status());
  scenarios::RunOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.mode = *mode;
  // A fuzz-cancel failure, rerun.
  const int64_t cancel_at = absl::GetFlag(FLAGS_cancel_at);
  const int cancel_one_in = absl::GetFlag(FLAGS_cancel_one_in);
  if (cancel_at >= 0 && cancel_one_in > 0) return usage_error("--cancel_at and --cancel_one_in exclude each other");
  if (cancel_at >= 0) {
    options.inject.mode = scenarios::CancelInjection::Mode::kAt;
    options.inject.at = static_cast<uint64_t>(cancel_at);
  } else if (cancel_one_in > 0) {
    options.inject.mode = scenarios::CancelInjection::Mode::kRandom;
    options.inject.one_in = static_cast<uint32_t>(cancel_one_in);
  }
  if (absl::GetFlag(FLAGS_expire_timeouts)) options.inject.action = scenarios::CancelInjection::Action::kExpireTimeout;
  scenarios::RunResult r = scenarios::run_scenario(*s, options);
  const std::string tape_path = user_path(absl::GetFlag(FLAGS_tape));
  if (!tape_path.empty()) {
    const std::string text = tape_file_json(r.sim.choices, r.sim.seed, *mode, s->name);
    if (absl::Status st = write_file(tape_path, text); !st.ok()) return input_error(st);
    std::printf("tape: %s (%zu choices); replay: %s\n", tape_path.c_str(), r.sim.choices.size(),
                replay_command(tape_path, s->path).c_str());
  }
  return report_run(*s, r, *mode);
}

// replay's and shrink's arguments: --mode, --tape FILE and one scenario.
struct TapeArgs {
  scenarios::Scenario scenario;
  scenarios::RunOptions options;  // mode and the tape to replay
};

// kOk and *out filled, or the exit code of the error it printed.
int tape_args(const Args& args, const char* verb, TapeArgs* out) {
  if (args.size() != 1) return usage_error(absl::StrFormat("%s takes one scenario file (and --tape FILE)", verb));
  absl::StatusOr<TapeFile> tape = tape_flag();
  if (!tape.ok()) return input_error(tape.status());
  absl::StatusOr<sim::Mode> mode = mode_flag(tape->mode);
  if (!mode.ok()) return usage_error(std::string(mode.status().message()));
  absl::StatusOr<scenarios::Scenario> s = scenarios::load_scenario(user_path(args[0]));
  if (!s.ok()) return input_error(s.status());
  if (!tape->scenario.empty() && tape->scenario != s->name) {
    return input_error(absl::InvalidArgumentError(absl::StrFormat(
        "%s: the tape was recorded for scenario \"%s\", not \"%s\" (%s)", absl::GetFlag(FLAGS_tape),
        tape->scenario, s->name, s->path)));
  }
  out->scenario = *std::move(s);
  out->options.mode = *mode;
  out->options.seed = tape->seed.value_or(0);
  out->options.replay = std::move(tape->choices);
  return kOk;
}

int verb_replay(const Args& args) {
  TapeArgs in;
  if (int rc = tape_args(args, "replay", &in); rc != kOk) return rc;
  const scenarios::Scenario* s = &in.scenario;
  const sim::Mode* mode = &in.options.mode;
  scenarios::RunResult r = scenarios::run_scenario(*s, in.options);
  // A tape that does not fit the run is the wrong tape (or the wrong mode).
  if (r.sim.status.code() == absl::StatusCode::kFailedPrecondition ||
      r.sim.status.code() == absl::StatusCode::kOutOfRange) {
    if (absl::StrContains(r.sim.status.message(), "choice ")) {
      return input_error(absl::InvalidArgumentError(absl::StrFormat(
          "%s: the tape does not fit this scenario in %s mode: %s", absl::GetFlag(FLAGS_tape),
          sim::mode_name(*mode), r.sim.status.message())));
    }
  }
  std::printf("replayed %zu choices (%s mode)\n", in.options.replay->size(), sim::mode_name(in.options.mode));
  return report_run(*s, r, *mode);
}

int verb_shrink(const Args& args) {
  TapeArgs in;
  if (int rc = tape_args(args, "shrink", &in); rc != kOk) return rc;
  const scenarios::Scenario* s = &in.scenario;
  const sim::Mode* mode = &in.options.mode;
  const int max_runs = absl::GetFlag(FLAGS_max_shrink_runs);
  if (max_runs < 1 || max_runs > 1'000'000) return usage_error("--max_shrink_runs must be in [1, 1000000]");
  absl::StatusOr<scenarios::Shrunk> shrunk = scenarios::shrink(*s, in.options, max_runs);
  if (!shrunk.ok()) return input_error(shrunk.status());
  std::string out = user_path(absl::GetFlag(FLAGS_out));
  if (out.empty()) {
    out = user_path(absl::GetFlag(FLAGS_tape));
    if (absl::EndsWith(out, ".json")) out.resize(out.size() - 5);
    out += ".shrunk.json";
  }
  if (absl::Status st = write_file(out, tape_file_json(shrunk->tape, in.options.seed, *mode, s->name)); !st.ok()) {
    return input_error(st);
  }
  for (const std::string& f : shrunk->verdict.failures) std::printf("still fails: %s\n", f.c_str());
  std::printf("wrote %s; replay: %s\n", out.c_str(), replay_command(out, s->path).c_str());
  std::printf("shrunk tape: %zu -> %zu choices in %d runs\n", shrunk->before, shrunk->after, shrunk->runs);
  return kOk;
}

}  // namespace seedloop::cli
