#include "sim/explore.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace seedloop::sim {

namespace {

// Reads an unsigned integer environment variable; nullopt when unset.
absl::StatusOr<std::optional<uint64_t>> env_u64(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::optional<uint64_t>();
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("environment variable %s=\"%s\": not a non-negative integer", name, text));
  }
  return std::optional<uint64_t>(value);
}

absl::StatusOr<std::optional<Shard>> shard_from_pair(const char* total_name, const char* index_name) {
  absl::StatusOr<std::optional<uint64_t>> total = env_u64(total_name);
  if (!total.ok()) return total.status();
  absl::StatusOr<std::optional<uint64_t>> index = env_u64(index_name);
  if (!index.ok()) return index.status();
  if (!total->has_value() && !index->has_value()) return std::optional<Shard>();
  if (!total->has_value() || !index->has_value()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("environment variables %s and %s must be set together", total_name, index_name));
  }
  if (**total == 0 || **index >= **total) {
    return absl::InvalidArgumentError(absl::StrFormat("environment variables %s=%d, %s=%d: need 0 <= index < total",
                                                      total_name, **total, index_name, **index));
  }
  return std::optional<Shard>(Shard{**index, **total});
}

}  // namespace

absl::StatusOr<Shard> shard_from_env() {
  if (const char* status_file = std::getenv("TEST_SHARD_STATUS_FILE"); status_file != nullptr && *status_file) {
    std::ofstream touch(status_file, std::ios::app);  // "this test understands sharding"
  }
  absl::StatusOr<std::optional<Shard>> bazel = shard_from_pair("TEST_TOTAL_SHARDS", "TEST_SHARD_INDEX");
  if (!bazel.ok()) return bazel.status();
  if (bazel->has_value()) return **bazel;
  absl::StatusOr<std::optional<Shard>> gtest = shard_from_pair("GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX");
  if (!gtest.ok()) return gtest.status();
  if (gtest->has_value()) return **gtest;
  return Shard{};
}

SweepResult sweep(const SweepOptions& sweep, const SimulationOptions& base, const Program& program,
                  const FailurePredicate& fails) {
  SweepResult result;
  const int threads_before = base.detect_real_threads ? process_thread_count() : -1;
  const uint64_t total = sweep.shard.total == 0 ? 1 : sweep.shard.total;
  for (uint64_t i = sweep.shard.index; i < sweep.count; i += total) {
    SimulationOptions options = base;
    options.seed = sweep.first_seed + i;
    options.replay.reset();
    options.detect_real_threads = false;  // counted once, around the sweep
    Outcome outcome = Simulation(options).run(program);
    ++result.runs;
    if (sweep.check_determinism && result.status.ok()) {
      SimulationOptions again = options;
      again.trace = TraceLevel::kHashOnly;
      if (Simulation(again).run(program).trace_hash != outcome.trace_hash) {
        absl::Status diverged = check_determinism(options, program);
        result.status = diverged.ok() ? absl::InternalError(absl::StrFormat(
                                            "nondeterministic run (seed %d): two runs hashed differently",
                                            options.seed))
                                      : diverged;
      }
    }
    if (!fails(outcome)) continue;
    result.failing_seeds.push_back(options.seed);
    if (!result.first_failure) result.first_failure = SweepFailure{options.seed, options, std::move(outcome)};
    if (sweep.stop_at_first_failure) break;
  }
  if (threads_before >= 0) {
    const int after = process_thread_count();
    if (after > threads_before) {
      result.status = absl::InternalError(absl::StrFormat(
          "the simulated program started real threads during the sweep (%d threads before, %d after): simulated "
          "code must not start real threads; run blocking work with run_in_executor(nullptr, fn)",
          threads_before, after));
    }
  }
  if (result.first_failure) result.first_failure->options.detect_real_threads = base.detect_real_threads;
  return result;
}

absl::StatusOr<ShrinkReport> shrink_failure(const SimulationOptions& failing, const Program& program,
                                            const FailurePredicate& fails, int max_runs) {
  Outcome original = Simulation(failing).run(program);
  if (!fails(original)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "shrink_failure: the given run does not fail (seed %d, %s)", failing.seed, original.describe()));
  }
  ShrinkReport report;
  report.before = original.choices.size();
  int runs = 1;
  auto still_fails = [&](const std::vector<Choice>& candidate) {
    SimulationOptions options = failing;
    options.replay = candidate;
    options.replay_mode = Tape::Replay::kLenient;
    options.trace = TraceLevel::kHashOnly;
    ++runs;
    return fails(Simulation(options).run(program));
  };
  ShrinkResult shrunk = shrink(original.choices, still_fails, max_runs);
  // Lenient replay may read fewer or other choices than listed: the run's own
  // record is the normalized tape, which replays strictly.
  SimulationOptions lenient = failing;
  lenient.replay = shrunk.choices;
  lenient.replay_mode = Tape::Replay::kLenient;
  Outcome normalizing = Simulation(lenient).run(program);
  ++runs;
  SimulationOptions strict = failing;
  strict.replay = normalizing.choices;
  strict.replay_mode = Tape::Replay::kStrict;
  report.outcome = Simulation(strict).run(program);
  ++runs;
  if (!fails(report.outcome)) {
    return absl::InternalError(
        "shrink_failure: the shrunk tape no longer fails when replayed strictly (is the program deterministic? "
        "check_determinism says)");
  }
  // The choices that matter: the normalized tape (whose kinds and bounds are
  // the run's own) without its trailing zeros, which lenient replay reads
  // past the end anyway.
  report.normalized = std::move(normalizing.choices);
  report.choices = report.normalized;
  while (!report.choices.empty() && report.choices.back().value == 0) report.choices.pop_back();
  report.after = report.choices.size();
  report.runs = runs;
  report.summary = absl::StrFormat("shrunk tape: %d -> %d choices in %d runs (%d when normalized for strict replay)",
                                   report.before, report.after, runs, report.normalized.size());
  return report;
}

absl::StatusOr<SavedFailure> save_failure(const std::vector<Choice>& choices, std::optional<uint64_t> seed,
                                          const std::string& name) {
  std::string dir;
  if (const char* d = std::getenv("SEEDLOOP_TAPE_DIR"); d != nullptr && *d) {
    dir = d;
  } else {
    dir = (std::filesystem::temp_directory_path() / "seedloop-tapes").string();
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrFormat("cannot create tape directory %s: %s", dir, ec.message()));
  std::string safe;
  for (char c : name) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  const std::string path = seed ? absl::StrFormat("%s/%s-seed%d.json", dir, safe, *seed)
                                : absl::StrFormat("%s/%s-replay.json", dir, safe);
  {
    std::ofstream out(path);
    out << to_json(choices, seed) << "\n";
    if (!out) return absl::InternalError(absl::StrFormat("cannot write tape file %s", path));
  }
  SavedFailure saved;
  saved.path = path;
  const char* target = std::getenv("TEST_TARGET");
  saved.command = absl::StrFormat("bazel test %s --test_filter=%s --test_env=SEEDLOOP_REPLAY=%s --test_output=all",
                                  target != nullptr && *target ? target : "<this test target>", name, path);
  return saved;
}

absl::StatusOr<std::optional<std::vector<Choice>>> replay_from_env() {
  const char* path = std::getenv("SEEDLOOP_REPLAY");
  if (path == nullptr || *path == '\0') return std::optional<std::vector<Choice>>();
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrFormat("SEEDLOOP_REPLAY=%s: cannot open the tape file", path));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Tape> tape = tape_from_json(text.str(), path);
  if (!tape.ok()) return tape.status();
  // A parsed tape replays: read its recorded choices back out.
  return std::optional<std::vector<Choice>>(tape->recorded());
}

}  // namespace seedloop::sim
