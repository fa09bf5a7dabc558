// libFuzzer target for seedloop's file parsers: the tape (sim/tape.h,
// tape_from_json), the trace (sim/trace_io.h, read_trace_jsonl) and the
// scenario (scenarios/scenario.h, parse_scenario). The first input byte, modulo
// 3, picks the parser: 0 tape, 1 trace, 2 scenario (the corpus files start
// with that byte). Any input must give a value or an absl::Status naming the
// source — never a crash, a hang or a sanitizer
// report; a parsed input must also survive a round trip through its writer.
//
// Built with clang++-14 -fsanitize=fuzzer,address,undefined by
// tools/fuzz/run_fuzz.sh (outside Bazel, whose toolchain is gcc).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scenarios/scenario.h"
#include "sim/tape.h"
#include "sim/trace_io.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_tape(std::string_view text) {
  absl::StatusOr<seedloop::sim::Tape> tape = seedloop::sim::tape_from_json(text, "fuzz.json");
  if (!tape.ok()) {
    check(tape.status().message().find("fuzz.json") != std::string_view::npos);
    return;
  }
  const std::string again = seedloop::sim::to_json(tape->recorded(), tape->seed());
  absl::StatusOr<seedloop::sim::Tape> reread = seedloop::sim::tape_from_json(again, "again.json");
  check(reread.ok() && reread->recorded() == tape->recorded());
}

void fuzz_trace(std::string_view text) {
  absl::StatusOr<seedloop::sim::Trace> trace = seedloop::sim::read_trace_jsonl(text, "fuzz.jsonl");
  if (!trace.ok()) {
    check(trace.status().message().find("fuzz.jsonl") != std::string_view::npos);
    return;
  }
  absl::StatusOr<seedloop::sim::Trace> reread = seedloop::sim::read_trace_jsonl(trace->to_jsonl(), "again.jsonl");
  check(reread.ok() && reread->hash() == trace->hash() && reread->events() == trace->events());
  (void)seedloop::sim::to_chrome_trace(*trace);
}

// A valid scenario's document, written out compactly, is a valid scenario
// with the same document (lines differ, nothing else).
void fuzz_scenario(std::string_view text) {
  absl::StatusOr<seedloop::scenarios::Scenario> s = seedloop::scenarios::parse_scenario(text, "fuzz.json");
  if (!s.ok()) {
    check(s.status().message().find("fuzz.json") != std::string_view::npos);
    return;
  }
  const std::string again = s->doc.dump();
  absl::StatusOr<seedloop::scenarios::Scenario> reread = seedloop::scenarios::parse_scenario(again, "again.json");
  check(reread.ok() && reread->doc == s->doc && reread->name == s->name && reread->tags == s->tags);
  (void)s->where("/coroutines/main/0/op");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_tape(text);
      break;
    case 1:
      fuzz_trace(text);
      break;
    default:
      fuzz_scenario(text);
      break;
  }
  return 0;
}
