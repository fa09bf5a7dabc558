// fuzz-cancel: a scenario with a cancellation injected at each suspension
// point (or at random ones), its invariants checked on every run, and the
// points an injection reached.

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "scenarios/fuzz_cancel.h"
#include "tools/cli/cli.h"

namespace seedloop::cli {

namespace {

constexpr size_t kFailuresShown = 5;

}  // namespace

int verb_fuzz_cancel(const Args& args) {
  if (args.size() != 1) return usage_error("fuzz-cancel takes one scenario file");
  absl::StatusOr<sim::Mode> mode = mode_flag();
  if (!mode.ok()) return usage_error(std::string(mode.status().message()));
  const int64_t random = absl::GetFlag(FLAGS_random);
  const int one_in = absl::GetFlag(FLAGS_one_in);
  if (random < 0 || random > 1'000'000) return usage_error("--random must be in [0, 1000000]");
  if (one_in < 1 || one_in > 1'000'000) return usage_error("--one_in must be in [1, 1000000]");
  absl::StatusOr<scenarios::Scenario> s = scenarios::load_scenario(user_path(args[0]));
  if (!s.ok()) return input_error(s.status());
  scenarios::RunOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.mode = *mode;
  const bool expire = absl::GetFlag(FLAGS_expire_timeouts);
  if (expire) options.inject.action = scenarios::CancelInjection::Action::kExpireTimeout;
  const char* what = expire ? "given an expired timeout" : "cancelled";
  const char* rerun_flag = expire ? " --expire_timeouts" : "";
  scenarios::FuzzCancelSpec spec;
  spec.random_runs = static_cast<uint64_t>(random);
  spec.one_in = static_cast<uint32_t>(one_in);
  scenarios::FuzzCancelReport report = scenarios::fuzz_cancel(*s, options, spec);
  if (!report.input_error.ok()) return input_error(report.input_error);
  if (random == 0) {
    std::printf("fuzz-cancel %s: %llu suspension points, each %s in its own run (%s mode, seed %llu)\n",
                s->name.c_str(), static_cast<unsigned long long>(report.points), what, sim::mode_name(*mode),
                static_cast<unsigned long long>(options.seed));
  } else {
    std::printf("fuzz-cancel %s: %lld runs, each point %s with probability 1/%d (%s mode)\n",
                s->name.c_str(), static_cast<long long>(random), what, one_in, sim::mode_name(*mode));
  }
  for (size_t i = 0; i < report.failures.size() && i < kFailuresShown; ++i) {
    const scenarios::FuzzCancelFailure& f = report.failures[i];
    std::printf("FAIL %s\n", f.injection.c_str());
    for (const std::string& w : f.where) std::printf("  %s at %s\n", expire ? "timeout expired" : "cancelled", w.c_str());
    for (const std::string& why : f.failures) std::printf("  %s\n", why.c_str());
    if (random == 0) {
      std::printf("  rerun: bazel run //tools:seedloop -- run %s --seed %llu%s --cancel_at %s%s\n", s->path.c_str(),
                  static_cast<unsigned long long>(f.seed), *mode == sim::Mode::kChaos ? " --mode chaos" : "",
                  f.injection.substr(6).c_str(), rerun_flag);
    } else {
      std::printf("  rerun: bazel run //tools:seedloop -- run %s --seed %llu%s --cancel_one_in %d%s\n",
                  s->path.c_str(), static_cast<unsigned long long>(f.seed),
                  *mode == sim::Mode::kChaos ? " --mode chaos" : "", one_in, rerun_flag);
    }
  }
  if (report.failures.size() > kFailuresShown) {
    std::printf("  ... %zu more failing runs\n", report.failures.size() - kFailuresShown);
  }
  for (const std::string& point : report.seen) {
    if (report.reached.contains(point)) continue;
    std::printf("%s: %s\n", report.not_applicable.contains(point) ? "not applicable (no timeout)" : "not reached",
                point.c_str());
  }
  std::printf("fuzz-cancel: %zu of %zu suspension points reached by an injection; %zu of %llu runs failed\n",
              report.reached.size(), report.seen.size(), report.failures.size(),
              static_cast<unsigned long long>(report.runs));
  return report.failures.empty() ? kOk : kFailed;
}

}  // namespace seedloop::cli
