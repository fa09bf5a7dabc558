// libFuzzer over schedules: coverage-guided search for a tape that breaks a
// scenario's invariants.
//
//   SEEDLOOP_FUZZ_SCENARIOS=scenarios/corpus:scenarios/demo ./schedule_fuzzer CORPUS_DIR
//   (tools/fuzz/run_schedule_fuzz.sh builds and runs it)
//
// An input is a scenario and a tape: its first byte picks the scenario
// (modulo how many there are, in path order), every other byte is one
// choice's value, taken modulo the choice's bound, in a lenient replay (a
// tape that runs out reads 0: the default schedule). So libFuzzer's
// coverage feedback, through the loop's and the simulator's branches,
// steers which schedules are tried. Chaos mode unless
// SEEDLOOP_FUZZ_MODE=faithful.
//
// A run whose invariants break (scenarios/interpreter.h check_invariants:
// final_state, never, ends_by, no deadlock, no budget exhausted) prints the
// scenario, the failures and a tape file that `seedloop replay` replays
// strictly, then aborts: libFuzzer keeps the input as a crash.
//
// With SEEDLOOP_FUZZ_SEED_DIR set, initialization writes the first few
// seeds' tapes of every scenario there as inputs (the seed corpus).

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "scenarios/interpreter.h"
#include "scenarios/scenario.h"

namespace {

using seedloop::scenarios::Scenario;

std::vector<Scenario>* g_scenarios = nullptr;
seedloop::sim::Mode g_mode = seedloop::sim::Mode::kChaos;

seedloop::scenarios::RunOptions options_for(std::vector<seedloop::sim::Choice> tape) {
  seedloop::scenarios::RunOptions o;
  o.mode = g_mode;
  o.replay = std::move(tape);
  o.replay_mode = seedloop::sim::Tape::Replay::kLenient;
  o.trace = seedloop::sim::TraceLevel::kHashOnly;
  o.quiet = true;
  o.detect_real_threads = false;
  return o;
}

// The first seeds' tapes of each scenario, as inputs.
void write_seed_inputs(const std::string& dir) {
  for (size_t i = 0; i < g_scenarios->size() && i < 256; ++i) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      seedloop::scenarios::RunOptions o = options_for({});
      o.replay.reset();
      o.seed = seed;
      seedloop::scenarios::RunResult r = seedloop::scenarios::run_scenario((*g_scenarios)[i], o);
      std::string bytes(1, static_cast<char>(i));
      for (const seedloop::sim::Choice& c : r.sim.choices) bytes.push_back(static_cast<char>(c.value & 0xff));
      std::ofstream(dir + "/" + (*g_scenarios)[i].name + "-seed" + std::to_string(seed), std::ios::binary) << bytes;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* list = std::getenv("SEEDLOOP_FUZZ_SCENARIOS");
  std::vector<std::string> paths = absl::StrSplit(list != nullptr ? list : "scenarios/demo", ':', absl::SkipEmpty());
  absl::StatusOr<std::vector<std::string>> files = seedloop::scenarios::scenario_files(paths);
  if (!files.ok()) {
    std::fprintf(stderr, "%s\n", std::string(files.status().message()).c_str());
    std::exit(2);
  }
  g_scenarios = new std::vector<Scenario>();
  for (const std::string& f : *files) {
    absl::StatusOr<Scenario> s = seedloop::scenarios::load_scenario(f);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
      std::exit(2);
    }
    g_scenarios->push_back(*std::move(s));
  }
  if (g_scenarios->empty()) {
    std::fprintf(stderr, "schedule_fuzzer: no scenarios in SEEDLOOP_FUZZ_SCENARIOS\n");
    std::exit(2);
  }
  if (const char* mode = std::getenv("SEEDLOOP_FUZZ_MODE"); mode != nullptr && std::string(mode) == "faithful") {
    g_mode = seedloop::sim::Mode::kFaithful;
  }
  if (const char* dir = std::getenv("SEEDLOOP_FUZZ_SEED_DIR"); dir != nullptr && *dir) write_seed_inputs(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Scenario& scenario = (*g_scenarios)[data[0] % g_scenarios->size()];
  std::vector<seedloop::sim::Choice> tape;
  for (size_t i = 1; i < size; ++i) tape.push_back({seedloop::sim::ChoiceKind::kCallbackCost, 256, data[i]});
  seedloop::scenarios::RunResult r = seedloop::scenarios::run_scenario(scenario, options_for(std::move(tape)));
  if (!r.input_error.ok()) return 0;
  const std::vector<std::string> failures = seedloop::scenarios::check_invariants(scenario, r);
  if (failures.empty()) return 0;
  // The run's own choices replay strictly: the tape file seedloop reads.
  nlohmann::json j = nlohmann::json::parse(seedloop::sim::to_json(r.sim.choices, std::nullopt));
  j["mode"] = seedloop::sim::mode_name(g_mode);
  j["scenario"] = scenario.name;
  const std::string tape_path = "schedule-failure-" + scenario.name + ".json";
  std::ofstream(tape_path) << j.dump() << "\n";
  std::fprintf(stderr, "\nschedule_fuzzer: %s (%s) breaks its invariants:\n", scenario.name.c_str(),
               scenario.path.c_str());
  for (const std::string& f : failures) std::fprintf(stderr, "  %s\n", f.c_str());
  std::fprintf(stderr, "  tape: %s\n  replay: bazel run //tools:seedloop -- replay --tape $PWD/%s %s\n",
               tape_path.c_str(), tape_path.c_str(), scenario.path.c_str());
  std::abort();
}
