// conform: each scenario on CPython's asyncio (tools/asyncio_oracle.py) and
// on seedloop in faithful mode with the canonical world; their scenario
// events (time and text) and outcomes must be equal, one for one.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "scenarios/interpreter.h"
#include "sim/trace_io.h"
#include "tools/cli/cli.h"

namespace seedloop::cli {

namespace {

std::string shell_quote(const std::string& s) { return "'" + absl::StrReplaceAll(s, {{"'", "'\\''"}}) + "'"; }

// --oracle, else the workspace's copy (bazel run), else the runfiles' copy
// (bazel test), else tools/asyncio_oracle.py from the current directory.
std::string oracle_path() {
  if (std::string flag = absl::GetFlag(FLAGS_oracle); !flag.empty()) return user_path(flag);
  std::vector<std::string> candidates;
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY"); ws != nullptr && *ws) {
    candidates.push_back(absl::StrCat(ws, "/tools/asyncio_oracle.py"));
  }
  if (const char* rf = std::getenv("RUNFILES_DIR"); rf != nullptr && *rf) {
    candidates.push_back(absl::StrCat(rf, "/seedloop/tools/asyncio_oracle.py"));  // the WORKSPACE's name
  }
  candidates.push_back("tools/asyncio_oracle.py");
  for (const std::string& c : candidates) {
    if (std::filesystem::exists(c)) return c;
  }
  return candidates.back();
}

struct OracleRun {
  std::vector<scenarios::ScenarioEvent> events;
  std::string outcome;
};

absl::StatusOr<OracleRun> run_oracle(const std::string& oracle, const std::string& scenario, int index) {
  const std::string trace_path =
      (std::filesystem::temp_directory_path() / absl::StrFormat("seedloop-conform-%d-%d.jsonl", getpid(), index))
          .string();
  const std::string command = absl::StrFormat("%s %s %s --trace %s 2>&1", shell_quote(absl::GetFlag(FLAGS_python)),
                                              shell_quote(oracle), shell_quote(scenario), shell_quote(trace_path));
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("conform: cannot start the oracle: " + command);
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0 && output.size() < (size_t{16} << 20)) output.append(buffer, n);
  const int status = pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0) {
    std::filesystem::remove(trace_path);
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: the oracle exited with %d:\n%s(command: %s)", scenario, code, output, command));
  }
  OracleRun run;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::ConsumePrefix(&line, "outcome: ")) run.outcome = std::string(line);
  }
  absl::StatusOr<std::string> text = read_file(trace_path, sim::kMaxTraceBytes);
  std::filesystem::remove(trace_path);
  if (!text.ok()) return text.status();
  absl::StatusOr<sim::Trace> trace = sim::read_trace_jsonl(*text, trace_path);
  if (!trace.ok()) return trace.status();
  for (const sim::TraceEvent& e : trace->events()) {
    if (e.kind == sim::TraceKind::kScenario) run.events.push_back(scenarios::ScenarioEvent{e.t_ns, e.text});
  }
  return run;
}

// The first difference, with context; empty when equal.
std::string compare(const std::vector<scenarios::ScenarioEvent>& ours, const std::vector<scenarios::ScenarioEvent>& theirs,
                    size_t context) {
  const size_t n = std::min(ours.size(), theirs.size());
  size_t i = 0;
  while (i < n && ours[i].t_ns == theirs[i].t_ns && ours[i].text == theirs[i].text) ++i;
  if (i == ours.size() && i == theirs.size()) return "";
  std::string out = absl::StrFormat("  events differ at event %d:\n", i);
  for (size_t k = i > context ? i - context : 0; k < i; ++k) absl::StrAppend(&out, "    both:     ", ours[k].line(), "\n");
  absl::StrAppend(&out, "    seedloop: ", i < ours.size() ? ours[i].line() : "(end of events)", "\n");
  absl::StrAppend(&out, "    CPython:  ", i < theirs.size() ? theirs[i].line() : "(end of events)", "\n");
  return out;
}

}  // namespace

int verb_conform(const Args& args) {
  if (args.empty()) return usage_error("conform takes scenario files or folders");
  std::vector<std::string> paths;
  for (const std::string& a : args) paths.push_back(user_path(a));
  absl::StatusOr<std::vector<std::string>> files = scenarios::scenario_files(paths);
  if (!files.ok()) return input_error(files.status());
  const std::string oracle = oracle_path();
  const std::string tag = absl::GetFlag(FLAGS_tag);
  const size_t context = static_cast<size_t>(std::clamp(absl::GetFlag(FLAGS_context), 0, 1000));
  int same = 0, differ = 0, bad = 0;
  for (size_t i = 0; i < files->size(); ++i) {
    const std::string& file = (*files)[i];
    absl::StatusOr<scenarios::Scenario> s = scenarios::load_scenario(file);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
      ++bad;
      continue;
    }
    if (!tag.empty() && std::find(s->tags.begin(), s->tags.end(), tag) == s->tags.end()) continue;
    scenarios::RunOptions options;
    options.canonical_world = true;
    options.quiet = true;
    scenarios::RunResult ours = scenarios::run_scenario(*s, options);
    if (!ours.input_error.ok()) {
      std::fprintf(stderr, "%s\n", std::string(ours.input_error.message()).c_str());
      ++bad;
      continue;
    }
    absl::StatusOr<OracleRun> theirs = run_oracle(oracle, file, static_cast<int>(i));
    if (!theirs.ok()) {
      std::fprintf(stderr, "%s\n", std::string(theirs.status().message()).c_str());
      ++bad;
      continue;
    }
    std::string report = compare(ours.events, theirs->events, context);
    if (ours.outcome != theirs->outcome) {
      absl::StrAppend(&report, "  outcomes differ: seedloop \"", ours.outcome, "\", CPython \"", theirs->outcome, "\"\n");
    }
    if (report.empty()) {
      ++same;
      std::printf("same    %s (%zu events, %s)\n", s->name.c_str(), ours.events.size(), ours.outcome.c_str());
    } else {
      ++differ;
      std::printf("DIFFER  %s (%s)\n%s", s->name.c_str(), file.c_str(), report.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("conform: %d scenarios, %d same as CPython, %d differ, %d bad input\n", same + differ + bad, same,
              differ, bad);
  if (bad > 0) return kBadInput;
  return differ > 0 ? kFailed : kOk;
}

}  // namespace seedloop::cli
