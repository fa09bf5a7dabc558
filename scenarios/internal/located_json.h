// JSON text to a document with a line per value: the first stage of
// parse_scenario (scenarios/scenario.h). Not an API.
//
// parse_located_json(text, out) parses text with nlohmann's SAX parser, sets
// out->doc, and records in out->lines the 1-based line of every value's first
// token under its JSON pointer (for an object member that is normally its
// key's line). Pointers over 1 KiB get no entry, nor does anything once the
// table holds 64 MiB of pointers; where() then uses the parent's line.
// out->path names the file in messages; nothing else of *out is touched.
//
// Stricter than JSON, where the README leaves room:
//  - an object with the same key twice is an error (nlohmann and Python
//    would silently keep the last one);
//  - JSON nests at most 128 deep (steps nest at most 16, which through
//    try/catch is 64 JSON levels, plus room for values);
//  - an integer literal must fit in 64 bits (int64 or uint64): nlohmann would
//    keep a bigger one as a double, which prints unlike CPython's exact int.
// The first problem is an InvalidArgument status, "FILE:LINE: JSON syntax
// error: ..." or "FILE:LINE: FIELD: problem"; *out is then partly filled.

#ifndef SEEDLOOP_SCENARIOS_INTERNAL_LOCATED_JSON_H_
#define SEEDLOOP_SCENARIOS_INTERNAL_LOCATED_JSON_H_

#include <string_view>

#include "absl/status/status.h"
#include "scenarios/scenario.h"

namespace seedloop::scenarios::internal {

absl::Status parse_located_json(std::string_view text, Scenario* out);

}  // namespace seedloop::scenarios::internal

#endif  // SEEDLOOP_SCENARIOS_INTERNAL_LOCATED_JSON_H_
