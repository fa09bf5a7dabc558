// explore: many seeds over scenario files, with progress, a summary table,
// failing tapes saved with their replay commands, and the first failure of
// each scenario shrunk.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "scenarios/explore.h"
#include "tools/cli/cli.h"

namespace seedloop::cli {

namespace {

constexpr uint64_t kMaxSeeds = 10'000'000;
constexpr size_t kFailuresShown = 3;     // failing seeds printed in full per scenario
constexpr size_t kFailuresSaved = 1000;  // tapes written per scenario
constexpr size_t kRowsShown = 20;
constexpr uint64_t kLongSweep = 1000;    // seeds: plain progress shows quarters        // more scenarios: the table shows the failing ones

struct Row {
  std::string name;
  uint64_t seeds = 0;
  uint64_t failed = 0;
  double seconds = 0;
};

absl::Status parse_seeds(scenarios::SweepSpec* spec) {
  const std::string range = absl::GetFlag(FLAGS_seed_range);
  if (!range.empty()) {
    std::vector<std::string> ab = absl::StrSplit(range, ':');
    uint64_t a = 0, b = 0;
    if (ab.size() != 2 || !absl::SimpleAtoi(ab[0], &a) || !absl::SimpleAtoi(ab[1], &b) || b <= a) {
      return absl::InvalidArgumentError(absl::StrFormat("--seed-range=%s: expected A:B with A < B", range));
    }
    spec->first_seed = a;
    spec->count = b - a;
  } else {
    spec->first_seed = 1;
    spec->count = absl::GetFlag(FLAGS_seeds);
  }
  if (spec->count == 0 || spec->count > kMaxSeeds) {
    return absl::InvalidArgumentError(absl::StrFormat("seeds: %d is not in [1, %d]", spec->count, kMaxSeeds));
  }
  const std::string shard = absl::GetFlag(FLAGS_shard);
  if (!shard.empty()) {
    std::vector<std::string> in = absl::StrSplit(shard, '/');
    if (in.size() != 2 || !absl::SimpleAtoi(in[0], &spec->shard_index) ||
        !absl::SimpleAtoi(in[1], &spec->shard_total) || spec->shard_total == 0 ||
        spec->shard_index >= spec->shard_total) {
      return absl::InvalidArgumentError(absl::StrFormat("--shard=%s: expected I/N with 0 <= I < N", shard));
    }
  }
  const std::string strategy = absl::GetFlag(FLAGS_strategy);
  if (strategy == "pct") {
    const int depth = absl::GetFlag(FLAGS_pct_depth);
    if (depth < 1 || depth > 1000) return absl::InvalidArgumentError("--pct_depth must be in [1, 1000]");
    spec->pct_depth = static_cast<uint32_t>(depth);
  } else if (strategy != "random") {
    return absl::InvalidArgumentError(absl::StrFormat("--strategy=%s: expected random or pct", strategy));
  }
  const int jobs = absl::GetFlag(FLAGS_jobs);
  if (jobs < 0 || jobs > 256) return absl::InvalidArgumentError("--jobs must be in [0, 256]");
  spec->jobs = jobs == 0 ? std::max(1u, std::thread::hardware_concurrency()) : jobs;
  return absl::OkStatus();
}

std::string tape_dir() {
  std::string out = user_path(absl::GetFlag(FLAGS_out));
  if (!out.empty()) return out;
  if (const char* d = std::getenv("SEEDLOOP_TAPE_DIR"); d != nullptr && *d) return d;
  return (std::filesystem::temp_directory_path() / "seedloop-tapes").string();
}

// A progress bar on a terminal; plain lines otherwise.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::string name) : name_(std::move(name)), tty_(isatty(STDERR_FILENO) == 1) {}
  void update(uint64_t done, uint64_t total, uint64_t failures) {
    if (tty_) {
      const int width = 30;
      const int filled = static_cast<int>(width * done / std::max<uint64_t>(total, 1));
      std::fprintf(stderr, "\r  %-40s [%s%s] %llu/%llu seeds, %llu failing", name_.c_str(),
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   static_cast<unsigned long long>(failures));
      if (done == total) std::fprintf(stderr, "\n");
      return;
    }
    // Plain lines: one when a scenario is done, and quarters of long sweeps.
    const uint64_t quarter = total >= kLongSweep ? done * 4 / std::max<uint64_t>(total, 1) : 0;
    if (quarter > last_quarter_ || (done == total && !finished_)) {
      last_quarter_ = quarter;
      finished_ = done == total;
      std::fprintf(stderr, "  %s: %llu/%llu seeds, %llu failing\n", name_.c_str(),
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   static_cast<unsigned long long>(failures));
    }
  }

 private:
  std::string name_;
  bool tty_;
  uint64_t last_quarter_ = 0;
  bool finished_ = false;
};

// Saves each failing seed's tape; shrinks the first. Returns false on an
// I/O error (reported).
bool save_failures(const scenarios::Scenario& s, const scenarios::SweepReport& report, sim::Mode mode,
                   std::vector<std::string>* first_failures) {
  const std::string dir = tape_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "seedloop: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return false;
  }
  const char* mode_text = sim::mode_name(mode);
  for (size_t i = 0; i < report.failing.size(); ++i) {
    const scenarios::Verdict& v = report.failing[i];
    const std::string path = absl::StrFormat("%s/%s-seed%d-%s.json", dir, s.name, v.seed, mode_text);
    if (absl::Status st = write_file(path, tape_file_json(v.choices, v.seed, mode, s.name)); !st.ok()) {
      std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
      return false;
    }
    if (i >= kFailuresShown) continue;  // saved, not printed
    std::printf("FAIL %s seed %llu (outcome: %s)\n", s.name.c_str(), static_cast<unsigned long long>(v.seed),
                v.outcome.c_str());
    for (const std::string& f : v.failures) std::printf("  %s\n", f.c_str());
    std::printf("  tape: %s\n  replay: %s\n", path.c_str(), replay_command(path, s.path).c_str());
    if (i > 0) continue;
    scenarios::RunOptions failing;
    failing.mode = mode;
    failing.replay = v.choices;
    absl::StatusOr<scenarios::Shrunk> shrunk = scenarios::shrink(s, failing, absl::GetFlag(FLAGS_max_shrink_runs));
    if (!shrunk.ok()) {
      std::printf("  shrink: %s\n", std::string(shrunk.status().message()).c_str());
      continue;
    }
    const std::string small = absl::StrFormat("%s/%s-seed%d-%s.shrunk.json", dir, s.name, v.seed, mode_text);
    if (absl::Status st = write_file(small, tape_file_json(shrunk->tape, v.seed, mode, s.name)); !st.ok()) {
      std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
      return false;
    }
    std::printf("  shrunk tape: %zu -> %zu choices in %d runs: %s\n  replay: %s\n", shrunk->before, shrunk->after,
                shrunk->runs, small.c_str(), replay_command(small, s.path).c_str());
    first_failures->push_back(absl::StrFormat("first failure of %s: seed %d; replay its shrunk tape:\n  %s", s.name,
                                              v.seed, replay_command(small, s.path)));
  }
  if (report.failing.size() > kFailuresShown) {
    std::printf("  ... %zu more failing seeds; their tapes are in %s\n", report.failing.size() - kFailuresShown,
                dir.c_str());
  }
  if (report.failures > report.failing.size()) {
    std::printf("  (%llu more failing seeds not saved: over %zu per scenario)\n",
                static_cast<unsigned long long>(report.failures - report.failing.size()), report.failing.size());
  }
  return true;
}

}  // namespace

int verb_explore(const Args& args) {
  if (args.empty()) return usage_error("explore takes scenario files or folders");
  absl::StatusOr<sim::Mode> mode = mode_flag();
  if (!mode.ok()) return usage_error(std::string(mode.status().message()));
  scenarios::SweepSpec spec;
  if (absl::Status st = parse_seeds(&spec); !st.ok()) return usage_error(std::string(st.message()));
  spec.mode = *mode;
  spec.strict_outcome = absl::GetFlag(FLAGS_strict);
  spec.max_failures_kept = kFailuresSaved;
  std::vector<std::string> paths;
  for (const std::string& a : args) paths.push_back(user_path(a));
  absl::StatusOr<std::vector<std::string>> files = scenarios::scenario_files(paths);
  if (!files.ok()) return input_error(files.status());
  // Every file is validated before anything runs.
  std::vector<scenarios::Scenario> all;
  int bad = 0;
  for (const std::string& file : *files) {
    absl::StatusOr<scenarios::Scenario> s = scenarios::load_scenario(file);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
      ++bad;
      continue;
    }
    const std::string tag = absl::GetFlag(FLAGS_tag);
    if (tag.empty() || std::find(s->tags.begin(), s->tags.end(), tag) != s->tags.end()) all.push_back(*std::move(s));
  }
  if (bad > 0) return usage_error(absl::StrFormat("%d invalid scenario files; nothing was run", bad));
  if (all.empty()) return usage_error("no scenario files to explore");
  std::printf("explore: %zu scenarios x %llu seeds, %s mode, %s, %d jobs%s\n", all.size(),
              static_cast<unsigned long long>(spec.count), sim::mode_name(*mode),
              spec.pct_depth > 0 ? absl::StrFormat("PCT depth %d", spec.pct_depth).c_str() : "uniform choices",
              spec.jobs,
              spec.shard_total > 1 ? absl::StrFormat(", shard %d/%d", spec.shard_index, spec.shard_total).c_str()
                                   : "");
  std::fflush(stdout);
  std::vector<Row> rows;
  std::vector<std::string> first_failures;  // replay lines, repeated after the table
  bool io_ok = true;
  const auto start = std::chrono::steady_clock::now();
  for (const scenarios::Scenario& s : all) {
    ProgressDisplay display(s.name);
    const auto t0 = std::chrono::steady_clock::now();
    scenarios::SweepReport report =
        scenarios::sweep(s, spec, [&](uint64_t d, uint64_t n, uint64_t f) { display.update(d, n, f); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!report.input_error.ok()) return input_error(report.input_error);
    if (!report.status.ok()) {
      std::printf("FAIL %s: %s\n", s.name.c_str(), std::string(report.status.message()).c_str());
      report.failures = std::max<uint64_t>(report.failures, 1);
    }
    rows.push_back(Row{s.name, report.runs, report.failures, seconds});
    if (report.failures > 0) io_ok = save_failures(s, report, *mode, &first_failures) && io_ok;
    std::fflush(stdout);
  }
  const double total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The table: every scenario when there are few, else the failing ones and
  // one line for the rest; then the totals.
  uint64_t seeds = 0, failed = 0, failed_scenarios = 0, quiet_rows = 0, quiet_seeds = 0;
  const bool every_row = rows.size() <= kRowsShown || absl::GetFlag(FLAGS_all_rows);
  auto row = [](const std::string& name, uint64_t n, uint64_t f, double secs) {
    std::printf("%-44s %8llu %8llu %10.0f\n", name.c_str(), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(f), secs > 0 ? n / secs : 0.0);
  };
  std::printf("\n%-44s %8s %8s %10s\n", "scenario", "seeds", "failed", "seeds/s");
  for (const Row& r : rows) {
    seeds += r.seeds;
    failed += r.failed;
    failed_scenarios += r.failed > 0 ? 1 : 0;
    if (every_row || r.failed > 0) {
      row(r.name, r.seeds, r.failed, r.seconds);
    } else {
      ++quiet_rows;
      quiet_seeds += r.seeds;
    }
  }
  if (quiet_rows > 0) {
    std::printf("%-44s %8llu %8d %10s\n", absl::StrFormat("(%d more scenarios, all passed)", quiet_rows).c_str(),
                static_cast<unsigned long long>(quiet_seeds), 0, "");
  }
  row(absl::StrFormat("all %d scenarios", rows.size()), seeds, failed, total_seconds);
  for (const std::string& line : first_failures) std::printf("%s\n", line.c_str());
  std::printf("explore: %zu scenarios, %llu seeds, %llu failing seeds in %llu scenarios, %.1f s (%.0f seeds/s)\n",
              rows.size(), static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(failed),
              static_cast<unsigned long long>(failed_scenarios), total_seconds,
              total_seconds > 0 ? seeds / total_seconds : 0.0);
  if (!io_ok) return kBadInput;
  return failed > 0 ? kFailed : kOk;
}

}  // namespace seedloop::cli
