// seedloop: the command line. This first piece has the verbs that work on
// trace files (sim/trace_io.h); the scenario verbs (run, explore, replay,
// shrink, conform, check) come with the scenario language (issue 6).
//
//   seedloop diff TRACE_A TRACE_B [--context=N]
//   seedloop export --format=perfetto TRACE --out=FILE
//
// Exit codes: 0 all good (diff: equal traces); 1 traces differ; 2 bad input
// or usage.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "sim/trace_io.h"

ABSL_FLAG(int, context, 3, "diff: events of context shown before the first difference");
ABSL_FLAG(std::string, format, "perfetto", "export: output format (perfetto: Chrome trace-event JSON)");
ABSL_FLAG(std::string, out, "", "export: the file to write");

namespace {

constexpr int kOk = 0;
constexpr int kDiffer = 1;
constexpr int kBadInput = 2;

constexpr char kUsage[] =
    "seedloop VERB ...\n"
    "  diff TRACE_A TRACE_B [--context=N]   the first divergent event of two traces\n"
    "  export --format=perfetto TRACE --out=FILE   Chrome trace-event JSON for ui.perfetto.dev\n"
    "Exit codes: 0 ok / equal, 1 traces differ, 2 bad input or usage.";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "seedloop: %s\n%s\n", message.c_str(), kUsage);
  return kBadInput;
}

absl::StatusOr<seedloop::sim::Trace> load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrFormat("%s: cannot open", path));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > static_cast<std::streamoff>(seedloop::sim::kMaxTraceBytes)) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %d bytes is over the trace size limit", path, size));
  }
  in.seekg(0);
  std::stringstream text;
  text << in.rdbuf();
  return seedloop::sim::read_trace_jsonl(text.str(), path);
}

int diff(const std::vector<char*>& args) {
  if (args.size() != 4) return usage_error("diff takes two trace files");
  absl::StatusOr<seedloop::sim::Trace> a = load(args[2]);
  if (!a.ok()) return usage_error(std::string(a.status().message()));
  absl::StatusOr<seedloop::sim::Trace> b = load(args[3]);
  if (!b.ok()) return usage_error(std::string(b.status().message()));
  const int context = absl::GetFlag(FLAGS_context);
  if (context < 0 || context > 1000) return usage_error("--context must be in [0, 1000]");
  std::fputs(seedloop::sim::diff_report(*a, *b, static_cast<size_t>(context)).c_str(), stdout);
  return seedloop::sim::first_divergence(*a, *b).has_value() ? kDiffer : kOk;
}

int export_trace(const std::vector<char*>& args) {
  if (args.size() != 3) return usage_error("export takes one trace file");
  if (absl::GetFlag(FLAGS_format) != "perfetto") {
    return usage_error(absl::StrFormat("--format=%s: the only format is perfetto", absl::GetFlag(FLAGS_format)));
  }
  const std::string out_path = absl::GetFlag(FLAGS_out);
  if (out_path.empty()) return usage_error("export needs --out=FILE");
  absl::StatusOr<seedloop::sim::Trace> trace = load(args[2]);
  if (!trace.ok()) return usage_error(std::string(trace.status().message()));
  std::ofstream out(out_path, std::ios::binary);
  out << seedloop::sim::to_chrome_trace(*trace) << "\n";
  if (!out) return usage_error(absl::StrFormat("%s: cannot write", out_path));
  std::printf("wrote %s (%zu events)\n", out_path.c_str(), trace->size());
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return usage_error("no verb");
  const std::string verb = args[1];
  if (verb == "diff") return diff(args);
  if (verb == "export") return export_trace(args);
  return usage_error(absl::StrFormat("unknown verb \"%s\"", verb));
}
