#include "scenarios/fuzz_cancel.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace seedloop::scenarios {

namespace {

// Runs once with `options` and records what it saw, injected and broke.
void judge_run(const Scenario& scenario, const RunOptions& options, std::string injection,
               FuzzCancelReport* report) {
  RunOptions o = options;
  o.trace = sim::TraceLevel::kHashOnly;
  o.quiet = true;
  RunResult r = run_scenario(scenario, o);
  ++report->runs;
  if (!r.input_error.ok()) {
    if (report->input_error.ok()) report->input_error = r.input_error;
    return;
  }
  report->seen.insert(r.points.begin(), r.points.end());
  report->reached.insert(r.injected.begin(), r.injected.end());
  report->not_applicable.insert(r.not_applicable.begin(), r.not_applicable.end());
  std::vector<std::string> failures = check_invariants(scenario, r);
  if (failures.empty()) return;
  FuzzCancelFailure f;
  f.injection = std::move(injection);
  f.where = r.injected;
  f.failures = std::move(failures);
  f.tape = r.sim.choices;
  f.seed = options.seed;
  report->failures.push_back(std::move(f));
}

// A point not applicable in one run but reached in another was reached.
void drop_reached(FuzzCancelReport* report) {
  for (const std::string& p : report->reached) report->not_applicable.erase(p);
}

}  // namespace

FuzzCancelReport fuzz_cancel(const Scenario& scenario, const RunOptions& options, const FuzzCancelSpec& spec) {
  FuzzCancelReport report;
  if (spec.random_runs > 0) {
    for (uint64_t i = 0; i < spec.random_runs && report.input_error.ok(); ++i) {
      RunOptions o = options;
      o.seed = options.seed + i;
      o.inject.mode = CancelInjection::Mode::kRandom;
      o.inject.one_in = spec.one_in;
      judge_run(scenario, o, absl::StrCat("seed ", o.seed), &report);
    }
    drop_reached(&report);
    return report;
  }
  // Counting run: a point that is never reached cannot be cancelled.
  RunOptions count = options;
  count.inject.mode = CancelInjection::Mode::kAt;
  count.inject.at = UINT64_MAX;
  count.trace = sim::TraceLevel::kHashOnly;
  count.quiet = true;
  RunResult first = run_scenario(scenario, count);
  ++report.runs;
  if (!first.input_error.ok()) {
    report.input_error = first.input_error;
    return report;
  }
  report.points = first.points.size();
  report.seen.insert(first.points.begin(), first.points.end());
  for (uint64_t k = 0; k < report.points && k < spec.max_points && report.input_error.ok(); ++k) {
    RunOptions o = options;
    o.inject.mode = CancelInjection::Mode::kAt;
    o.inject.at = k;
    judge_run(scenario, o, absl::StrCat("point ", k), &report);
  }
  drop_reached(&report);
  return report;
}

}  // namespace seedloop::scenarios
