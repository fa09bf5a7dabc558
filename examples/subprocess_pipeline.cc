// A shell pipeline run with asyncio.subprocess, in C++: each stage's stdout
// is a pipe whose read end is the next stage's stdin, the last stage's
// stdout is read by the loop, and every stage is awaited.
//
//   bazel run //examples:subprocess_pipeline
//   bazel run //examples:subprocess_pipeline -- printf 'x\ny\nx\n' '|' sort '|' uniq -c
//
// Without arguments it runs printf 'b\na\nc\nb\n' | sort | uniq -c and
// prints
//         1 a
//         2 b
//         1 c
// then one line per stage on stderr ("sort exited with 0"). Exits with the
// last stage's returncode, 127 when a program cannot be started.

#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "loop/aio/run.h"
#include "loop/errors.h"
#include "loop/net/subprocess.h"
#include "loop/policy.h"

using namespace seedloop;

namespace {

using Command = std::vector<std::string>;

// The commands between the '|' arguments.
std::vector<Command> parse(int argc, char** argv) {
  std::vector<Command> stages(1);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "|") {
      stages.emplace_back();
    } else {
      stages.back().push_back(argv[i]);
    }
  }
  return stages;
}

Coro<int> pipeline(std::vector<Command> stages) {
  ProcessOps& ops = get_running_loop()->process_ops();
  std::vector<std::shared_ptr<Process>> processes;
  std::exception_ptr failure;
  int next_stdin = -1;  // the read end the next stage reads from
  for (size_t i = 0; i < stages.size() && !failure; ++i) {
    ProcessOptions options;
    if (next_stdin >= 0) options.stdin = Stdio::from_fd(next_stdin);
    int read_end = -1;
    int write_end = -1;
    if (i + 1 == stages.size()) {
      options.stdout = subprocess::PIPE;  // the loop reads the last stage
    } else {
      absl::StatusOr<std::pair<int, int>> pipe = ops.pipe(Blocking::kBlocking);
      if (!pipe.ok()) throw OSError(0, std::string(pipe.status().message()));
      std::tie(read_end, write_end) = *pipe;
      options.stdout = Stdio::from_fd(write_end);
    }
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec(stages[i], options);
    try {
      processes.push_back(co_await std::move(starting));
    } catch (...) {
      failure = std::current_exception();
    }
    // The children hold their ends now; the parent lets go of its copies,
    // or the next stage would never see EOF.
    if (next_stdin >= 0) (void)ops.close(next_stdin);
    if (write_end >= 0) (void)ops.close(write_end);
    next_stdin = read_end;
  }
  if (failure) {
    if (next_stdin >= 0) (void)ops.close(next_stdin);
    for (std::shared_ptr<Process>& p : processes) {
      p->kill();
      co_await p->wait();
    }
    std::rethrow_exception(failure);
  }
  std::string output = co_await processes.back()->stdout->read();
  std::fwrite(output.data(), 1, output.size(), stdout);
  int returncode = 0;
  for (size_t i = 0; i < processes.size(); ++i) {
    returncode = co_await processes[i]->wait();
    std::fprintf(stderr, "%s exited with %d\n", stages[i][0].c_str(), returncode);
  }
  co_return returncode;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Command> stages = parse(argc, argv);
  if (argc == 1) stages = {{"printf", "b\\na\\nc\\nb\\n"}, {"sort"}, {"uniq", "-c"}};
  try {
    return run(pipeline(std::move(stages)));
  } catch (const OSError& e) {
    std::fprintf(stderr, "%s: %s\n", e.type_name(), e.what());
    return 127;
  }
}
