// RealSignalOps: the production SignalOps (backend.h) — sigaction and a
// self-pipe, as CPython's signal.set_wakeup_fd.
//
//   RealSignalOps ops;
//   absl::StatusOr<int> fd = ops.start();  // main thread only
//   absl::Status s = ops.catch_signal(SIGUSR1);
//   // ... raise(SIGUSR1): *fd becomes readable ...
//   std::vector<int> sigs;
//   ops.take_pending(&sigs);  // {SIGUSR1}
//   (void)ops.restore_signal(SIGUSR1);
//   ops.stop();
//
// The signal handler it installs writes the signal's number as one byte to
// the pipe of the object that called start() last (a process-wide atomic
// fd, since signal handlers are process-wide), and does nothing else. A full
// pipe drops the byte (CPython warns then; 64 KiB of unread signals is a
// loop that is not running). stop() waits for a handler running on another
// thread to finish with the fd before closing it, so a late signal never
// writes into a reused fd number.
//
// Dispositions: catch_signal saves the one it replaces and restore_signal
// puts it back (CPython restores SIG_DFL, or default_int_handler for
// SIGINT: Python's own initial handlers; a C++ process's initial handlers
// are whatever it had). The destructor restores every signal still caught
// and stops.
//
// Threads: the loop's thread only (start() checks it is the main thread);
// the handler itself may run on any thread.

#ifndef SEEDLOOP_LOOP_REAL_SIGNAL_OPS_H_
#define SEEDLOOP_LOOP_REAL_SIGNAL_OPS_H_

#include <signal.h>

#include <vector>

#include "absl/container/btree_map.h"
#include "loop/backend.h"

namespace seedloop::real {

class RealSignalOps : public SignalOps {
 public:
  RealSignalOps() = default;
  ~RealSignalOps() override;
  RealSignalOps(const RealSignalOps&) = delete;
  RealSignalOps& operator=(const RealSignalOps&) = delete;

  bool is_valid(int sig) const override;
  absl::StatusOr<int> start() override;
  void stop() override;
  absl::Status catch_signal(int sig) override;
  absl::Status restore_signal(int sig) override;
  void take_pending(std::vector<int>* out) override;

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  // The dispositions catch_signal replaced, by signal number.
  absl::btree_map<int, struct sigaction> previous_;
};

}  // namespace seedloop::real

#endif  // SEEDLOOP_LOOP_REAL_SIGNAL_OPS_H_
