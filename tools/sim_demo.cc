// The simulator demo: a bug that CPython's ordering hides, found in chaos
// mode, shrunk, saved and replayed.
//
// A client waits for a server with wait_for(reply, 10 ms) and the server
// answers after exactly 10 ms. On asyncio the reply always wins (the server's
// timer was scheduled first, and equal deadlines pop in heap order); code
// that relies on that is one scheduling change away from a timeout.
//
//   bazel run //tools:sim_demo                       # sweep, shrink, save
//   bazel run //tools:sim_demo -- --replay=FILE [--trace=OUT.jsonl]
//
// Exit codes: 0 the demo ran (the bug was found, or a replay ran); 1 the
// sweep did not find the bug; 2 bad input.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "sim/explore.h"
#include "sim/simulation.h"
#include "sim/testing/timeout_race.h"

ABSL_FLAG(std::string, replay, "", "replay this tape file (strictly) instead of sweeping");
ABSL_FLAG(std::string, trace, "", "with --replay: write the run's trace here (JSON lines)");
ABSL_FLAG(uint64_t, seeds, 200, "seeds to sweep in each mode");

namespace seedloop {
namespace {

sim::Program program() { return sim::timeout_race(); }

bool fails(const sim::Outcome& out) { return !out.ok(); }

int replay(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "sim_demo: %s: cannot open\n", path.c_str());
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<sim::Tape> tape = sim::tape_from_json(text.str(), path);
  if (!tape.ok()) {
    std::fprintf(stderr, "sim_demo: %s\n", std::string(tape.status().message()).c_str());
    return 2;
  }
  sim::SimulationOptions options;
  options.mode = sim::Mode::kChaos;
  options.replay = tape->recorded();
  sim::Outcome out = sim::Simulation(options).run(program());
  std::printf("replayed %zu choices: %s (virtual time %.3f ms, trace hash %016llx)\n", out.choices.size(),
              out.describe().c_str(), static_cast<double>(out.end_ns) / 1e6,
              static_cast<unsigned long long>(out.trace_hash));
  if (const std::string trace_path = absl::GetFlag(FLAGS_trace); !trace_path.empty()) {
    std::ofstream trace_out(trace_path);
    trace_out << out.trace.to_jsonl();
    std::printf("trace: %s (%zu events; open it with: bazel run //tools:seedloop -- export --format=perfetto %s "
                "--out=$PWD/trace.json)\n",
                trace_path.c_str(), out.trace.size(), trace_path.c_str());
  }
  return 0;
}

int sweep_and_shrink() {
  const uint64_t seeds = absl::GetFlag(FLAGS_seeds);
  std::printf("A client waits for a server with wait_for(reply, 10 ms); the server answers after exactly 10 ms.\n\n");
  sim::SweepOptions sweep;
  sweep.count = seeds;
  sweep.stop_at_first_failure = false;
  sim::SimulationOptions faithful;
  sim::SweepResult f = sim::sweep(sweep, faithful, program(), fails);
  std::printf("faithful mode (CPython's order):  %llu seeds, %zu failures\n",
              static_cast<unsigned long long>(f.runs), f.failing_seeds.size());
  sim::SimulationOptions chaos;
  chaos.mode = sim::Mode::kChaos;
  sim::SweepResult c = sim::sweep(sweep, chaos, program(), fails);
  std::printf("chaos mode (what asyncio leaves free): %llu seeds, %zu failures\n",
              static_cast<unsigned long long>(c.runs), c.failing_seeds.size());
  if (!c.first_failure) {
    std::printf("the sweep did not find the bug\n");
    return 1;
  }
  std::printf("first failing seed: %llu: %s\n\n", static_cast<unsigned long long>(c.first_failure->seed),
              c.first_failure->outcome.describe().c_str());
  absl::StatusOr<sim::ShrinkReport> shrunk = sim::shrink_failure(c.first_failure->options, program(), fails);
  if (!shrunk.ok()) {
    std::fprintf(stderr, "sim_demo: %s\n", std::string(shrunk.status().message()).c_str());
    return 1;
  }
  std::printf("%s; the choices that matter:\n", shrunk->summary.c_str());
  for (const sim::Choice& choice : shrunk->choices) {
    std::printf("  %-18s %llu of [0, %llu)\n", sim::choice_kind_name(choice.kind),
                static_cast<unsigned long long>(choice.value), static_cast<unsigned long long>(choice.bound));
  }
  absl::StatusOr<sim::SavedFailure> saved = sim::save_failure(shrunk->normalized, c.first_failure->seed, "sim_demo");
  if (!saved.ok()) {
    std::fprintf(stderr, "sim_demo: %s\n", std::string(saved.status().message()).c_str());
    return 1;
  }
  std::printf("\ntape file: %s\nreplay it: bazel run //tools:sim_demo -- --replay=%s --trace=/tmp/sim_demo.jsonl\n",
              saved->path.c_str(), saved->path.c_str());
  return 0;
}

}  // namespace
}  // namespace seedloop

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (const std::string path = absl::GetFlag(FLAGS_replay); !path.empty()) return seedloop::replay(path);
  return seedloop::sweep_and_shrink();
}
