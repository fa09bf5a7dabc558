// fork_exec: RealProcessOps::spawn's body (loop/real/process_ops.h says
// what it does and promises), kept apart because the child side must stay
// async-signal-safe and is easier to audit alone.
//
//   absl::StatusOr<int> pid = internal::fork_exec(options);
//
// Threads: any thread; fork() copies only the calling one, which is why the
// child allocates nothing and takes no lock.

#ifndef SEEDLOOP_LOOP_REAL_INTERNAL_SPAWN_H_
#define SEEDLOOP_LOOP_REAL_INTERNAL_SPAWN_H_

#include "absl/status/statusor.h"
#include "loop/backend.h"

namespace seedloop::real::internal {

absl::StatusOr<int> fork_exec(const SpawnOptions& options);

}  // namespace seedloop::real::internal

#endif  // SEEDLOOP_LOOP_REAL_INTERNAL_SPAWN_H_
