// Random async programs (issue 7): rapidcheck draws a program (program.h,
// program_gen.h) and a seed, runs it on the simulator, and checks every
// invariant (program_checks.h, sim/invariants.h). A failure shrinks to a
// minimal program and seed, written as a scenario file with the command
// that replays it (README.md).

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "scenarios/interpreter.h"
#include "scenarios/scenario.h"
#include "sim/trace.h"
#include "tests/programs/program.h"
#include "tests/programs/program_checks.h"
#include "tests/programs/program_gen.h"

namespace seedloop::programs {
namespace {

std::string current_test_name() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info == nullptr ? "random_program" : absl::StrCat(info->test_suite_name(), ".", info->name());
}

// Writes the program where Bazel keeps a test's outputs (else /tmp) and
// returns the path. Each failing evaluation rewrites the same file, so the
// last one, rapidcheck's minimal case, is what stays (sim/rc.h explains why).
std::string save(const Rendered& program) {
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", current_test_name(), ".json");
  std::ofstream(path) << program.doc.dump(2) << "\n";
  return path;
}

// The scenario the program renders to; a program that does not validate is
// a bug of the generator, and fails the property as such.
scenarios::Scenario parse(const Rendered& program) {
  absl::StatusOr<scenarios::Scenario> s = scenarios::parse_scenario(program.doc.dump(2), "random_program.json");
  if (!s.ok()) {
    RC_FAIL(absl::StrCat("generator bug: the program does not validate: ", s.status().message(), "\n",
                         program.doc.dump(2)));
  }
  return *s;
}

scenarios::RunResult run(const scenarios::Scenario& s, uint64_t seed, sim::Mode mode) {
  scenarios::RunOptions options;
  options.seed = seed;
  options.mode = mode;
  options.quiet = true;
  options.detect_real_threads = false;  // the test's threads are rapidcheck's business
  return scenarios::run_scenario(s, options);
}

// Fails the case with the broken invariants, the saved file and the
// command that replays it.
void fail(const Rendered& program, uint64_t seed, sim::Mode mode, const std::vector<std::string>& broken,
          const scenarios::RunResult& r) {
  const std::string path = save(program);
  std::vector<std::string> events;
  for (const scenarios::ScenarioEvent& e : r.events) events.push_back(e.line());
  RC_FAIL(absl::StrCat(absl::StrJoin(broken, "\n"), "\noutcome: ", r.outcome, "\nevents:\n  ",
                       absl::StrJoin(events, "\n  "), "\nprogram: ", path,
                       "\nreplay: bazel run //tools:seedloop -- run ", path, " --seed ", seed, " --mode ",
                       sim::mode_name(mode)));
}

void check_program(const Program& p, uint64_t seed, sim::Mode mode) {
  const Rendered program = render(p);
  const scenarios::Scenario s = parse(program);
  const scenarios::RunResult r = run(s, seed, mode);
  const std::vector<std::string> broken = check_run(s, r);
  if (!broken.empty()) fail(program, seed, mode, broken, r);
}

std::tuple<Program, uint32_t> draw() { return *rc::gen::tuple(gen_program(), rc::gen::arbitrary<uint32_t>()); }

RC_GTEST_PROP(RandomPrograms, KeepEveryInvariantInChaosMode, ()) {
  const auto [program, seed] = draw();
  check_program(program, seed, sim::Mode::kChaos);
}

RC_GTEST_PROP(RandomPrograms, KeepEveryInvariantInFaithfulMode, ()) {
  const auto [program, seed] = draw();
  check_program(program, seed, sim::Mode::kFaithful);
}

RC_GTEST_PROP(RandomPrograms, ReplayToTheSameTraceHashFromTheirTape, ()) {
  const auto [p, seed] = draw();
  const Rendered program = render(p);
  const scenarios::Scenario s = parse(program);
  const scenarios::RunResult first = run(s, seed, sim::Mode::kChaos);
  scenarios::RunOptions options;
  options.mode = sim::Mode::kChaos;
  options.quiet = true;
  options.detect_real_threads = false;
  options.replay = first.sim.choices;  // strict: every choice must fit
  const scenarios::RunResult replayed = scenarios::run_scenario(s, options);
  if (replayed.sim.trace_hash != first.sim.trace_hash || !replayed.input_error.ok()) {
    const std::optional<size_t> at = sim::first_divergence(first.sim.trace, replayed.sim.trace);
    fail(program, seed, sim::Mode::kChaos,
         {absl::StrCat("determinism: the tape's replay has another trace hash (",
                       replayed.sim.status.message(), "); first run ",
                       at ? sim::describe_event(first.sim.trace, *at) : "", ", replay ",
                       at ? sim::describe_event(replayed.sim.trace, *at) : "")},
         replayed);
  }
}

TEST(RandomPrograms, EveryRenderedProgramValidatesAtEverySize) {
  // The generator's own contract, on plain sizes: a failure here is a
  // generator bug, not a loop bug.
  const rc::Gen<Program> gen = gen_program();
  for (int size : {0, 10, 50, 100}) {
    for (uint64_t seed = 0; seed < 50; ++seed) {
      const Program p = gen(rc::Random(seed), size).value();
      const Rendered r = render(p);
      absl::StatusOr<scenarios::Scenario> s = scenarios::parse_scenario(r.doc.dump(2), "random_program.json");
      ASSERT_TRUE(s.ok()) << s.status() << "\n" << r.doc.dump(2);
    }
  }
}

}  // namespace
}  // namespace seedloop::programs
