#include "scenarios/interpreter.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "loop/exception_context.h"
#include "loop/policy.h"
#include "scenarios/internal/interp.h"
#include "scenarios/text.h"

namespace seedloop::scenarios {

namespace internal {

void Interp::restore_default_handler() {
  if (quiet_) {
    loop_->set_exception_handler([](EventLoop&, const ExceptionContext&) {});
  } else {
    loop_->set_exception_handler(nullptr);
  }
}

Coro<void> Interp::main_coro() {
  loop_ = get_running_loop();
  restore_default_handler();
  make_objects();
  const std::string main = sc_.doc["main"].get<std::string>();
  // asyncio.run's task runs under main's name (scenarios/README.md "Names").
  Coro<json> instance = body(main, main, Adopt::kRename);
  main_value = co_await std::move(instance);
}

void Interp::drive(EventLoop& loop) {
  loop_ = loop.shared_from_this();
  restore_default_handler();
  make_objects();
  Frame f;
  f.actor = "driver";
  const Loc root;
  const Loc driver = root.child("driver");
  run_now(run_steps(sc_.doc["driver"], f, driver));
}

}  // namespace internal

namespace {

// README "outcome".
std::string outcome_of(const RunResult& r, const std::optional<nlohmann::json>& main_value) {
  if (!r.input_error.ok()) return "bad input";
  const absl::Status& status = r.sim.status;
  if (!status.ok()) {
    if (status.code() == absl::StatusCode::kResourceExhausted) {
      for (const char* budget : {"max_steps", "max_polls"}) {
        if (absl::StrContains(status.message(), budget)) return absl::StrCat("budget ", budget);
      }
      if (absl::StrContains(status.message(), "max_virtual")) return "budget max_virtual_seconds";
    }
    if (absl::StartsWith(status.message(), "deadlock")) return "deadlock";
    return absl::StrCat("error ", status.message());
  }
  if (r.sim.exception) return absl::StrCat("raise ", exception_text(r.sim.exception));
  return absl::StrCat("return ", value_text(main_value.value_or(nullptr)));
}

}  // namespace

std::string ScenarioEvent::line() const { return absl::StrCat(format_time(t_ns), " ", text); }

sim::SimulationOptions simulation_options(const Scenario& scenario, const RunOptions& options) {
  sim::SimulationOptions o;
  o.seed = options.seed;
  o.mode = options.mode;
  o.pct_depth = options.pct_depth;
  o.pct_horizon = options.pct_horizon;
  o.trace = options.trace;
  o.replay = options.replay;
  o.replay_mode = options.replay_mode;
  if (options.canonical_world) {
    o.replay = std::vector<sim::Choice>();
    o.replay_mode = sim::Tape::Replay::kLenient;
  }
  o.budgets.max_steps = scenario.budgets.max_steps;
  o.budgets.max_virtual_ns = scenario.budgets.max_virtual_ns;
  o.budgets.max_polls = scenario.budgets.max_polls;
  o.executor_workers = scenario.world.executor_workers;
  o.executor_step_ns = scenario.world.executor_step_ns;
  o.executor_steps = scenario.world.executor_steps;
  o.threadsafe_max_delay = scenario.world.threadsafe_max_delay;
  o.detect_real_threads = options.detect_real_threads;
  return o;
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunResult r;
  auto interp = std::make_unique<internal::Interp>(scenario, options.quiet, options.inject);
  internal::Interp* in = interp.get();
  const sim::Simulation simulation(simulation_options(scenario, options));
  if (scenario.doc.contains("main")) {
    r.sim = simulation.run([in] { return in->main_coro(); });
  } else {
    r.sim = simulation.run_driver([in](EventLoop& loop) { in->drive(loop); });
  }
  r.events = std::move(in->events);
  r.points = std::move(in->points);
  r.injected = std::move(in->injected);
  r.not_applicable = std::move(in->not_applicable);
  r.input_error = in->error;
  r.outcome = outcome_of(r, in->main_value);
  for (const auto& [name, expected] : scenario.expect.final_state) r.final_state[name] = in->state_of(name);
  interp.reset();  // the objects, then the loop
  return r;
}

std::vector<std::string> check_expectations(const Scenario& scenario, const RunResult& r, sim::Mode mode,
                                            bool strict_outcome) {
  std::vector<std::string> failures;
  const Expectations& expect = scenario.expect;
  const bool faithful = mode == sim::Mode::kFaithful;
  if (faithful && expect.trace.has_value()) {
    const std::vector<std::string>& want = *expect.trace;
    const size_t n = std::min(want.size(), r.events.size());
    size_t i = 0;
    while (i < n && want[i] == r.events[i].line()) ++i;
    if (i < want.size() || i < r.events.size()) {
      failures.push_back(absl::StrFormat("expect.trace: event %d: expected \"%s\", got \"%s\"", i,
                                         i < want.size() ? want[i] : "(end of trace)",
                                         i < r.events.size() ? r.events[i].line() : "(end of trace)"));
    }
  }
  if (faithful && expect.fragments.has_value()) {
    size_t at = 0;
    for (size_t k = 0; k < expect.fragments->size(); ++k) {
      const std::string& want = (*expect.fragments)[k];
      while (at < r.events.size() && r.events[at].line() != want) ++at;
      if (at == r.events.size()) {
        failures.push_back(absl::StrFormat("expect.fragments[%d]: \"%s\" does not occur (in this order)", k, want));
        break;
      }
      ++at;
    }
  }
  const bool outcome_checked = expect.outcome.has_value() && (faithful || strict_outcome);
  if (outcome_checked && r.outcome != *expect.outcome) {
    failures.push_back(absl::StrFormat("expect.outcome: expected \"%s\", got \"%s\"", *expect.outcome, r.outcome));
  }
  std::vector<std::string> invariants = check_invariants(scenario, r);
  failures.insert(failures.end(), invariants.begin(), invariants.end());
  return failures;
}

std::vector<std::string> check_invariants(const Scenario& scenario, const RunResult& r) {
  std::vector<std::string> failures;
  const Expectations& expect = scenario.expect;
  // A run the harness had to stop is a finding unless it was the expected outcome.
  if (!r.sim.status.ok() && !(expect.outcome.has_value() && r.outcome == *expect.outcome)) {
    failures.push_back(absl::StrCat("run: ", r.outcome, " (", r.sim.status.message(), ")"));
  }
  for (const auto& [name, want] : expect.final_state) {
    auto it = r.final_state.find(name);
    const nlohmann::json got = it == r.final_state.end() ? nlohmann::json("undefined") : *it;
    if (got != want) {
      failures.push_back(absl::StrFormat("invariant final_state.%s: expected %s, got %s", name, value_text(want),
                                         value_text(got)));
    }
  }
  for (const std::string& fragment : expect.never) {
    for (const ScenarioEvent& e : r.events) {
      if (absl::StrContains(e.text, fragment)) {
        failures.push_back(absl::StrFormat("invariant never \"%s\": event \"%s\"", fragment, e.line()));
        break;
      }
    }
  }
  if (expect.ends_by_ns.has_value() && r.sim.end_ns > *expect.ends_by_ns) {
    failures.push_back(absl::StrFormat("invariant ends_by %s: the run ended at %s", format_time(*expect.ends_by_ns),
                                       format_time(r.sim.end_ns)));
  }
  return failures;
}

}  // namespace seedloop::scenarios
