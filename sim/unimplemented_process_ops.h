// UnimplementedProcessOps: the ProcessOps of the simulated backends until
// simulated pipes and processes exist. Every call fails with Unimplemented
// and the text "simulated processes are not implemented yet" (naming the
// call), so a simulated loop's connect_read_pipe, subprocess_exec, ...
// raise NotImplementedError with that text instead of touching the
// operating system.
//
//   backend.processes = std::make_unique<sim::UnimplementedProcessOps>();
//
// Threads: stateless; any thread.

#ifndef SEEDLOOP_SIM_UNIMPLEMENTED_PROCESS_OPS_H_
#define SEEDLOOP_SIM_UNIMPLEMENTED_PROCESS_OPS_H_

#include <optional>
#include <string>
#include <utility>

#include "loop/backend.h"

namespace seedloop::sim {

class UnimplementedProcessOps : public ProcessOps {
 public:
  absl::StatusOr<std::pair<int, int>> pipe(Blocking) override { return fail("pipe"); }
  absl::StatusOr<size_t> read(int, absl::Span<char>) override { return fail("read"); }
  absl::StatusOr<size_t> write(int, absl::Span<const char>) override { return fail("write"); }
  absl::Status close(int) override { return fail("close"); }
  absl::Status set_blocking(int, Blocking) override { return fail("set_blocking"); }
  absl::StatusOr<FdType> fd_type(int) override { return fail("fd_type"); }
  absl::StatusOr<int> spawn(const SpawnOptions&) override { return fail("spawn"); }
  absl::Status send_signal(int, int) override { return fail("send_signal"); }
  absl::StatusOr<int> open_exit_fd(int) override { return fail("open_exit_fd"); }
  absl::StatusOr<std::optional<int>> wait(int, WaitMode) override { return fail("wait"); }

 private:
  static absl::Status fail(const char* call) {
    return absl::UnimplementedError(std::string(call) + ": simulated processes are not implemented yet");
  }
};

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_UNIMPLEMENTED_PROCESS_OPS_H_
