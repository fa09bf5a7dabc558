// UnimplementedSignalOps: the SignalOps of the simulated backends until
// simulated signals exist. Signal numbers are validated as on Linux (so
// add_signal_handler(0, ...) still raises ValueError), and every other call
// fails with Unimplemented: a simulated loop's add_signal_handler raises
// NotImplementedError("add_signal_handler: simulated signals are not
// implemented yet") instead of touching the process's signal dispositions.
//
//   backend.signals = std::make_unique<sim::UnimplementedSignalOps>();
//
// Threads: stateless; any thread.

#ifndef SEEDLOOP_SIM_UNIMPLEMENTED_SIGNAL_OPS_H_
#define SEEDLOOP_SIM_UNIMPLEMENTED_SIGNAL_OPS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loop/backend.h"

namespace seedloop::sim {

class UnimplementedSignalOps : public SignalOps {
 public:
  // Linux's signal.valid_signals(): 1..64 without 32 and 33 (glibc's).
  bool is_valid(int sig) const override { return sig >= 1 && sig <= 64 && sig != 32 && sig != 33; }
  absl::StatusOr<int> start() override { return fail("add_signal_handler"); }
  void stop() override {}
  absl::Status catch_signal(int) override { return fail("add_signal_handler"); }
  absl::Status restore_signal(int) override { return fail("remove_signal_handler"); }
  void take_pending(std::vector<int>*) override {}

 private:
  static absl::Status fail(const char* call) {
    return absl::UnimplementedError(std::string(call) + ": simulated signals are not implemented yet");
  }
};

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_UNIMPLEMENTED_SIGNAL_OPS_H_
