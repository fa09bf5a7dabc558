"""The simulated world of one run (sim/world.cc, canonical): the virtual
clock, the executor's jobs and helper threads; and SimExecutor, the default
executor whose jobs are those simulated threads.

run_in_executor jobs are simulated threads, exactly as seedloop's sim::World
runs them with every tape choice 0 (`seedloop conform`): a job takes one
`executor_step` from the moment a worker takes it; at most
`executor_workers` run at once and the rest wait FIFO; a job "runs" at its
completion time, on the loop's thread but as if from its own: it calls
loop.call_soon_threadsafe for each of its `threadsafe` callbacks, then
produces its result, which travels as in CPython
(concurrent.futures.Future -> wrap_future's _call_set_state ->
call_soon_threadsafe(_set_state)). Jobs due at the same instant complete in
submission order. shutdown_default_executor's helper thread is simulated the
same way: it runs once no job is in flight.

Alignment with sim/world.cc and loop/event_loop.cc (run_once): the C++
iteration is purge timers, drain posts, poll, drain posts, collect due
timers, run the ready batch; its poll jumps time, completes the jobs due
(their posts land "0 iterations later", i.e. in the drain right after this
poll) and runs an idle helper thread. CPython's call_soon_threadsafe appends
to the ready queue at once; World.poll (the selector's select()) does what
World::poll does in the same order (budget and iteration count, the "run the
helper thread instead of waiting" rule, the jump, complete_jobs_due,
run_spawned_if_idle), so a job's threadsafe callbacks and its result's
_set_state enter the ready queue exactly where the C++ loop's drain after
poll puts them: after what was already ready, before the timers that fall
due in this iteration.

Cancelling run_in_executor's future follows CPython (a
concurrent.futures.Future is RUNNING from the moment a worker takes the
job): a queued job is cancelled and never runs (its worker slot is not
used; CPython's pool skips it); a running job still runs its function,
threadsafe calls included, and its result is dropped by _set_state. See
"Known limits" (oracle/__init__.py) for the C++ side.

Virtual time (now_ns) moves only in poll(). A poll that may wait with
nothing in flight raises RunStopped("deadlock"); the budgets raise
RunStopped("budget NAME"). Single-threaded: everything runs on the loop's
thread.
"""

import collections
import concurrent.futures

from .errors import OracleExit, RunStopped
from .text import seconds_to_ns


class _Job:
    __slots__ = ("number", "fn", "args", "future", "done_ns")

    def __init__(self, number, fn, args, future):
        self.number = number
        self.fn = fn
        self.args = args
        self.future = future
        self.done_ns = None


class World:
    """The simulated world of one run, as sim::World with every tape choice
    0: jobs take one executor_step, posts land at once, ties in submission
    order. poll() is World::poll step for step."""

    def __init__(self, world_spec, budgets):
        self.now_ns = 0
        self.workers = max(1, int(world_spec.get("executor_workers", 4)))
        self.step_ns = seconds_to_ns(world_spec.get("executor_step", 0.001))
        self.max_steps = int(budgets.get("max_steps", 10_000_000))
        self.max_virtual_ns = seconds_to_ns(budgets.get("max_virtual_seconds", 604_800))
        self.max_polls = int(budgets.get("max_polls", 100_000_000))
        self.steps = 0
        self.polls = 0
        self.executor_shut_down = False
        self._jobs_submitted = 0
        self._queued = collections.deque()  # waiting for a worker, FIFO
        self._running = []                   # have a worker, in start order
        self._spawned = collections.deque()  # helper threads

    # ---- the loop's seams ----

    def count_step(self):
        """A callback is about to run (World::on_event, kCallbackRun)."""
        if self.steps >= self.max_steps:
            raise RunStopped("budget max_steps")
        self.steps += 1

    def poll(self, timeout_ns):
        """The selector's select(): World::poll in the canonical world."""
        self.polls += 1
        if self.polls > self.max_polls:
            raise RunStopped("budget max_polls")
        may_wait = timeout_ns != 0
        if may_wait and self._spawned and self._idle():
            # World::poll: a helper thread waiting for an idle executor runs
            # instead of the loop waiting (run_spawned_if_idle below).
            may_wait = False
        if may_wait:
            target = None if timeout_ns is None else self.now_ns + timeout_ns
            for job in self._running:
                if target is None or job.done_ns < target:
                    target = job.done_ns
            if target is None:
                raise RunStopped("deadlock")
            self._advance_to(target)
        self._complete_jobs_due()
        self._run_spawned_if_idle()

    def _advance_to(self, when_ns):
        if when_ns <= self.now_ns:
            return
        if when_ns > self.max_virtual_ns:
            raise RunStopped("budget max_virtual_seconds")
        self.now_ns = when_ns

    # ---- executor ----

    def submit(self, fn, args):
        if self.executor_shut_down:
            raise RuntimeError("cannot schedule new futures after shutdown")
        self._jobs_submitted += 1
        job = _Job(self._jobs_submitted, fn, args, concurrent.futures.Future())
        self._queued.append(job)
        self._start_queued_jobs()
        return job.future

    def cancel_queued(self):
        while self._queued:
            self._queued.popleft().future.cancel()

    def _idle(self):
        return not self._running and not self._queued

    def _start_queued_jobs(self):
        while self._queued and len(self._running) < self.workers:
            job = self._queued.popleft()
            # ThreadPoolExecutor's worker: a job cancelled while queued is
            # skipped and the worker takes the next one at once.
            if not job.future.set_running_or_notify_cancel():
                continue
            job.done_ns = self.now_ns + self.step_ns
            self._running.append(job)

    def _complete_jobs_due(self):
        while True:
            due = None
            for job in self._running:  # earliest first, then start order
                if job.done_ns <= self.now_ns and (due is None or job.done_ns < due.done_ns):
                    due = job
            if due is None:
                return
            self._running.remove(due)
            self._run_job(due)
            self._start_queued_jobs()

    @staticmethod
    def _run_job(job):
        # concurrent.futures.thread._WorkItem.run, minus the thread.
        try:
            result = job.fn(*job.args)
        except OracleExit:
            raise
        except BaseException as exc:  # noqa: B902 -- as _WorkItem.run
            job.future.set_exception(exc)
        else:
            job.future.set_result(result)

    # ---- helper threads (shutdown_default_executor's) ----

    def spawn(self, fn):
        self._spawned.append(fn)

    def _run_spawned_if_idle(self):
        while self._spawned and self._idle():
            self._spawned.popleft()()

    def in_flight(self):
        return bool(self._running or self._queued or self._spawned)


class SimExecutor(concurrent.futures.Executor):
    """The default executor: jobs are the World's simulated threads."""

    def __init__(self, world):
        self._world = world

    def submit(self, fn, /, *args, **kwargs):
        if kwargs:
            raise TypeError("SimExecutor.submit takes no keyword arguments")
        return self._world.submit(fn, args)

    def shutdown(self, wait=True, *, cancel_futures=False):
        # wait=True needs no waiting: the helper thread that calls it only
        # runs once no job is in flight.
        self._world.executor_shut_down = True
        if cancel_futures:
            self._world.cancel_queued()
