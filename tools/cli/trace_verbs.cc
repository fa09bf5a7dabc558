// diff and export: the verbs on trace files (sim/trace_io.h).

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "sim/trace_io.h"
#include "tools/cli/cli.h"

namespace seedloop::cli {

namespace {

absl::StatusOr<sim::Trace> load_trace(const std::string& path) {
  absl::StatusOr<std::string> text = read_file(path, sim::kMaxTraceBytes);
  if (!text.ok()) return text.status();
  return sim::read_trace_jsonl(*text, path);
}

}  // namespace

int verb_diff(const Args& args) {
  if (args.size() != 2) return usage_error("diff takes two trace files");
  absl::StatusOr<sim::Trace> a = load_trace(user_path(args[0]));
  if (!a.ok()) return input_error(a.status());
  absl::StatusOr<sim::Trace> b = load_trace(user_path(args[1]));
  if (!b.ok()) return input_error(b.status());
  const int context = absl::GetFlag(FLAGS_context);
  if (context < 0 || context > 1000) return usage_error("--context must be in [0, 1000]");
  std::fputs(sim::diff_report(*a, *b, static_cast<size_t>(context)).c_str(), stdout);
  return sim::first_divergence(*a, *b).has_value() ? kFailed : kOk;
}

int verb_export(const Args& args) {
  if (args.size() != 1) return usage_error("export takes one trace file");
  if (absl::GetFlag(FLAGS_format) != "perfetto") {
    return usage_error(absl::StrFormat("--format=%s: the only format is perfetto", absl::GetFlag(FLAGS_format)));
  }
  const std::string out_path = user_path(absl::GetFlag(FLAGS_out));
  if (out_path.empty()) return usage_error("export needs --out FILE");
  absl::StatusOr<sim::Trace> trace = load_trace(user_path(args[0]));
  if (!trace.ok()) return input_error(trace.status());
  if (absl::Status s = write_file(out_path, sim::to_chrome_trace(*trace) + "\n"); !s.ok()) return input_error(s);
  std::printf("wrote %s (%zu events)\n", out_path.c_str(), trace->size());
  return kOk;
}

}  // namespace seedloop::cli
