#include "scenarios/explore.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace seedloop::scenarios {

Verdict judge(const Scenario& scenario, const RunOptions& options, bool check_determinism, bool strict_outcome) {
  RunOptions o = options;
  o.trace = sim::TraceLevel::kHashOnly;
  o.quiet = true;
  RunResult r = run_scenario(scenario, o);
  Verdict v;
  v.seed = options.seed;
  v.outcome = r.outcome;
  v.input_error = r.input_error;
  v.choices = r.sim.choices;
  v.trace_hash = r.sim.trace_hash;
  if (!r.input_error.ok()) {
    v.failures.push_back(std::string(r.input_error.message()));
    return v;
  }
  v.failures = check_expectations(scenario, r, options.mode, strict_outcome);
  if (check_determinism) {
    RunResult again = run_scenario(scenario, o);
    if (again.sim.trace_hash != r.sim.trace_hash || again.sim.choices != r.sim.choices) {
      v.failures.push_back(absl::StrFormat(
          "nondeterministic: two runs of seed %d differ (trace hashes %016x and %016x); `seedloop run` with "
          "--trace twice and `seedloop diff` shows where",
          options.seed, r.sim.trace_hash, again.sim.trace_hash));
    }
  }
  return v;
}

uint64_t default_run_choices(const Scenario& scenario, sim::Mode mode) {
  RunOptions o;
  o.mode = mode;
  o.replay = std::vector<sim::Choice>();
  o.replay_mode = sim::Tape::Replay::kLenient;
  o.trace = sim::TraceLevel::kHashOnly;
  o.quiet = true;
  return std::max<uint64_t>(1, run_scenario(scenario, o).sim.choices.size());
}

SweepReport sweep(const Scenario& scenario, const SweepSpec& spec, const Progress& progress) {
  std::vector<uint64_t> seeds;
  for (uint64_t i = 0; i < spec.count; ++i) {
    if (i % spec.shard_total == spec.shard_index) seeds.push_back(spec.first_seed + i);
  }
  std::vector<Verdict> verdicts(seeds.size());
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  uint64_t done = 0;
  uint64_t failures = 0;
  const uint64_t horizon = spec.pct_depth > 0 ? default_run_choices(scenario, spec.mode) : 0;
  // Judges seed k; returns (seeds judged, failures) so far.
  auto judge_one = [&](size_t k) {
    RunOptions o;
    o.seed = seeds[k];
    o.mode = spec.mode;
    o.pct_depth = spec.pct_depth;
    o.pct_horizon = horizon;
    o.detect_real_threads = false;  // counted once around the sweep, below
    Verdict v = judge(scenario, o, spec.check_determinism, spec.strict_outcome);
    absl::MutexLock lock(&mu);
    ++done;
    if (v.failed()) ++failures;
    verdicts[k] = std::move(v);
    return std::make_pair(done, failures);
  };
  // A scenario cannot start real threads, but a bug in the harness could:
  // the process's thread count is compared around the whole sweep (a
  // listing of /proc per run would cost more than a run). Only with one
  // job: a worker thread just joined may still be listed for a moment.
  const int threads_before = spec.jobs <= 1 ? sim::process_thread_count() : -1;
  std::vector<std::thread> threads;
  for (int j = 1; j < std::max(1, spec.jobs); ++j) {
    threads.emplace_back([&] {
      for (size_t k = next++; k < seeds.size(); k = next++) judge_one(k);
    });
  }
  // The calling thread works too, and reports progress between its seeds.
  for (size_t k = next++; k < seeds.size(); k = next++) {
    auto [d, f] = judge_one(k);
    if (progress) progress(d, seeds.size(), f);
  }
  for (std::thread& t : threads) t.join();
  if (progress) progress(seeds.size(), seeds.size(), failures);
  SweepReport report;
  report.runs = seeds.size();
  const int threads_after = threads_before >= 0 ? sim::process_thread_count() : -1;
  if (threads_before >= 0 && threads_after > threads_before) {
    report.status = absl::InternalError(absl::StrFormat(
        "the process had %d threads before the sweep and %d after: something started real threads", threads_before,
        threads_after));
  }
  for (Verdict& v : verdicts) {
    if (!v.failed()) continue;
    ++report.failures;
    if (report.input_error.ok() && !v.input_error.ok()) report.input_error = v.input_error;
    if (report.failing.size() < spec.max_failures_kept) report.failing.push_back(std::move(v));
  }
  return report;
}

absl::StatusOr<Shrunk> shrink(const Scenario& scenario, const RunOptions& failing, int max_runs) {
  Verdict original = judge(scenario, failing, /*check_determinism=*/false);
  if (!original.input_error.ok()) return original.input_error;
  if (!original.failed()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "shrink: the given run does not fail (outcome: %s); nothing to shrink", original.outcome));
  }
  Shrunk out;
  out.before = original.choices.size();
  int runs = 1;
  auto lenient = [&](const std::vector<sim::Choice>& candidate) {
    RunOptions o = failing;
    o.replay = candidate;
    o.replay_mode = sim::Tape::Replay::kLenient;
    ++runs;
    return judge(scenario, o, false);
  };
  sim::ShrinkResult shrunk =
      sim::shrink(original.choices, [&](const std::vector<sim::Choice>& c) { return lenient(c).failed(); }, max_runs);
  // The lenient run's own record replays strictly.
  Verdict normalizing = lenient(shrunk.choices);
  RunOptions strict = failing;
  strict.replay = normalizing.choices;
  strict.replay_mode = sim::Tape::Replay::kStrict;
  out.verdict = judge(scenario, strict, false);
  ++runs;
  if (!out.verdict.failed()) {
    return absl::InternalError("shrink: the shrunk tape no longer fails when replayed strictly");
  }
  out.tape = normalizing.choices;
  out.after = out.tape.size();
  while (out.after > 0 && out.tape[out.after - 1].value == 0) --out.after;
  out.runs = runs;
  return out;
}

}  // namespace seedloop::scenarios
