// sim::World: the simulated backend — virtual clock, poller, thread boundary
// and executor, all fed by one tape — and the loop's observer.
//
// sim::Simulation builds one World per run; a test reaches it through
// world_of(loop) to deliver simulated I/O. The EventLoop runs on the Backend
// returned by make_backend() with the World attached as its LoopObserver.
//
// Time (DESIGN.md "Time"): virtual nanoseconds that move only inside poll()
// (and by a callback's virtual cost in chaos mode). A poll that may wait moves
// time to the earliest of its timeout, the next executor completion and the
// next deliverable simulated I/O; it never jumps past work in flight, and
// each jump is a trace event naming its reason.
//
// Threads that are not there: an executor job is a simulated thread. Its
// duration (and its place in the queue when all workers are busy) comes from
// the tape; at its completion time its function runs on the simulation's
// thread, marked off-loop (ThreadBoundary::on_loop_thread() is false), so
// what it posts goes through the boundary like a real thread's post. Each
// post lands 0..threadsafe_max_delay loop iterations later (a tape choice;
// never before an earlier post of the same simulated thread), and a loop that would wait receives the earliest pending post at once.
// Jobs finishing at the same instant complete in a tape-chosen order. A
// spawned thread (shutdown_default_executor's) runs once no executor job is
// in flight. A post from a real thread is not deterministic: it is reported
// as an error and the run stops.
//
// Simulated I/O: deliver_io(fd, mask, at_ns) makes `fd` report `mask` once,
// at virtual time at_ns, to a poll in which fd is registered with that
// interest (it waits until then). Fds ready in the same poll are reported in
// a tape-chosen order. Any int is a simulated fd; nothing touches the OS.
//
// Failures (budgets, tape mismatch, deadlock, real threads) throw
// SimulationStop from poll() or from the kCallbackRun event, never from
// inside a callback; World::error() holds the status.
//
// Threads: the simulation's thread only, except post() and wakeup().

#ifndef SEEDLOOP_SIM_WORLD_H_
#define SEEDLOOP_SIM_WORLD_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "loop/backend.h"
#include "loop/observer.h"
#include "sim/simulation.h"
#include "sim/tape.h"
#include "sim/trace.h"

namespace seedloop {
class EventLoop;
}

namespace seedloop::sim {

// Thrown to unwind a run the harness stops; World::error() says why. Not an
// std::exception, so no program code catches it by accident.
struct SimulationStop {};
// Thrown by poll() when nothing can ever happen again: run_setup's normal
// end, run's deadlock.
struct SimulationQuiescent {};

class World : public LoopObserver, public std::enable_shared_from_this<World> {
 public:
  World(const SimulationOptions& options, Tape tape);
  ~World() override;

  Backend make_backend();

  // ---- LoopObserver ----
  void on_event(const LoopEvent& event) override;
  size_t pick(UnorderedSet set, size_t n) override;

  // ---- Simulated I/O ----
  void deliver_io(int fd, uint32_t mask, int64_t at_ns);

  // ---- Faults the program injects itself ----
  // A choice in [0, bound) on the tape (kind cancel_injection), for a
  // program that decides where to inject faults (scenarios' fuzz-cancel):
  // the tape then replays the injections with the schedule.
  uint64_t choose_injection(uint64_t bound) { return choose(ChoiceKind::kCancelInjection, bound); }

  // ---- Results ----
  const absl::Status& error() const { return error_; }
  // error(), after noticing a real thread's post that no poll saw yet.
  absl::Status final_status();
  Tape& tape() { return tape_; }
  Trace& trace() { return trace_; }
  uint64_t steps() const { return steps_; }
  uint64_t polls() const { return polls_; }
  int64_t now_ns() const { return now_ns_; }
  bool quiescent_ok() const { return quiescent_ok_; }
  void set_quiescent_ok(bool ok) { quiescent_ok_ = ok; }
  // Destroys the work still in flight (jobs, spawned threads, posts not yet
  // delivered), on this thread. Called after the loop is closed: such work
  // may hold the executor, which holds the World (a reference cycle).
  void discard_in_flight();
  // Records `status` as the run's error (the first one wins) and throws
  // SimulationStop.
  [[noreturn]] void stop_run(absl::Status status);

  // ---- The seams (called through the views make_backend() returns) ----
  absl::Status register_fd(int fd, uint32_t events);
  absl::Status modify_fd(int fd, uint32_t events);
  absl::Status unregister_fd(int fd);
  void poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out);
  void wakeup();
  void post(absl::AnyInvocable<void() &&> fn);
  size_t drain(std::vector<absl::AnyInvocable<void() &&>>* out);
  bool on_loop_thread() const { return !in_simulated_thread_; }
  void spawn(absl::AnyInvocable<void() &&> fn);
  // `start` (may be null) runs when a worker takes the job; false: the job
  // was cancelled while it waited and takes no time.
  absl::Status submit(absl::AnyInvocable<bool()> start, absl::AnyInvocable<void() &&> work);
  void shutdown_executor() { executor_shut_down_ = true; }

 private:
  struct Job {
    uint64_t number;
    int64_t done_ns;
    absl::AnyInvocable<bool()> start;
    absl::AnyInvocable<void() &&> work;
  };
  struct Arrival {
    uint64_t due_iteration;
    absl::AnyInvocable<void() &&> fn;
  };
  struct Delivery {
    int64_t at_ns;
    uint64_t seq;
    int fd;
    uint32_t mask;
  };

  uint64_t choose(ChoiceKind kind, uint64_t bound);
  void record(TraceKind kind, uint64_t id = 0, int64_t value = 0, std::string_view text = {}) {
    trace_.add(now_ns_, kind, id, value, text);
  }
  void throw_if_failed();
  void advance_to(int64_t when_ns, const char* reason);
  void start_queued_jobs();
  void complete_jobs_due();
  void run_spawned_if_idle();
  void run_as_simulated_thread(absl::AnyInvocable<void() &&> fn);
  bool arrival_due() const;
  std::optional<int64_t> next_deliverable_io() const;
  void collect_io(size_t max_events, std::vector<IoEvent>* out);

  SimulationOptions options_;
  Tape tape_;
  Trace trace_;
  const std::thread::id owner_;
  absl::Status error_;
  bool failed_ = false;
  bool quiescent_ok_ = false;

  int64_t now_ns_;
  uint64_t steps_ = 0;
  uint64_t polls_ = 0;
  uint64_t iteration_ = 0;
  bool in_simulated_thread_ = false;
  // The due iteration of the latest post of the running simulated thread,
  // and of the loop's own thread: post() keeps each thread's posts in order.
  uint64_t thread_last_due_ = 0;
  uint64_t loop_thread_last_due_ = 0;
  std::atomic<bool> woken_{false};

  // Executor.
  bool executor_shut_down_ = false;
  uint64_t jobs_submitted_ = 0;
  std::deque<Job> queued_jobs_;   // waiting for a worker, FIFO
  std::vector<Job> running_jobs_; // have a worker and a completion time
  std::deque<absl::AnyInvocable<void() &&>> spawned_;
  uint64_t spawn_count_ = 0;

  // Thread boundary.
  uint64_t posts_ = 0;
  std::deque<Arrival> arrivals_;
  absl::Mutex foreign_mu_;
  std::vector<absl::AnyInvocable<void() &&>> foreign_ ABSL_GUARDED_BY(foreign_mu_);
  std::atomic<bool> foreign_post_{false};

  // Simulated fds.
  absl::btree_map<int, uint32_t> interest_;
  std::vector<Delivery> deliveries_;  // sorted by (at_ns, seq)
  uint64_t delivery_seq_ = 0;
};

// The World a simulated loop runs on, or nullptr for any other loop.
World* world_of(EventLoop& loop);

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_WORLD_H_
