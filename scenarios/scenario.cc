// Loading scenario files (scenarios/README.md is the language, scenario.h
// the contract), and the helpers that name their fields.
//
// parse_scenario runs two stages: internal/located_json.h parses the JSON
// and records the line of every value under its JSON pointer; then
// internal/validate.h walks the document (the header and top-level fields,
// budgets and world, objects, every step of every body, the names steps use,
// expect) and fills the typed fields. Each stage stops at the first problem,
// which is the result. Both state, in their contracts, the strict readings
// they take where the README leaves room.

#include "scenarios/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "scenarios/internal/located_json.h"
#include "scenarios/internal/messages.h"
#include "scenarios/internal/validate.h"

namespace seedloop::scenarios {

namespace {

constexpr size_t kMaxScenarioFiles = 100'000;

}  // namespace

std::string field_name(std::string_view json_pointer) {
  if (json_pointer.empty()) return "(document)";
  std::string out;
  std::string_view rest = json_pointer;
  bool first = true;
  while (!rest.empty()) {
    if (rest[0] == '/') rest.remove_prefix(1);
    const size_t slash = rest.find('/');
    std::string_view token = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    std::string key;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        key += token[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        key += token[i];
      }
    }
    const bool index =
        !first && !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return absl::ascii_isdigit(c); });
    if (index) {
      absl::StrAppend(&out, "[", key, "]");
    } else {
      absl::StrAppend(&out, first ? "" : ".", key);
    }
    first = false;
  }
  return out;
}

std::string Scenario::where(std::string_view json_pointer) const {
  return internal::locate(*this, json_pointer, std::numeric_limits<size_t>::max());
}

absl::StatusOr<Scenario> parse_scenario(std::string_view text, const std::string& path) {
  if (text.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d bytes is over the limit of %d bytes for a scenario", path, text.size(), kMaxFileBytes));
  }
  Scenario s;
  s.path = path;
  if (absl::Status st = internal::parse_located_json(text, &s); !st.ok()) return st;
  if (absl::Status st = internal::validate(s); !st.ok()) return st;
  return s;
}

absl::StatusOr<Scenario> load_scenario(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (ec) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot read: ", ec.message()));
  if (status.type() == std::filesystem::file_type::directory) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a scenario file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open for reading"));
  // Read at most one byte past the limit: enough to know the file is too big
  // without reading all of it (it may be a device or still growing).
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return absl::PermissionDeniedError(absl::StrCat(path, ": read failed"));
  if (text.size() > kMaxFileBytes) {
    const auto size = std::filesystem::file_size(path, ec);
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s bytes is over the limit of %d bytes for a scenario", path,
                        ec ? "more than " + std::to_string(kMaxFileBytes) : std::to_string(size), kMaxFileBytes));
  }
  return parse_scenario(text, path);
}

absl::StatusOr<std::vector<std::string>> scenario_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file or directory"));
    }
    if (ec) return absl::PermissionDeniedError(absl::StrCat(path, ": ", ec.message()));
    if (status.type() != fs::file_type::directory) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.extension() != ".json" || !fs::is_regular_file(it->status())) continue;
      found.push_back(p.string());
      if (files.size() + found.size() > kMaxScenarioFiles) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": more than ", kMaxScenarioFiles, " scenario files"));
      }
    }
    if (ec) return absl::PermissionDeniedError(absl::StrCat(path, ": ", ec.message()));
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace seedloop::scenarios
