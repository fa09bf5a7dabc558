// seedloop: the command line (scenarios/README.md, sim/README.md).
//
//   seedloop check PATH...                       validate scenario files
//   seedloop run SCENARIO [--seed N] [--mode M] [--tape OUT] [--trace OUT]
//   seedloop explore PATH... [--seeds N | --seed-range A:B] [--jobs J] [--shard I/N]
//                    [--mode M] [--out DIR] [--tag T]
//   seedloop replay --tape FILE SCENARIO [--mode M] [--trace OUT]
//   seedloop shrink --tape FILE SCENARIO [--mode M] [--out FILE]
//   seedloop conform PATH... [--oracle FILE] [--python BIN]
//   seedloop diff TRACE_A TRACE_B [--context N]
//   seedloop export --format perfetto TRACE --out FILE
//
// Exit codes: 0 all good; 1 a property failed or traces differ; 2 bad input
// or usage. `seedloop VERB --help` describes one verb.

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "tools/cli/cli.h"

ABSL_FLAG(int, context, 3, "diff, conform: events of context shown before the first difference");
ABSL_FLAG(std::string, format, "perfetto", "export: output format (perfetto: Chrome trace-event JSON)");
ABSL_FLAG(std::string, out, "", "export: the file to write; shrink: the shrunk tape's file; explore: the folder "
                                "for failing tapes (default $SEEDLOOP_TAPE_DIR, else /tmp/seedloop-tapes)");
ABSL_FLAG(uint64_t, seed, 1, "run: the seed");
ABSL_FLAG(std::string, mode, "", "run, explore: faithful (CPython's order, the default) or chaos; replay, shrink: "
                                 "the tape's own mode unless given");
ABSL_FLAG(std::string, tape, "", "run: where to write the run's tape; replay, shrink: the tape to read");
ABSL_FLAG(std::string, trace, "", "run, replay: where to write the trace (JSON lines)");
ABSL_FLAG(uint64_t, seeds, 100, "explore: seeds per scenario, from 1");
ABSL_FLAG(std::string, seed_range, "", "explore: seeds A:B (A inclusive, B exclusive) instead of --seeds");
ABSL_FLAG(int, jobs, 0, "explore: worker threads (0: one per core)");
ABSL_FLAG(std::string, shard, "", "explore: I/N visits only the seeds of shard I of N");
ABSL_FLAG(std::string, tag, "", "explore, conform, check: only scenarios with this tag");
ABSL_FLAG(bool, strict, false, "explore: check expect.outcome in chaos mode too");
ABSL_FLAG(bool, quiet, false, "run, replay: print the outcome only, not the events");
ABSL_FLAG(std::string, oracle, "", "conform: tools/asyncio_oracle.py (default: found next to the workspace)");
ABSL_FLAG(std::string, python, "python3", "conform: the Python interpreter that runs the oracle");
ABSL_FLAG(bool, all_rows, false, "explore: list every scenario in the summary table, not only the failing ones");
ABSL_FLAG(int64_t, random, 0, "fuzz-cancel: N runs with random injections instead of one run per suspension point");
ABSL_FLAG(int, one_in, 8, "fuzz-cancel --random: cancel at each suspension point with probability 1/N");
ABSL_FLAG(int64_t, cancel_at, -1, "run: cancel the task at its K-th suspension point (0-based), as fuzz-cancel did");
ABSL_FLAG(int, cancel_one_in, 0, "run: cancel at each suspension point with probability 1/N (tape-drawn), as "
                                 "fuzz-cancel --random did");
ABSL_FLAG(bool, expire_timeouts, false, "fuzz-cancel, run (with --cancel_at/--cancel_one_in): at each injection, "
                                       "expire the task's innermost timeout block instead of cancelling the task");
ABSL_FLAG(std::string, strategy, "random", "explore: random (every choice uniform) or pct (a few deviations from the "
                                          "default schedule, see --pct_depth)");
ABSL_FLAG(int, pct_depth, 3, "explore --strategy pct: deviations per run");
ABSL_FLAG(int, max_shrink_runs, 2000, "shrink, explore: most runs spent shrinking one failure");

namespace {

struct Verb {
  const char* name;
  int (*fn)(const seedloop::cli::Args&);
  const char* help;
};

constexpr Verb kVerbs[] = {
    {"check", seedloop::cli::verb_check,
     "seedloop check PATH... [--tag T]\n"
     "  Validates scenario files (a folder: its *.json files, recursively). Prints FILE:LINE: FIELD: problem\n"
     "  for each bad file. Exit 0 all valid, 2 otherwise."},
    {"run", seedloop::cli::verb_run,
     "seedloop run SCENARIO [--seed N] [--mode faithful|chaos] [--tape OUT] [--trace OUT] [--quiet]\n"
     "             [--cancel_at K | --cancel_one_in N] [--expire_timeouts]\n"
     "  One run: prints the scenario events (TIME TEXT), the outcome and what did not hold; writes the run's\n"
     "  tape (replayable) and trace where asked. Exit 0 when every expectation holds, 1 otherwise, 2 bad input."},
    {"explore", seedloop::cli::verb_explore,
     "seedloop explore PATH... [--seeds N | --seed-range A:B] [--jobs J] [--shard I/N] [--mode faithful|chaos]\n"
     "                 [--out DIR] [--tag T] [--strict] [--all_rows] [--strategy random|pct [--pct_depth D]]\n"
     "  Runs many seeds of each scenario (each seed twice: determinism is checked), shows progress, and ends\n"
     "  with a summary table. Each failing seed's tape is written to DIR with the command that replays it; the\n"
     "  first failure of each scenario is also shrunk. --strategy pct keeps the default schedule but for D\n"
     "  random deviations per run (PCT). Exit 0 none failed, 1 some failed, 2 bad input."},
    {"replay", seedloop::cli::verb_replay,
     "seedloop replay --tape FILE SCENARIO [--trace OUT] [--quiet]\n"
     "  Replays a tape strictly (the tape must fit the run exactly, in the mode the tape records) and judges\n"
     "  the run as `run` does.\n"
     "  Exit 0 passes, 1 fails (the failure reproduced), 2 bad input or a tape that does not fit."},
    {"shrink", seedloop::cli::verb_shrink,
     "seedloop shrink --tape FILE SCENARIO [--out FILE] [--max_shrink_runs N]\n"
     "  Shrinks a failing tape to a small one that still fails; writes it to --out (default: FILE with\n"
     "  .shrunk.json). The last line gives the sizes before and after. Exit 0 shrunk, 2 bad input or no failure."},
    {"conform", seedloop::cli::verb_conform,
     "seedloop conform PATH... [--oracle FILE] [--python BIN] [--tag T] [--context N]\n"
     "  Runs each scenario on CPython's asyncio (tools/asyncio_oracle.py) and on seedloop (faithful mode, the\n"
     "  canonical world) and compares their scenario events and outcomes. Exit 0 all equal, 1 some differ,\n"
     "  2 bad input."},
    {"fuzz-cancel", seedloop::cli::verb_fuzz_cancel,
     "seedloop fuzz-cancel SCENARIO [--random N [--one_in K]] [--seed S] [--mode faithful|chaos]\n"
     "                     [--expire_timeouts]\n"
     "  Cancellation fuzzing: counts the suspension points (awaiting steps run by a task), then re-runs the\n"
     "  scenario once per point k, cancelling the task there (or, with --random, N runs that cancel at each\n"
     "  point with probability 1/K, drawn from the tape), and checks the scenario's invariants on every run.\n"
     "  Ends with \"fuzz-cancel: R of S suspension points reached by an injection; F of N runs failed\" and lists\n"
     "  the points no injection reached. --expire_timeouts expires the task's innermost timeout block at\n"
     "  point k instead (points in no timeout block are listed as not applicable). Exit 0 none failed, 1 some\n"
     "  failed, 2 bad input."},
    {"diff", seedloop::cli::verb_diff,
     "seedloop diff TRACE_A TRACE_B [--context N]\n"
     "  The first divergent event of two traces, with N events of context. Exit 0 equal, 1 differ, 2 bad input."},
    {"export", seedloop::cli::verb_export,
     "seedloop export --format perfetto TRACE --out FILE\n"
     "  Chrome trace-event JSON (ui.perfetto.dev, chrome://tracing): tasks as tracks, callbacks as slices,\n"
     "  virtual time as the time axis."},
};

std::string usage() {
  std::string out = "seedloop VERB ... (seedloop VERB --help for one verb)\n";
  for (const Verb& v : kVerbs) absl::StrAppend(&out, "\n", v.help, "\n");
  absl::StrAppend(&out, "\nExit codes: 0 all good; 1 a property failed or traces differ; 2 bad input or usage.");
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  static const std::string text = usage();
  absl::SetProgramUsageMessage(text);
  // `seedloop VERB --help`: that verb's text, not every flag of the binary.
  if (argc >= 3) {
    for (int i = 2; i < argc; ++i) {
      if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
        for (const Verb& v : kVerbs) {
          if (std::strcmp(argv[1], v.name) == 0) {
            std::printf("%s\n", v.help);
            return seedloop::cli::kOk;
          }
        }
      }
    }
  }
  std::vector<char*> parsed = absl::ParseCommandLine(argc, argv);
  if (parsed.size() < 2) return seedloop::cli::usage_error("no verb");
  const std::string verb = parsed[1];
  const seedloop::cli::Args args(parsed.begin() + 2, parsed.end());
  for (const Verb& v : kVerbs) {
    if (verb == v.name) return v.fn(args);
  }
  return seedloop::cli::usage_error(absl::StrFormat("unknown verb \"%s\"", verb));
}
