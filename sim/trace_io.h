// Reading traces back, comparing them, and exporting them for viewers.
//
//   absl::StatusOr<Trace> a = read_trace_jsonl(text, "a.jsonl");
//   std::string report = diff_report(*a, *b, /*context=*/3);
//   std::string json = to_chrome_trace(*a);   // ui.perfetto.dev, chrome://tracing
//
// read_trace_jsonl accepts what Trace::to_jsonl writes (schema version 1,
// sim/README.md). Errors are InvalidArgument naming "source:line" and the
// field; limits: kMaxTraceBytes of input, kMaxTraceLineBytes per line.
// Indices must count up from 0; the hash is recomputed from the events.
//
// to_chrome_trace writes Chrome trace-event JSON: one track for the loop's
// plain callbacks and one per task (named after it), each callback a slice
// at its virtual time (ts in microseconds; a slice lasts until the next
// event, at least 1 ns), timers, polls, time jumps and executor events as
// instant events on the loop's track.

#ifndef SEEDLOOP_SIM_TRACE_IO_H_
#define SEEDLOOP_SIM_TRACE_IO_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sim/trace.h"

namespace seedloop::sim {

inline constexpr size_t kMaxTraceBytes = size_t{1} << 30;
inline constexpr size_t kMaxTraceLineBytes = size_t{1} << 20;

absl::StatusOr<Trace> read_trace_jsonl(std::string_view text, std::string_view source);

// "traces are equal (N events, hash H)" or the first divergent event of
// each with up to `context` events before it, one per line.
std::string diff_report(const Trace& a, const Trace& b, size_t context);

std::string to_chrome_trace(const Trace& trace);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_TRACE_IO_H_
