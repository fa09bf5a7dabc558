#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "tools/cli/cli.h"

namespace seedloop::cli {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "seedloop: %s\n(seedloop --help lists the verbs)\n", message.c_str());
  return kBadInput;
}

int input_error(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
  return kBadInput;
}

std::string user_path(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* dir = std::getenv("BUILD_WORKING_DIRECTORY");
  if (dir == nullptr || *dir == '\0') return path;
  return (std::filesystem::path(dir) / path).string();
}

absl::StatusOr<std::string> read_file(const std::string& path, size_t limit) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return absl::InvalidArgumentError(path + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path + ": cannot open");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<size_t>(size) > limit) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %d bytes is over the limit of %d", path, size, limit));
  }
  in.seekg(0);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return absl::InvalidArgumentError(path + ": cannot write");
  return absl::OkStatus();
}

absl::StatusOr<sim::Mode> mode_flag(std::optional<sim::Mode> fallback) {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode.empty()) return fallback.value_or(sim::Mode::kFaithful);
  if (mode == "faithful") return sim::Mode::kFaithful;
  if (mode == "chaos") return sim::Mode::kChaos;
  return absl::InvalidArgumentError(absl::StrFormat("--mode=%s: expected faithful or chaos", mode));
}

std::string tape_file_json(const std::vector<sim::Choice>& choices, std::optional<uint64_t> seed, sim::Mode mode,
                           const std::string& scenario) {
  nlohmann::json j = nlohmann::json::parse(sim::to_json(choices, seed));
  j["mode"] = sim::mode_name(mode);
  j["scenario"] = scenario;
  return j.dump() + "\n";
}

absl::StatusOr<TapeFile> tape_flag() {
  const std::string path = user_path(absl::GetFlag(FLAGS_tape));
  if (path.empty()) return absl::InvalidArgumentError("--tape FILE is required");
  absl::StatusOr<std::string> text = read_file(path, size_t{64} << 20);
  if (!text.ok()) return text.status();
  absl::StatusOr<sim::Tape> tape = sim::tape_from_json(*text, path);
  if (!tape.ok()) return tape.status();
  TapeFile out;
  out.choices = tape->recorded();
  out.seed = tape->seed();
  // The scenario fields; the tape parser has checked the rest.
  const nlohmann::json j = nlohmann::json::parse(*text);
  if (auto it = j.find("mode"); it != j.end()) {
    if (*it == "faithful") {
      out.mode = sim::Mode::kFaithful;
    } else if (*it == "chaos") {
      out.mode = sim::Mode::kChaos;
    } else {
      return absl::InvalidArgumentError(absl::StrFormat("%s: field \"mode\" must be \"faithful\" or \"chaos\"", path));
    }
  }
  if (auto it = j.find("scenario"); it != j.end()) {
    if (!it->is_string()) return absl::InvalidArgumentError(absl::StrFormat("%s: field \"scenario\" must be a string", path));
    out.scenario = it->get<std::string>();
  }
  return out;
}

std::string replay_command(const std::string& tape_path, const std::string& scenario_path) {
  return absl::StrFormat("bazel run //tools:seedloop -- replay --tape %s %s", tape_path, scenario_path);
}

}  // namespace seedloop::cli
