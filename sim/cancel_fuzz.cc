#include "sim/cancel_fuzz.h"

#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "loop/aio/run.h"
#include "loop/aio/timeout.h"
#include "loop/context.h"
#include "loop/errors.h"
#include "loop/task.h"
#include "sim/world.h"

namespace seedloop::sim {

namespace {

// Where a run injects: nowhere (counting), at one point, or at random.
struct Plan {
  enum class Mode { kNone, kAt, kRandom };
  Mode mode = Mode::kNone;
  uint64_t at = 0;
  uint32_t one_in = 8;
};

std::string point_name(const TaskBase& task) {
  std::vector<AwaitSite> stack = task.await_stack();
  if (stack.empty()) return "<no await site>";
  std::vector<std::string> sites;
  for (const AwaitSite& loc : stack) {
    std::string_view file = loc.file_name();
    if (file.substr(0, 2) == "./") file.remove_prefix(2);
    sites.push_back(absl::StrCat(std::string(file), ":", loc.line()));
  }
  return absl::StrJoin(sites, " > ");
}

// The loop's observer during a run: forwards everything to the World and
// injects at the suspension points the plan names.
class Injector : public LoopObserver {
 public:
  Injector(Plan plan, Injection injection) : plan_(plan), injection_(injection) {}

  void attach(EventLoop& loop) {
    inner_ = loop.observer();
    world_ = world_of(loop);
    loop.set_observer(this);
  }

  void on_event(const LoopEvent& event) override { inner_->on_event(event); }
  size_t pick(UnorderedSet set, size_t n) override { return inner_->pick(set, n); }

  void on_task_suspended(TaskBase& task) override {
    inner_->on_task_suspended(task);
    const uint64_t index = points.size();
    points.push_back(point_name(task));
    if (!due(index)) return;
    if (injection_ == Injection::kCancel) {
      task.cancel();
      injected.push_back(points.back());
    } else if (expire_innermost_timeout(task)) {
      injected.push_back(points.back());
    } else {
      not_applicable.push_back(points.back());
    }
  }

  std::vector<std::string> points;
  std::vector<std::string> injected;
  std::vector<std::string> not_applicable;

 private:
  bool due(uint64_t index) {
    switch (plan_.mode) {
      case Plan::Mode::kNone:
        return false;
      case Plan::Mode::kAt:
        return index == plan_.at;
      case Plan::Mode::kRandom:
        return world_ != nullptr && world_->choose_injection(std::max<uint32_t>(1, plan_.one_in)) == 0;
    }
    return false;
  }

  const Plan plan_;
  const Injection injection_;
  LoopObserver* inner_ = nullptr;
  World* world_ = nullptr;
};

struct RunRecord {
  Outcome outcome;
  std::vector<std::string> points;
  std::vector<std::string> injected;
  std::vector<std::string> not_applicable;
  std::vector<std::string> failures;
};

bool is_timeout_error(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const TimeoutError&) {
    return true;
  } catch (...) {
    return false;
  }
}

// The exception main may end with in a run that injected.
bool expected_exception(Injection injection, const std::exception_ptr& e) {
  return injection == Injection::kCancel ? is_cancelled_error(e) : is_timeout_error(e);
}

// asyncio.run(program()) on a simulated loop, with `injector` watching.
RunRecord run_once(const Program& program, const CancelFuzzSpec& spec, const SimulationOptions& options,
                   Plan plan) {
  Injector injector(plan, spec.injection);
  std::vector<std::string> handled;
  RunRecord r;
  r.outcome = Simulation(options).run_driver([&](EventLoop& loop) {
    injector.attach(loop);
    loop.set_exception_handler([&handled](EventLoop&, const ExceptionContext& context) {
      std::string line = absl::StrCat("exception handler: ", context.message);
      if (context.exception) absl::StrAppend(&line, " (", describe_exception(context.exception), ")");
      handled.push_back(std::move(line));
    });
    Task<void> task = loop.create_task(program(), "", copy_context());
    std::exception_ptr raised;
    try {
      loop.run_until_complete(static_cast<const Future<void>&>(task));
    } catch (const SimulationStop&) {
      throw;
    } catch (const SimulationQuiescent&) {
      throw;
    } catch (...) {
      raised = std::current_exception();
      if (!task.done()) throw;
    }
    // Runner.close's shutdown runs however main ended, as in asyncio.run.
    internal::runner_shutdown(loop);
    if (raised) std::rethrow_exception(raised);
  });
  r.points = std::move(injector.points);
  r.injected = std::move(injector.injected);
  r.not_applicable = std::move(injector.not_applicable);
  if (!r.outcome.status.ok()) r.failures.push_back(absl::StrCat("simulation: ", r.outcome.status.ToString()));
  if (r.outcome.exception &&
      !(!r.injected.empty() && expected_exception(spec.injection, r.outcome.exception))) {
    r.failures.push_back(absl::StrCat("main raised ", describe_exception(r.outcome.exception)));
  }
  r.failures.insert(r.failures.end(), handled.begin(), handled.end());
  if (spec.check) {
    absl::Status checked = spec.check();
    if (!checked.ok()) r.failures.push_back(absl::StrCat("check: ", checked.ToString()));
  }
  return r;
}

void judge(RunRecord r, std::string injection, uint64_t seed, CancelFuzzReport* report) {
  ++report->runs;
  report->seen.insert(r.points.begin(), r.points.end());
  report->reached.insert(r.injected.begin(), r.injected.end());
  report->not_applicable.insert(r.not_applicable.begin(), r.not_applicable.end());
  if (r.failures.empty()) return;
  CancelFuzzFailure f;
  f.injection = std::move(injection);
  f.where = std::move(r.injected);
  f.failures = std::move(r.failures);
  f.tape = std::move(r.outcome.choices);
  f.seed = seed;
  report->failures.push_back(std::move(f));
}

}  // namespace

CancelFuzzReport fuzz_cancel(const Program& program, const CancelFuzzSpec& spec) {
  CancelFuzzReport report;
  SimulationOptions options = spec.options;
  options.trace = TraceLevel::kHashOnly;
  if (spec.random_runs > 0) {
    for (uint64_t i = 0; i < spec.random_runs; ++i) {
      SimulationOptions o = options;
      o.seed = options.seed + i;
      Plan plan{Plan::Mode::kRandom, 0, spec.one_in};
      judge(run_once(program, spec, o, plan), absl::StrCat("seed ", o.seed), o.seed, &report);
    }
  } else {
    // The counting run: it must pass too, and fixes the number of points.
    RunRecord first = run_once(program, spec, options, Plan{});
    report.points = first.points.size();
    judge(std::move(first), "no injection", options.seed, &report);
    for (uint64_t k = 0; k < report.points && k < spec.max_points; ++k) {
      Plan plan{Plan::Mode::kAt, k, 0};
      judge(run_once(program, spec, options, plan), absl::StrCat("point ", k), options.seed, &report);
    }
  }
  for (const std::string& p : report.reached) report.not_applicable.erase(p);
  return report;
}

std::string coverage_summary(const CancelFuzzReport& report) {
  std::string out = absl::StrCat("suspension points reached: ", report.reached.size(), " of ", report.seen.size(), "\n");
  for (const std::string& p : report.seen) {
    if (report.reached.contains(p)) continue;
    const char* why = report.not_applicable.contains(p) ? "not applicable (no timeout)" : "not reached";
    absl::StrAppend(&out, "  ", why, ": ", p, "\n");
  }
  return out;
}

std::string describe(const CancelFuzzReport& report) {
  std::string out;
  for (const CancelFuzzFailure& f : report.failures) {
    absl::StrAppend(&out, f.injection, " (seed ", f.seed, ")\n");
    for (const std::string& w : f.where) absl::StrAppend(&out, "  injected at ", w, "\n");
    for (const std::string& line : f.failures) absl::StrAppend(&out, "  ", line, "\n");
  }
  return out;
}

}  // namespace seedloop::sim
