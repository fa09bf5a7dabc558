// Pieces of the scenario parser's error messages (internal/messages.h).

#include "scenarios/internal/messages.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace seedloop::scenarios::internal {

namespace {

// Optimal string alignment distance (edits and adjacent transpositions).
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string shorten(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "...";
  return s;
}

std::string shown(const nlohmann::json& v) {
  return shorten(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kMaxShownValue);
}

std::string quote(std::string_view s) { return shown(nlohmann::json(std::string(s))); }

std::string suggestion(std::string_view word, std::span<const std::string_view> candidates) {
  constexpr size_t kMaxEdits = 2;
  if (word.size() > 80) return "";  // edit_distance is quadratic
  std::string_view best;
  size_t best_distance = kMaxEdits + 1;
  for (std::string_view c : candidates) {
    if (c.size() > word.size() + kMaxEdits || word.size() > c.size() + kMaxEdits) continue;
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (best_distance > kMaxEdits) return "";
  return absl::StrCat(" (did you mean ", quote(best), "?)");
}

std::string child(std::string_view pointer, std::string_view key) {
  std::string out(pointer);
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(std::string_view pointer, size_t index) { return absl::StrCat(av(pointer), "/", index); }

std::optional<int> line_of(const Scenario& s, std::string_view pointer) {
  while (true) {
    if (auto it = s.lines.find(pointer); it != s.lines.end()) return it->second;
    if (pointer.empty()) return std::nullopt;
    pointer = pointer.substr(0, std::min(pointer.rfind('/'), pointer.size()));
  }
}

std::string locate(const Scenario& s, std::string_view pointer, size_t max_field) {
  const std::string field = shorten(field_name(pointer), max_field);
  if (std::optional<int> line = line_of(s, pointer)) return absl::StrCat(s.path, ":", *line, ": ", field);
  return absl::StrCat(s.path, ": ", field);
}

}  // namespace seedloop::scenarios::internal
