// JSON with line numbers (internal/located_json.h): nlohmann's SAX parser
// over an input iterator that counts newlines, and a SAX handler that builds
// the document while recording each value's line under its JSON pointer.

#include "scenarios/internal/located_json.h"

#include <cstddef>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "scenarios/internal/messages.h"

namespace seedloop::scenarios::internal {

namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 128;                       // see the header comment
constexpr size_t kMaxPointerBytes = 1024;                // longer pointers use their parent's line
constexpr size_t kMaxLineTableBytes = size_t{64} << 20;  // bounds `lines` for hostile input

// Newlines consumed so far by nlohmann's lexer. At every SAX value or key
// event the last character consumed is the token's last character, or for a
// number the one character the lexer read past it; a token never spans
// lines, so "newlines before the last character consumed" is its line.
struct LineCounter {
  int newlines = 0;
  bool last_was_newline = false;
  int line() const { return newlines - (last_was_newline ? 1 : 0) + 1; }
};

// The text as nlohmann's iterator input: each character consumed is counted.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, LineCounter* counter) : at_(at), counter_(counter) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    counter_->last_was_newline = *at_ == '\n';
    if (counter_->last_was_newline) ++counter_->newlines;
    ++at_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const CountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  LineCounter* counter_;
};

// nlohmann SAX handler: builds the document, records each value's line under
// its JSON pointer, rejects duplicate keys, nesting past kMaxJsonDepth and
// integers beyond 64 bits.
class LineTrackingBuilder {
 public:
  LineTrackingBuilder(const LineCounter* counter, Scenario* out) : counter_(counter), out_(out) {}

  bool null() { return place(json(nullptr)) != nullptr; }
  bool boolean(bool v) { return place(json(v)) != nullptr; }
  bool number_integer(json::number_integer_t v) { return place(json(v)) != nullptr; }
  bool number_unsigned(json::number_unsigned_t v) { return place(json(v)) != nullptr; }
  bool number_float(json::number_float_t v, const json::string_t& text) {
    // nlohmann hands an integer literal that fits neither int64 nor uint64
    // over as a double; that would lose digits a user wrote.
    if (text.find_first_of(".eE") == json::string_t::npos) {
      return fail(next_pointer(), "integer out of range (must fit in 64 bits)");
    }
    return place(json(v)) != nullptr;
  }
  bool string(json::string_t& v) { return place(json(std::move(v))) != nullptr; }
  bool binary(json::binary_t&) { return fail("", "binary values are not JSON"); }  // never from JSON text
  bool start_object(size_t) { return open(json::object()); }
  bool start_array(size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (open_.back().value->contains(k)) {
      return fail(child(std::string_view(pointer_).substr(0, open_.back().pointer_size), k),
                  "appears twice in the same object");
    }
    key_ = k;
    return true;
  }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 2, column 3: syntax
    // error while parsing ..." -> "while parsing ...".
    std::string_view what = e.what();
    if (size_t bracket = what.find("] "); what.starts_with("[") && bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    if (what.starts_with("parse error")) {
      if (size_t colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
    }
    if (what.starts_with("syntax error ")) what.remove_prefix(std::string_view("syntax error ").size());
    status_ = absl::InvalidArgumentError(
        absl::StrCat(out_->path, ":", counter_->line(), ": JSON syntax error: ", shorten(std::string(what), 200)));
    return false;
  }

  const absl::Status& status() const { return status_; }

 private:
  struct Open {
    json* value;
    size_t pointer_size;  // pointer_'s length for this container
    size_t next_index;    // arrays: the next element's index
  };

  // The pointer the next value will get: the document, the next index of the
  // open array, or the open object's current key.
  std::string next_pointer() const {
    if (open_.empty()) return "";
    const Open& top = open_.back();
    const std::string_view parent = std::string_view(pointer_).substr(0, top.pointer_size);
    return top.value->is_array() ? child(parent, top.next_index) : child(parent, key_);
  }

  json* place(json&& v) {
    pointer_ = next_pointer();
    json* placed = nullptr;
    if (open_.empty()) {
      out_->doc = std::move(v);
      placed = &out_->doc;
    } else if (Open& top = open_.back(); top.value->is_array()) {
      ++top.next_index;
      top.value->push_back(std::move(v));
      placed = &top.value->back();
    } else {
      placed = &(*top.value)[key_];
      *placed = std::move(v);
    }
    if (pointer_.size() <= kMaxPointerBytes && line_table_bytes_ + pointer_.size() <= kMaxLineTableBytes) {
      line_table_bytes_ += pointer_.size();
      out_->lines.emplace(pointer_, counter_->line());
    }
    return placed;
  }

  bool open(json&& container) {
    if (open_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      return fail("", absl::StrCat("JSON nests deeper than ", kMaxJsonDepth, " levels"));
    }
    json* placed = place(std::move(container));
    open_.push_back({placed, pointer_.size(), 0});
    return true;
  }

  bool close() {
    open_.pop_back();
    return true;
  }

  bool fail(std::string_view pointer, std::string_view problem) {
    status_ = absl::InvalidArgumentError(absl::StrCat(out_->path, ":", counter_->line(), ": ",
                                                      shorten(field_name(pointer), kMaxShownField), ": ", av(problem)));
    return false;
  }

  const LineCounter* counter_;
  Scenario* out_;
  std::vector<Open> open_;
  std::string pointer_;
  std::string key_;
  size_t line_table_bytes_ = 0;
  absl::Status status_;
};

}  // namespace

absl::Status parse_located_json(std::string_view text, Scenario* out) {
  LineCounter counter;
  LineTrackingBuilder builder(&counter, out);
  const bool ok = json::sax_parse(CountingIterator(text.data(), &counter),
                                  CountingIterator(text.data() + text.size(), &counter), &builder);
  if (!builder.status().ok()) return builder.status();
  if (!ok) return absl::InvalidArgumentError(absl::StrCat(out->path, ":", counter.line(), ": JSON syntax error"));
  return absl::OkStatus();
}

}  // namespace seedloop::scenarios::internal
