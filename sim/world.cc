#include "sim/world.h"

#include <cerrno>

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"
#include "sim/unimplemented_process_ops.h"
#include "sim/unimplemented_signal_ops.h"
#include "sim/unimplemented_socket_ops.h"

namespace seedloop::sim {

namespace {

// The Backend's parts are thin views of the World; each holds it alive, so
// the loop may destroy them in any order.
class SimClock : public Clock {
 public:
  explicit SimClock(std::shared_ptr<World> world) : world_(std::move(world)) {}
  int64_t now_ns() const override { return world_->now_ns(); }

 private:
  std::shared_ptr<World> world_;
};

class SimPoller : public Poller {
 public:
  explicit SimPoller(std::shared_ptr<World> world) : world_(std::move(world)) {}
  absl::Status register_fd(int fd, uint32_t events) override { return world_->register_fd(fd, events); }
  absl::Status modify_fd(int fd, uint32_t events) override { return world_->modify_fd(fd, events); }
  absl::Status unregister_fd(int fd) override { return world_->unregister_fd(fd); }
  void poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out) override {
    world_->poll(timeout_ns, max_events, out);
  }
  void wakeup() override { world_->wakeup(); }

 private:
  std::shared_ptr<World> world_;
};

class SimExecutor : public Executor {
 public:
  explicit SimExecutor(std::shared_ptr<World> world) : world_(std::move(world)) {}
  absl::Status submit(absl::AnyInvocable<void() &&> work) override { return world_->submit(nullptr, std::move(work)); }
  absl::Status submit(absl::AnyInvocable<bool()> start, absl::AnyInvocable<void() &&> work) override {
    return world_->submit(std::move(start), std::move(work));
  }
  // Queued jobs still run at their completion times; there is no thread to
  // wait for (a spawned thread waiting for the executor runs once it is idle).
  void shutdown(Shutdown) override { world_->shutdown_executor(); }

 private:
  std::shared_ptr<World> world_;
};

class SimThreadBoundary : public ThreadBoundary {
 public:
  explicit SimThreadBoundary(std::shared_ptr<World> world) : world_(std::move(world)) {}
  void post(absl::AnyInvocable<void() &&> fn) override { world_->post(std::move(fn)); }
  size_t drain(std::vector<absl::AnyInvocable<void() &&>>* out) override { return world_->drain(out); }
  bool on_loop_thread() const override { return world_->on_loop_thread(); }
  std::unique_ptr<Executor> new_default_executor() override { return std::make_unique<SimExecutor>(world_); }
  void spawn(absl::AnyInvocable<void() &&> fn) override { world_->spawn(std::move(fn)); }
  World* world() const { return world_.get(); }

 private:
  std::shared_ptr<World> world_;
};

}  // namespace

World::World(const SimulationOptions& options, Tape tape)
    : options_(options),
      tape_(std::move(tape)),
      trace_(options.trace),
      owner_(std::this_thread::get_id()),
      now_ns_(options.start_ns) {}

World::~World() = default;

Backend World::make_backend() {
  Backend backend;
  backend.clock = std::make_unique<SimClock>(shared_from_this());
  backend.poller = std::make_unique<SimPoller>(shared_from_this());
  backend.threads = std::make_unique<SimThreadBoundary>(shared_from_this());
  backend.sockets = std::make_unique<UnimplementedSocketOps>();
  backend.signals = std::make_unique<UnimplementedSignalOps>();
  backend.processes = std::make_unique<UnimplementedProcessOps>();
  return backend;
}

World* world_of(EventLoop& loop) {
  auto* boundary = dynamic_cast<SimThreadBoundary*>(&loop.thread_boundary());
  return boundary == nullptr ? nullptr : boundary->world();
}

// ---- Choices and failures ----

uint64_t World::choose(ChoiceKind kind, uint64_t bound) {
  absl::StatusOr<uint64_t> value = tape_.choose(kind, bound);
  if (value.ok()) return *value;
  // Called from inside callbacks too (run_in_executor's submit): remember the
  // first mismatch and stop at the next safe point, with the simplest value
  // meanwhile.
  if (!failed_) {
    failed_ = true;
    error_ = value.status();
  }
  return 0;
}

void World::stop_run(absl::Status status) {
  if (!failed_) {
    failed_ = true;
    error_ = std::move(status);
  }
  throw SimulationStop{};
}

absl::Status World::final_status() {
  if (foreign_post_.load(std::memory_order_acquire) && !failed_) {
    failed_ = true;
    error_ = absl::InternalError(
        "a real thread posted to the simulated loop (call_soon_threadsafe or an executor completion from a thread "
        "the simulation did not create): simulated code must not start real threads or use a real executor; run "
        "blocking work with run_in_executor(nullptr, fn), which the simulator runs as a simulated thread");
  }
  return error_;
}

void World::throw_if_failed() {
  if (!final_status().ok()) throw SimulationStop{};
}

void World::advance_to(int64_t when_ns, const char* reason) {
  if (when_ns <= now_ns_) return;
  if (when_ns - options_.start_ns > options_.budgets.max_virtual_ns) {
    stop_run(absl::ResourceExhaustedError(absl::StrFormat(
        "simulation budget max_virtual_ns exceeded: the run would pass %d ns of virtual time (limit %d ns, "
        "SimulationOptions::budgets.max_virtual_ns) at t=%d ns, jumping for %s",
        when_ns - options_.start_ns, options_.budgets.max_virtual_ns, now_ns_, reason)));
  }
  const int64_t delta = when_ns - now_ns_;
  now_ns_ = when_ns;
  record(TraceKind::kTimeJump, 0, delta, reason);
}

void World::discard_in_flight() {
  std::vector<absl::AnyInvocable<void() &&>> foreign;
  {
    absl::MutexLock lock(&foreign_mu_);
    foreign.swap(foreign_);
  }
  // Moved out first: destroying an item may touch the World again.
  std::deque<Job> queued = std::move(queued_jobs_);
  std::vector<Job> running = std::move(running_jobs_);
  std::deque<absl::AnyInvocable<void() &&>> spawned = std::move(spawned_);
  std::deque<Arrival> arrivals = std::move(arrivals_);
  queued_jobs_.clear();
  running_jobs_.clear();
  spawned_.clear();
  arrivals_.clear();
}

// ---- LoopObserver ----

void World::on_event(const LoopEvent& event) {
  if (event.kind == LoopEventKind::kCallbackRun) {
    throw_if_failed();
    if (steps_ >= options_.budgets.max_steps) {
      stop_run(absl::ResourceExhaustedError(
          absl::StrFormat("simulation budget max_steps exceeded: more than %d callbacks run "
                          "(SimulationOptions::budgets.max_steps) at t=%d ns",
                          options_.budgets.max_steps, now_ns_)));
    }
    ++steps_;
    record(TraceKind::kCallbackRun, event.id, event.value, event.text);
    if (options_.mode == Mode::kChaos && options_.callback_cost_step_ns > 0 && options_.callback_cost_steps > 1) {
      const uint64_t k = choose(ChoiceKind::kCallbackCost, options_.callback_cost_steps);
      if (k > 0) advance_to(now_ns_ + static_cast<int64_t>(k) * options_.callback_cost_step_ns, "callback_cost");
    }
    return;
  }
  record(static_cast<TraceKind>(event.kind), event.id, event.value, event.text);
}

size_t World::pick(UnorderedSet set, size_t n) {
  if (options_.mode != Mode::kChaos) return 0;
  const ChoiceKind kind = set == UnorderedSet::kEqualDeadlineTimers ? ChoiceKind::kTimerTieOrder : ChoiceKind::kSetOrder;
  return static_cast<size_t>(choose(kind, n));
}

// ---- Poller ----

absl::Status World::register_fd(int fd, uint32_t events) {
  // The errnos epoll_ctl gives for the same mistakes.
  if (interest_.contains(fd)) {
    return with_errno(
        absl::AlreadyExistsError(absl::StrFormat("simulated poller: register_fd(fd %d): already registered", fd)),
        EEXIST);
  }
  interest_[fd] = events;
  return absl::OkStatus();
}

absl::Status World::modify_fd(int fd, uint32_t events) {
  auto it = interest_.find(fd);
  if (it == interest_.end()) {
    return with_errno(absl::NotFoundError(absl::StrFormat("simulated poller: modify_fd(fd %d): not registered", fd)),
                      ENOENT);
  }
  it->second = events;
  return absl::OkStatus();
}

absl::Status World::unregister_fd(int fd) {
  if (interest_.erase(fd) == 0) {
    return with_errno(
        absl::NotFoundError(absl::StrFormat("simulated poller: unregister_fd(fd %d): not registered", fd)), ENOENT);
  }
  return absl::OkStatus();
}

void World::deliver_io(int fd, uint32_t mask, int64_t at_ns) {
  Delivery d{std::max(at_ns, now_ns_), delivery_seq_++, fd, mask};
  auto pos = std::upper_bound(deliveries_.begin(), deliveries_.end(), d, [](const Delivery& a, const Delivery& b) {
    return a.at_ns != b.at_ns ? a.at_ns < b.at_ns : a.seq < b.seq;
  });
  deliveries_.insert(pos, d);
}

std::optional<int64_t> World::next_deliverable_io() const {
  for (const Delivery& d : deliveries_) {  // sorted: the first deliverable is the earliest
    auto it = interest_.find(d.fd);
    if (it != interest_.end() && (it->second & d.mask) != 0) return d.at_ns;
  }
  return std::nullopt;
}

void World::collect_io(size_t max_events, std::vector<IoEvent>* out) {
  absl::btree_map<int, uint32_t> ready;  // by fd: no address or hash order
  for (Delivery& d : deliveries_) {
    if (d.at_ns > now_ns_) break;
    auto it = interest_.find(d.fd);
    if (it == interest_.end()) continue;
    const uint32_t bits = it->second & d.mask;
    if (bits == 0) continue;
    ready[d.fd] |= bits;
    d.mask &= ~bits;  // the rest waits for interest in it
  }
  if (ready.empty()) return;
  deliveries_.erase(std::remove_if(deliveries_.begin(), deliveries_.end(), [](const Delivery& d) { return d.mask == 0; }),
                    deliveries_.end());
  std::vector<IoEvent> events;
  for (const auto& [fd, bits] : ready) events.push_back(IoEvent{fd, bits});
  // The kernel's readiness order is free: the tape picks it.
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const size_t k = static_cast<size_t>(choose(ChoiceKind::kReadinessOrder, events.size() - i));
    std::swap(events[i], events[i + k]);
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (i < max_events) {
      out->push_back(events[i]);
      record(TraceKind::kIoDelivery, static_cast<uint64_t>(events[i].fd), events[i].events);
    } else {
      deliver_io(events[i].fd, events[i].events, now_ns_);  // reported by a later poll
    }
  }
}

void World::wakeup() { woken_.store(true, std::memory_order_release); }

bool World::arrival_due() const {
  for (const Arrival& a : arrivals_) {
    if (a.due_iteration <= iteration_) return true;
  }
  return false;
}

void World::poll(std::optional<int64_t> timeout_ns, size_t max_events, std::vector<IoEvent>* out) {
  throw_if_failed();
  if (++polls_ > options_.budgets.max_polls) {
    stop_run(absl::ResourceExhaustedError(
        absl::StrFormat("simulation budget max_polls exceeded: more than %d loop iterations "
                        "(SimulationOptions::budgets.max_polls) at t=%d ns",
                        options_.budgets.max_polls, now_ns_)));
  }
  ++iteration_;
  const bool woken = woken_.exchange(false, std::memory_order_acq_rel);
  bool may_wait = timeout_ns != 0 && !woken && !arrival_due();
  if (may_wait && next_deliverable_io().value_or(now_ns_ + 1) <= now_ns_) may_wait = false;
  if (may_wait && !arrivals_.empty()) {
    // A loop about to wait receives the earliest pending post at once.
    auto earliest = std::min_element(arrivals_.begin(), arrivals_.end(), [](const Arrival& a, const Arrival& b) {
      return a.due_iteration < b.due_iteration;
    });
    earliest->due_iteration = iteration_;
    may_wait = false;
  }
  if (may_wait && !spawned_.empty() && running_jobs_.empty() && queued_jobs_.empty()) {
    run_spawned_if_idle();
    may_wait = false;
  }
  if (may_wait) {
    std::optional<int64_t> target;
    const char* reason = "timeout";
    if (timeout_ns.has_value()) target = now_ns_ + *timeout_ns;
    for (const Job& job : running_jobs_) {
      if (!target || job.done_ns < *target) {
        target = job.done_ns;
        reason = "executor";
      }
    }
    if (std::optional<int64_t> io = next_deliverable_io(); io && (!target || *io < *target)) {
      target = io;
      reason = "io";
    }
    if (!target) throw SimulationQuiescent{};
    advance_to(*target, reason);
  }
  complete_jobs_due();
  run_spawned_if_idle();
  collect_io(max_events, out);
}

// ---- Thread boundary ----

void World::post(absl::AnyInvocable<void() &&> fn) {
  if (std::this_thread::get_id() != owner_) {
    // Not deterministic: kept (destroyed on the simulation's thread with the
    // World) and reported at the next safe point.
    absl::MutexLock lock(&foreign_mu_);
    foreign_.push_back(std::move(fn));
    foreign_post_.store(true, std::memory_order_release);
    return;
  }
  const uint64_t delay =
      options_.threadsafe_max_delay == 0 ? 0 : choose(ChoiceKind::kThreadsafeArrival, options_.threadsafe_max_delay + 1);
  ++posts_;
  record(TraceKind::kThreadsafePost, posts_, static_cast<int64_t>(delay));
  // One thread's posts keep their order (two call_soon_threadsafe calls from
  // one thread append to CPython's _ready in call order): a post never lands
  // before an earlier post of the same simulated thread. Posts of different
  // threads, and of the loop's own thread, may still overtake each other.
  uint64_t& last_due = in_simulated_thread_ ? thread_last_due_ : loop_thread_last_due_;
  last_due = std::max(last_due, iteration_ + delay);
  arrivals_.push_back(Arrival{last_due, std::move(fn)});
}

size_t World::drain(std::vector<absl::AnyInvocable<void() &&>>* out) {
  size_t n = 0;
  for (auto it = arrivals_.begin(); it != arrivals_.end();) {
    if (it->due_iteration <= iteration_) {
      out->push_back(std::move(it->fn));
      it = arrivals_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

void World::run_as_simulated_thread(absl::AnyInvocable<void() &&> fn) {
  struct Mark {
    bool* flag;
    explicit Mark(bool* f) : flag(f) { *flag = true; }
    ~Mark() { *flag = false; }
  } mark(&in_simulated_thread_);
  thread_last_due_ = 0;  // a new simulated thread: no earlier posts of its own
  std::move(fn)();
}

void World::spawn(absl::AnyInvocable<void() &&> fn) { spawned_.push_back(std::move(fn)); }

void World::run_spawned_if_idle() {
  while (!spawned_.empty() && running_jobs_.empty() && queued_jobs_.empty()) {
    auto fn = std::move(spawned_.front());
    spawned_.pop_front();
    record(TraceKind::kThreadSpawn, ++spawn_count_);
    run_as_simulated_thread(std::move(fn));
  }
}

// ---- Executor ----

absl::Status World::submit(absl::AnyInvocable<bool()> start, absl::AnyInvocable<void() &&> work) {
  if (executor_shut_down_) return absl::FailedPreconditionError("cannot schedule new futures after shutdown");
  const uint64_t number = ++jobs_submitted_;
  queued_jobs_.push_back(Job{number, 0, std::move(start), std::move(work)});
  record(TraceKind::kExecutorSubmit, number, -1);
  start_queued_jobs();
  return absl::OkStatus();
}

void World::start_queued_jobs() {
  while (!queued_jobs_.empty() && running_jobs_.size() < std::max<uint32_t>(1, options_.executor_workers)) {
    Job job = std::move(queued_jobs_.front());
    queued_jobs_.pop_front();
    // A job cancelled while it waited is refused by its worker at once
    // (set_running_or_notify_cancel) and takes no time.
    int64_t duration = 0;
    if (!job.start || job.start()) {
      const uint64_t k = 1 + choose(ChoiceKind::kExecutorDuration, std::max<uint32_t>(1, options_.executor_steps));
      duration = static_cast<int64_t>(k) * options_.executor_step_ns;
    }
    job.done_ns = now_ns_ + duration;
    record(TraceKind::kExecutorStart, job.number, duration);
    running_jobs_.push_back(std::move(job));
  }
}

void World::complete_jobs_due() {
  while (true) {
    // The earliest-finishing jobs due now (a callback's cost may have passed
    // several completion times), in submission order.
    std::vector<size_t> due;
    int64_t earliest = now_ns_;
    for (size_t i = 0; i < running_jobs_.size(); ++i) {
      const int64_t done = running_jobs_[i].done_ns;
      if (done > earliest) continue;
      if (done < earliest) {
        earliest = done;
        due.clear();
      }
      due.push_back(i);
    }
    if (due.empty()) return;
    // Jobs finishing at the same instant complete in a tape-chosen order.
    size_t pick_index = 0;
    if (due.size() >= 2) pick_index = static_cast<size_t>(choose(ChoiceKind::kExecutorOrder, due.size()));
    Job job = std::move(running_jobs_[due[pick_index]]);
    running_jobs_.erase(running_jobs_.begin() + static_cast<std::ptrdiff_t>(due[pick_index]));
    record(TraceKind::kExecutorComplete, job.number);
    run_as_simulated_thread(std::move(job.work));
    start_queued_jobs();
  }
}

}  // namespace seedloop::sim
