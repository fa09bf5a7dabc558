#include "sim/simulation.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "loop/aio/run.h"
#include "loop/context.h"
#include "loop/errors.h"
#include "sim/world.h"

namespace seedloop::sim {

int process_thread_count() {
  std::error_code ec;
  int n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return ec ? -1 : n;
}

namespace {

Tape make_tape(const SimulationOptions& options) {
  if (options.replay.has_value()) return Tape::replay(*options.replay, options.replay_mode);
  if (options.pct_depth > 0) return Tape::from_seed_pct(options.seed, options.pct_depth, options.pct_horizon);
  return Tape::from_seed(options.seed);
}

// What a run of the loop ended with, from the harness's point of view.
enum class Ending { kNormal, kStopped, kQuiescent };

// Runs `body`; turns the harness's unwinding exceptions into an Ending and
// the program's into `*exception` (the first one wins).
template <typename F>
Ending guarded(F&& body, std::exception_ptr* exception) {
  try {
    body();
    return Ending::kNormal;
  } catch (const SimulationStop&) {
    return Ending::kStopped;
  } catch (const SimulationQuiescent&) {
    return Ending::kQuiescent;
  } catch (...) {
    if (!*exception) *exception = std::current_exception();
    return Ending::kNormal;
  }
}

class RunState {
 public:
  explicit RunState(const SimulationOptions& options)
      : options_(options), world_(std::make_shared<World>(options, make_tape(options))) {
    loop_ = EventLoop::create(world_->make_backend());
    loop_->set_observer(world_.get());
    threads_before_ = options.detect_real_threads ? process_thread_count() : -1;
  }

  World& world() { return *world_; }
  EventLoop& loop() { return *loop_; }

  // Closes the loop and fills in the outcome.
  Outcome finish(Ending ending, std::exception_ptr exception, const char* quiescent_means) {
    Outcome out;
    if (ending == Ending::kStopped) {
      out.status = world_->error();
    } else if (ending == Ending::kQuiescent && quiescent_means != nullptr) {
      out.status = absl::FailedPreconditionError(absl::StrFormat(
          "deadlock at t=%d ns: %s, and nothing can happen (no ready callbacks, timers, simulated I/O, "
          "executor jobs or threadsafe posts in flight)",
          world_->now_ns(), quiescent_means));
    }
    if (ending != Ending::kNormal) {
      // The loop was unwound mid-iteration: close it without running anything
      // more; pending tasks are abandoned quietly (the status says why).
      loop_->set_exception_handler([](EventLoop&, const ExceptionContext&) {});
    }
    (void)guarded([&] { loop_->close(); }, &exception);
    world_->discard_in_flight();
    if (out.status.ok()) out.status = world_->final_status();
    if (out.status.ok() && world_->tape().unused() > 0) {
      const Tape& tape = world_->tape();
      const Choice& next = tape.recorded()[tape.choices().size()];
      out.status = absl::FailedPreconditionError(absl::StrFormat(
          "choice %d: the run ended but the tape has %d more choices (next: %s with bound %d): the tape does not "
          "fit the program",
          tape.choices().size(), tape.unused(), choice_kind_name(next.kind), next.bound));
    }
    if (out.status.ok() && threads_before_ >= 0) {
      const int after = process_thread_count();
      if (after > threads_before_) {
        out.status = absl::InternalError(absl::StrFormat(
            "the simulated program started real threads (%d threads before the run, %d after): simulated code must "
            "not start real threads; run blocking work with run_in_executor(nullptr, fn)",
            threads_before_, after));
      }
    }
    out.exception = exception;
    if (!world_->tape().replaying()) out.seed = options_.seed;
    out.choices = world_->tape().choices();
    out.trace_hash = world_->trace().hash();
    out.trace = std::move(world_->trace());
    out.steps = world_->steps();
    out.polls = world_->polls();
    out.end_ns = world_->now_ns();
    loop_->set_observer(nullptr);
    return out;
  }

 private:
  const SimulationOptions& options_;
  std::shared_ptr<World> world_;
  std::shared_ptr<EventLoop> loop_;
  int threads_before_ = -1;
};

}  // namespace

const char* mode_name(Mode mode) { return mode == Mode::kChaos ? "chaos" : "faithful"; }

std::string Outcome::describe() const {
  if (!status.ok()) return std::string(status.ToString());
  if (exception) return "program raised " + describe_exception(exception);
  return "ok";
}

std::string Outcome::tape_json() const { return to_json(choices, seed); }

Outcome Simulation::run(const Program& main) const {
  RunState state(options_);
  EventLoop& loop = state.loop();
  std::exception_ptr exception;
  // asyncio.run: main as a task in a copy of the context, then Runner.close's
  // shutdown steps, then close. The task outlives a stopped run's unwinding
  // (close() abandons it quietly).
  Task<void> task;
  Ending ending = guarded(
      [&] {
        task = loop.create_task(main(), "", copy_context());
        loop.run_until_complete(static_cast<const Future<void>&>(task));
      },
      &exception);
  if (ending == Ending::kNormal) ending = guarded([&] { internal::runner_shutdown(loop); }, &exception);
  return state.finish(ending, exception, "the main task or its shutdown is pending");
}

Outcome Simulation::run_setup(const Setup& setup) const {
  RunState state(options_);
  EventLoop& loop = state.loop();
  std::exception_ptr exception;
  Ending ending = guarded(
      [&] {
        setup(loop);
        loop.run_forever();
      },
      &exception);
  // Quiescence is how a setup-driven run ends.
  if (ending == Ending::kQuiescent) ending = Ending::kNormal;
  return state.finish(ending, exception, nullptr);
}

Outcome Simulation::run_driver(const Setup& driver) const {
  RunState state(options_);
  EventLoop& loop = state.loop();
  std::exception_ptr exception;
  Ending ending = guarded([&] { driver(loop); }, &exception);
  return state.finish(ending, exception, "the driver is running the loop");
}

absl::Status check_determinism(const SimulationOptions& options, const Program& program) {
  SimulationOptions recorded = options;
  recorded.trace = TraceLevel::kRecord;
  Outcome first = Simulation(recorded).run(program);
  Outcome second = Simulation(recorded).run(program);
  if (first.trace_hash == second.trace_hash && first.choices == second.choices) return absl::OkStatus();
  std::optional<size_t> at = first_divergence(first.trace, second.trace);
  const size_t index = at.value_or(0);
  return absl::InternalError(absl::StrFormat(
      "nondeterministic run (seed %d): trace hashes %016x and %016x differ; first divergence:\n  run 1: %s\n  run 2: %s",
      options.seed, first.trace_hash, second.trace_hash, describe_event(first.trace, index),
      describe_event(second.trace, index)));
}

}  // namespace seedloop::sim
