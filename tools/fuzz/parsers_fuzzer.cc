// libFuzzer target for seedloop's file parsers: the tape (sim/tape.h,
// tape_from_json) and the trace (sim/trace_io.h, read_trace_jsonl). The
// first input byte picks the parser. Any input must give a value or an
// absl::Status naming the source — never a crash, a hang or a sanitizer
// report; a parsed input must also survive a round trip through its writer.
//
// Built with clang++-14 -fsanitize=fuzzer,address,undefined by
// tools/fuzz/run_fuzz.sh (outside Bazel, whose toolchain is gcc).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    fuzz_tape(text);
  } else {
    fuzz_trace(text);
  }
  return 0;
}
