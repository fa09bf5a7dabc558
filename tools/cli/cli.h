// The seedloop command line's shared pieces: exit codes, flags, paths and
// files. One verb family per .cc file (main.cc dispatches).

#ifndef SEEDLOOP_TOOLS_CLI_CLI_H_
#define SEEDLOOP_TOOLS_CLI_CLI_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "scenarios/scenario.h"
#include "sim/simulation.h"
#include "sim/tape.h"

ABSL_DECLARE_FLAG(int, context);
ABSL_DECLARE_FLAG(std::string, format);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, mode);
ABSL_DECLARE_FLAG(std::string, tape);
ABSL_DECLARE_FLAG(std::string, trace);
ABSL_DECLARE_FLAG(uint64_t, seeds);
ABSL_DECLARE_FLAG(std::string, seed_range);
ABSL_DECLARE_FLAG(int, jobs);
ABSL_DECLARE_FLAG(std::string, shard);
ABSL_DECLARE_FLAG(std::string, tag);
ABSL_DECLARE_FLAG(bool, strict);
ABSL_DECLARE_FLAG(bool, quiet);
ABSL_DECLARE_FLAG(std::string, oracle);
ABSL_DECLARE_FLAG(std::string, python);
ABSL_DECLARE_FLAG(int, max_shrink_runs);
ABSL_DECLARE_FLAG(bool, all_rows);
ABSL_DECLARE_FLAG(std::string, strategy);
ABSL_DECLARE_FLAG(int, pct_depth);
ABSL_DECLARE_FLAG(int64_t, random);
ABSL_DECLARE_FLAG(int, one_in);
ABSL_DECLARE_FLAG(int64_t, cancel_at);
ABSL_DECLARE_FLAG(bool, expire_timeouts);
ABSL_DECLARE_FLAG(int, cancel_one_in);

namespace seedloop::cli {

inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;    // a property failed, traces differ
inline constexpr int kBadInput = 2;  // bad input or usage

using Args = std::vector<std::string>;  // the verb's positional arguments

int usage_error(const std::string& message);   // prints, returns kBadInput
int input_error(const absl::Status& status);   // prints, returns kBadInput

// A path as the user meant it: relative paths are taken from the directory
// `bazel run` was started in (BUILD_WORKING_DIRECTORY) when there is one.
std::string user_path(const std::string& path);

absl::StatusOr<std::string> read_file(const std::string& path, size_t limit);
absl::Status write_file(const std::string& path, const std::string& text);

// --mode; when not given, `fallback` (a tape's own mode), else faithful.
absl::StatusOr<sim::Mode> mode_flag(std::optional<sim::Mode> fallback = std::nullopt);

// A scenario tape file: the simulator's tape JSON (sim/tape.h) plus the mode
// it was recorded in and the scenario's name, so that a replay needs
// nothing else:
//   {"version":1,"seed":10,"mode":"chaos","scenario":"worker_pool_leak","choices":[...]}
struct TapeFile {
  std::vector<sim::Choice> choices;
  std::optional<uint64_t> seed;
  std::optional<sim::Mode> mode;
  std::string scenario;  // empty when the file does not say
};
std::string tape_file_json(const std::vector<sim::Choice>& choices, std::optional<uint64_t> seed, sim::Mode mode,
                           const std::string& scenario);
// --tape, read and parsed; errors name the file.
absl::StatusOr<TapeFile> tape_flag();

// The command that replays `tape_path` for `scenario_path`.
std::string replay_command(const std::string& tape_path, const std::string& scenario_path);

// The verbs.
int verb_diff(const Args& args);
int verb_export(const Args& args);
int verb_check(const Args& args);
int verb_run(const Args& args);
int verb_replay(const Args& args);
int verb_shrink(const Args& args);
int verb_explore(const Args& args);
int verb_conform(const Args& args);
int verb_fuzz_cancel(const Args& args);

}  // namespace seedloop::cli

#endif  // SEEDLOOP_TOOLS_CLI_CLI_H_
