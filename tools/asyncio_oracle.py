#!/usr/bin/env python3
"""The CPython oracle: runs a scenario (scenarios/README.md) on CPython's own
asyncio inside a virtual-time event loop and writes its scenario trace.

Usage:

    python3 tools/asyncio_oracle.py SCENARIO.json [--trace OUT.jsonl]
                                   [--events] [--check-expect]

  --events        print each scenario event as `TIME TEXT` before the outcome
  --trace FILE    write the trace as JSON lines: the header
                  {"schema":"seedloop.trace","version":1}, then one
                  {"i":N,"t":NS,"ev":"scenario","id":N,"value":0,"text":"..."}
                  per scenario event
  --check-expect  check the scenario's `expect` (trace, fragments, outcome,
                  invariants; faithful mode); differences go to stderr

The last line on stdout is `outcome: OUTCOME` (`return VALUE`,
`raise EXCEPTION`, `deadlock` or `budget NAME`). Exit status: 0 when the
scenario ran (whatever its program did), 1 when --check-expect found a
difference, 2 on bad input (`FILE: problem` on stderr; never a traceback).

Python 3.11 (the machine's python3) and the standard library only.

Design
======

Everything asyncio does here is CPython's own, unmodified: Task, Future,
sleep, wait_for, gather, shield, wait, TaskGroup, timeout, Queue, Lock, ...
The oracle supplies only what a real program gets from the operating system
(a clock, a selector, threads), simulated, plus a few deliberate determinism
shims, and an interpreter that turns scenario steps into plain asyncio calls.

Time and the selector (VirtualTimeLoop, _VirtualSelector)
    The loop is asyncio.SelectorEventLoop with a fake selector. Virtual time
    is an integer count of nanoseconds (World.now_ns) that moves only inside
    select(): a select that may wait jumps to the earliest of its timeout and
    the next executor completion instead of sleeping. loop.time() returns
    now_ns / 1e9. Deadlines are quantized to whole nanoseconds (call_at
    rounds `when`, call_later adds round(delay * 1e9) to now_ns), because the
    C++ loop keeps integer-ns deadlines: two timers are equal, earlier or
    due at exactly the same moments on both sides. The clock resolution is
    half a nanosecond, not 1e-9: the C++ side treats a timer as due when
    `deadline_ns < now_ns + 1`, i.e. `deadline_ns <= now_ns`; with float
    seconds, `deadline < now + 1e-9` is decided by rounding for a deadline
    one ns away (wrong about 7% of the time), while half a nanosecond is
    several ulps away from both neighbours for any time up to a week and
    decides exactly like the integers. A select with no timeout when there
    is nothing in flight (no ready handle, no timer, no executor job, no
    helper thread) can never return: that is the `deadlock` outcome.

World and executor (World, SimExecutor) -- the canonical world
    run_in_executor jobs are simulated threads, exactly as seedloop's
    sim::World runs them with every tape choice 0 (`seedloop conform`):
    a job takes one `executor_step` from the moment a worker takes it; at
    most `executor_workers` run at once and the rest wait FIFO; a job
    "runs" at its completion time, on the loop's thread but as if from its
    own: it calls loop.call_soon_threadsafe for each of its `threadsafe`
    callbacks, then produces its result, which travels as in CPython
    (concurrent.futures.Future -> wrap_future's _call_set_state ->
    call_soon_threadsafe(_set_state)). Jobs due at the same instant complete
    in submission order. shutdown_default_executor's helper thread is
    simulated the same way: it runs once no job is in flight.

    Alignment with sim/world.cc and loop/event_loop.cc (run_once):
    the C++ iteration is purge timers, drain posts, poll, drain posts,
    collect due timers, run the ready batch; its poll jumps time, completes
    the jobs due (their posts land "0 iterations later", i.e. in the drain
    right after this poll) and runs an idle helper thread. CPython's
    call_soon_threadsafe appends to the ready queue at once; the oracle's
    select() does what World::poll does in the same order (budget and
    iteration count, the "run the helper thread instead of waiting" rule,
    the jump, complete_jobs_due, run_spawned_if_idle), so a job's
    threadsafe callbacks and its result's _set_state enter the ready queue
    exactly where the C++ loop's drain after poll puts them: after what was
    already ready, before the timers that fall due in this iteration.

    Cancelling run_in_executor's future follows CPython (a
    concurrent.futures.Future is RUNNING from the moment a worker takes the
    job): a queued job is cancelled and never runs (its worker slot is not
    used; CPython's pool skips it); a running job still runs its function,
    threadsafe calls included, and its result is dropped by _set_state.
    See "Known limits" for the C++ side.

Determinism shims (each deliberate; CPython's choice depends on addresses)
    * TaskGroup._abort cancels its children in set-iteration order; the
      oracle gives each TaskGroup an insertion-ordered set (_CreationOrderSet)
      so it cancels them in creation order, as seedloop does.
    * asyncio.runners._cancel_all_tasks (asyncio.run's cleanup) cancels and
      gathers all_tasks(), a set; the oracle's version is CPython's with the
      tasks sorted by creation order.
    * The loop keeps every task it made alive until the run ends, so no task
      is garbage-collected (and its coroutine closed) at a GC-chosen moment.
    * The default executor is made lazily by run_in_executor, as CPython
      does with its ThreadPoolExecutor (set_default_executor up front would
      make shutdown_default_executor start its thread in every run, and in
      3.11 it accepts only a ThreadPoolExecutor).
    * The loop's self-pipe is not created: call_soon_threadsafe's wakeup has
      nothing to wake (select never blocks).
    * asyncio's logger and RuntimeWarnings are silenced (stdout/stderr stay
      clean; the scenario trace is the output).

The run
    `main`: asyncio.Runner (3.11's, with a loop_factory) exactly as
    asyncio.run: run_until_complete(main task), then Runner.close()
    (cancel remaining tasks, shutdown_asyncgens, shutdown_default_executor,
    close). Objects are made on the loop before main's task. The main task
    and tasks that asyncio makes from {"coro", "name"} awaitables (gather,
    wait_for, shield, run_until_complete) take their scenario name when they
    first run (Task.set_name; nothing can observe the name before).
    `driver`: its steps run on a fresh loop (set as the current event loop),
    closed afterwards if the steps did not close it.
    A deadlock or a budget stops the run at once: no cleanup runs, and the
    trace ends there. The trace is frozen when the run ends.

Interpreter
    Coroutines run as `async def` bodies that execute their steps; a
    callback (and the driver) runs the same code driven synchronously (it
    has no awaiting steps, so it never suspends). Every `await` in the
    interpreter is an asyncio awaitable or another step list: the
    interpreter adds no suspension points of its own. `return` is a value
    passed up, not an exception, so blocks (`async with`) are left the way
    Python's `return` leaves them. `try` catch types are matched with
    isinstance (Python's `except T`).

Known limits
    * Cancelled executor jobs follow CPython (above). seedloop's simulated
      executor differs (as of this writing): a cancelled job keeps its place
      in the queue and its worker for its duration, and a job that was
      already running skips its function (no threadsafe calls).
    * Sub-nanosecond times (delays like 1e-10) are rounded where CPython
      compares raw floats (wait_for's `timeout <= 0`); scenarios should not
      use them.
    * A deadlock in asyncio.run's cleanup (after main returned) is reported
      as `deadlock`: CPython would hang there.
    * Only the canonical world: executor_steps and threadsafe_max_delay
      (tape-chosen in seedloop) play no part; budgets are honoured
      (max_steps counts the handles _run_once runs, max_polls the selects).
"""

import argparse
import asyncio
import asyncio.runners
import collections
import concurrent.futures
import itertools
import json
import logging
import math
import os
import selectors
import sys
import warnings

SCHEMA = "seedloop.scenario"
TRACE_HEADER = '{"schema":"seedloop.trace","version":1}'
NS_PER_S = 1_000_000_000

# ===========================================================================
# Text: times, values, exceptions (scenarios/README.md "The trace")
# ===========================================================================


def seconds_to_ns(seconds):
    """Seconds to integer ns, rounded half away from zero (C++ std::llround)."""
    x = float(seconds) * 1e9
    a = abs(x)
    f = math.floor(a)
    n = int(f) + (1 if a - f >= 0.5 else 0)
    return -n if x < 0 else n


def ns_to_seconds(ns):
    return ns / 1e9


def format_time(ns):
    """Integer ns as `SECONDS[.FRACTION]`, trailing zeros trimmed."""
    sign = "-" if ns < 0 else ""
    whole, frac = divmod(abs(ns), NS_PER_S)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}." + f"{frac:09d}".rstrip("0")


def value_text(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def exception_text(exc):
    """`TYPE` or `TYPE: MESSAGE`; a group is `TYPE: MESSAGE [SUB; SUB]`."""
    name = type(exc).__name__
    if isinstance(exc, BaseExceptionGroup):
        head = f"{name}: {exc.message}" if exc.message else name
        return head + " [" + "; ".join(exception_text(e) for e in exc.exceptions) + "]"
    message = str(exc)
    return f"{name}: {message}" if message else name


# ===========================================================================
# Errors that leave a run
# ===========================================================================


class _Internal(SystemExit):
    """Raised by the oracle itself. A SystemExit subclass on purpose: asyncio
    lets SystemExit through Task.__step, Handle._run and
    call_exception_handler, so it leaves the loop at once instead of becoming
    a task's exception that the program could observe."""


class BadInput(_Internal):
    """The scenario is malformed (or names something only a run can miss)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class RunStopped(_Internal):
    """The run ended without its program ending: deadlock or a budget."""

    def __init__(self, outcome):
        super().__init__(outcome)
        self.outcome = outcome


def _passes_through(exc):
    """Exceptions a scenario's `try` never handles: the oracle's own, and the
    GeneratorExit of a coroutine closed after the run."""
    return isinstance(exc, (_Internal, GeneratorExit))


# ===========================================================================
# The world: virtual clock, executor, helper threads (sim/world.cc, canonical)
# ===========================================================================


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
        except _Internal:
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


# ===========================================================================
# The virtual-time loop
# ===========================================================================


class _VirtualSelector(selectors._BaseSelectorImpl):
    """select() polls the World: it moves virtual time instead of sleeping.
    No file descriptor is ever ready (scenarios have no I/O)."""

    def __init__(self, world):
        super().__init__()
        self._world = world

    def select(self, timeout=None):
        if timeout is None:
            self._world.poll(None)
        else:
            self._world.poll(max(0, seconds_to_ns(timeout)))
        return []


class _ReadyQueue(collections.deque):
    """The loop's ready queue; counts the callbacks _run_once runs (the
    max_steps budget counts what seedloop reports as callback_run: every
    handle popped that is not cancelled), and stops before the one past the
    budget."""

    world = None

    def popleft(self):
        if self and not self[0]._cancelled:
            self.world.count_step()
        return super().popleft()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """asyncio's selector loop on virtual time (see the module docstring)."""

    # A timer is due when deadline_ns <= now_ns; see the module docstring.
    CLOCK_RESOLUTION = 0.5e-9

    def __init__(self, world):
        super().__init__(selector=_VirtualSelector(world))
        self._world = world
        self._clock_resolution = self.CLOCK_RESOLUTION
        ready = _ReadyQueue()
        ready.world = world
        self._ready = ready
        # Every task this loop made, in creation order (kept alive: shim).
        self._task_numbers = {}
        self._task_counter = itertools.count()

    # ---- time ----

    def time(self):
        return ns_to_seconds(self._world.now_ns)

    def call_at(self, when, callback, *args, context=None):
        # Quantized to whole ns: the C++ loop keeps integer-ns deadlines.
        if isinstance(when, (int, float)) and not isinstance(when, bool) and math.isfinite(when):
            when = ns_to_seconds(seconds_to_ns(when))
        return super().call_at(when, callback, *args, context=context)

    def call_later(self, delay, callback, *args, context=None):
        # now_ns + round(delay): as the C++ loop's call_later; CPython's
        # time() + delay could round to the neighbouring ns.
        if delay is None:
            raise TypeError("delay must not be None")
        when = ns_to_seconds(self._world.now_ns + seconds_to_ns(delay))
        return super().call_at(when, callback, *args, context=context)

    # ---- no self-pipe: nothing ever blocks, so nothing needs waking ----

    def _make_self_pipe(self):
        pass

    def _close_self_pipe(self):
        pass

    def _write_to_self(self):
        pass

    # ---- tasks in creation order ----

    def create_task(self, coro, *, name=None, context=None):
        task = super().create_task(coro, name=name, context=context)
        self._task_numbers[task] = next(self._task_counter)
        return task

    def task_number(self, task):
        return self._task_numbers.get(task, math.inf)

    # ---- executor ----

    def run_in_executor(self, executor, func, *args):
        # CPython makes its default ThreadPoolExecutor here, lazily; the
        # oracle makes a SimExecutor at the same moment.
        if (executor is None and self._default_executor is None and not self.is_closed()
                and not self._executor_shutdown_called):
            self._default_executor = SimExecutor(self._world)
        return super().run_in_executor(executor, func, *args)

    async def shutdown_default_executor(self):
        """BaseEventLoop.shutdown_default_executor (3.11) with its thread
        simulated (World.spawn: it runs once no job is in flight)."""
        self._executor_shutdown_called = True
        if self._default_executor is None:
            return
        future = self.create_future()
        self._world.spawn(lambda: self._do_shutdown(future))
        await future  # the "thread" has already finished: nothing to join


# ===========================================================================
# Determinism shims
# ===========================================================================


class _CreationOrderSet:
    """A set of tasks that iterates in insertion order: TaskGroup._tasks, so
    that TaskGroup._abort cancels children in creation order (CPython's set
    order depends on addresses)."""

    def __init__(self):
        self._items = {}

    def add(self, item):
        self._items[item] = None

    def discard(self, item):
        self._items.pop(item, None)

    def __contains__(self, item):
        return item in self._items

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)

    def __bool__(self):
        return bool(self._items)


def _cancel_all_tasks_in_creation_order(loop):
    """asyncio.runners._cancel_all_tasks (3.11), with the tasks in creation
    order instead of all_tasks()' set order."""
    to_cancel = asyncio.all_tasks(loop)
    if not to_cancel:
        return
    number = getattr(loop, "task_number", lambda task: 0)
    to_cancel = sorted(to_cancel, key=number)

    for task in to_cancel:
        task.cancel()

    loop.run_until_complete(asyncio.gather(*to_cancel, return_exceptions=True))

    for task in to_cancel:
        if task.cancelled():
            continue
        if task.exception() is not None:
            loop.call_exception_handler({
                "message": "unhandled exception during asyncio.run() shutdown",
                "exception": task.exception(),
                "task": task,
            })


class _Shims:
    """Installs the module-level shim for one run and restores it after."""

    def __enter__(self):
        self._saved = asyncio.runners._cancel_all_tasks
        asyncio.runners._cancel_all_tasks = _cancel_all_tasks_in_creation_order
        return self

    def __exit__(self, *exc):
        asyncio.runners._cancel_all_tasks = self._saved
        return False


# ===========================================================================
# The scenario document: light validation and step paths
# ===========================================================================

# Steps that suspend (README "Steps", **await**): coroutines only.
AWAIT_OPS = frozenset({
    "run_in_executor", "await", "sleep", "wait_for", "shield", "gather", "wait",
    "timeout", "timeout_at", "task_group", "acquire", "with", "put", "get", "join",
})
CONTROL_OPS = frozenset({"log", "return", "raise", "reraise", "try", "repeat"})
BLOCK_OPS = frozenset({"timeout", "timeout_at", "task_group", "with"})
ALL_OPS = CONTROL_OPS | AWAIT_OPS | frozenset({
    "call_soon", "call_later", "call_at", "call_soon_threadsafe", "cancel_handle", "time",
    "create_task", "create_future", "stop", "close", "run_forever", "run_until_complete",
    "is_running", "is_closed", "set_exception_handler", "set_task_factory",
    "set_result", "set_exception", "cancel", "uncancel", "cancelling", "done", "cancelled",
    "result", "exception", "state", "reschedule", "expired", "tg_create_task", "current_task",
    "release", "locked", "set", "clear", "is_set", "notify", "notify_all",
    "put_nowait", "get_nowait", "task_done", "qsize", "empty", "full",
})
OBJECT_TYPES = {
    "Future": None,  # made on the loop
    "Queue": asyncio.Queue,
    "LifoQueue": asyncio.LifoQueue,
    "PriorityQueue": asyncio.PriorityQueue,
    "Lock": asyncio.Lock,
    "Event": asyncio.Event,
    "Semaphore": asyncio.Semaphore,
    "BoundedSemaphore": asyncio.BoundedSemaphore,
    "Condition": asyncio.Condition,
}
RAISABLE = {
    "ValueError": ValueError,
    "RuntimeError": RuntimeError,
    "TypeError": TypeError,
    "CancelledError": asyncio.CancelledError,
    "TimeoutError": TimeoutError,
}
CATCHABLE = dict(RAISABLE, **{
    "InvalidStateError": asyncio.InvalidStateError,
    "QueueEmpty": asyncio.QueueEmpty,
    "QueueFull": asyncio.QueueFull,
    "ExceptionGroup": ExceptionGroup,
    "BaseExceptionGroup": BaseExceptionGroup,
    "Exception": Exception,
    "BaseException": BaseException,
})
MAX_DEPTH = 16


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def load_document(path):
    """The scenario's JSON; BadInput with `FILE[:LINE]: problem`."""
    try:
        with open(path, "rb") as f:
            raw = f.read((1 << 20) + 1)
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror or e}") from None
    if len(raw) > 1 << 20:
        raise BadInput(f"{path}: file is larger than 1 MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput(f"{path}: not UTF-8: {e.reason} at byte {e.start}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    except (ValueError, RecursionError) as e:
        raise BadInput(f"{path}: invalid JSON: {e}") from None


class Document:
    """The parts of a scenario the oracle uses, checked enough that running
    it cannot crash the oracle (`seedloop check` is the full validator)."""

    def __init__(self, path, doc):
        self.path = path
        self.where = {}  # id(step) -> "coroutines.main[3]"
        self._fail_unless(isinstance(doc, dict), "", "the document must be a JSON object")
        self._fail_unless(doc.get("schema") == SCHEMA, "schema", f'must be "{SCHEMA}"')
        self._fail_unless(doc.get("version") == 1 and not isinstance(doc.get("version"), bool),
                          "version", "must be 1")
        self._fail_unless(isinstance(doc.get("name"), str), "name", "must be a string")
        self.coroutines = self._step_lists(doc, "coroutines", awaiting=True)
        self.callbacks = self._step_lists(doc, "callbacks", awaiting=False)
        self.objects = self._objects(doc)
        self._fail_unless(("main" in doc) != ("driver" in doc), "",
                          "exactly one of main and driver must be present")
        self.main = doc.get("main")
        self.driver = None
        if self.main is not None:
            self._fail_unless(self.main in self.coroutines, "main", "must name a coroutine")
        else:
            self._fail_unless(isinstance(doc["driver"], list), "driver", "must be an array of steps")
            self.driver = doc["driver"]
            self._check_steps(self.driver, "driver", awaiting=False, in_catch=False, depth=1)
        self.budgets = self._knobs(doc, "budgets", {
            "max_steps": (1, 10_000_000), "max_virtual_seconds": (0, 604_800),
            "max_polls": (1, 100_000_000)})
        self.world = self._knobs(doc, "world", {
            "executor_workers": (1, 64), "executor_step": (1e-9, 604_800),
            "executor_steps": (1, 100), "threadsafe_max_delay": (0, 16)})
        self.expect = doc.get("expect") or {}
        self._fail_unless(isinstance(self.expect, dict), "expect", "must be an object")

    def fail(self, field, problem):
        where = f"{self.path}: {field}: " if field else f"{self.path}: "
        raise BadInput(where + problem)

    def _fail_unless(self, ok, field, problem):
        if not ok:
            self.fail(field, problem)

    def _step_lists(self, doc, key, awaiting):
        lists = doc.get(key, {})
        self._fail_unless(isinstance(lists, dict), key, "must be an object")
        for name, steps in lists.items():
            self._fail_unless(isinstance(steps, list), f"{key}.{name}", "must be an array of steps")
            self._check_steps(steps, f"{key}.{name}", awaiting, in_catch=False, depth=1)
        return lists

    def _check_steps(self, steps, field, awaiting, in_catch, depth):
        self._fail_unless(depth <= MAX_DEPTH, field, f"steps nest more than {MAX_DEPTH} deep")
        for i, step in enumerate(steps):
            here = f"{field}[{i}]"
            self._fail_unless(isinstance(step, dict), here, "must be an object")
            op = step.get("op")
            self._fail_unless(isinstance(op, str), f"{here}.op", "must be a string")
            self._fail_unless(op in ALL_OPS, f"{here}.op", f"unknown operation {op!r}")
            self._fail_unless(awaiting or op not in AWAIT_OPS, f"{here}.op",
                              f"{op} awaits: only coroutines may use it")
            self._fail_unless(in_catch or op != "reraise", f"{here}.op", "reraise outside catch")
            if "label" in step:
                self._fail_unless(isinstance(step["label"], str), f"{here}.label", "must be a string")
            self.where[id(step)] = here
            if op in ("try", "repeat") or op in BLOCK_OPS:
                self._nested(step, "steps", here, awaiting, in_catch, depth)
            if op == "try":
                catch = step.get("catch", [])
                self._fail_unless(isinstance(catch, list), f"{here}.catch", "must be an array")
                for k, clause in enumerate(catch):
                    cfield = f"{here}.catch[{k}]"
                    self._fail_unless(isinstance(clause, dict), cfield, "must be an object")
                    self._fail_unless(clause.get("type") in CATCHABLE, f"{cfield}.type",
                                      f"unknown exception type {clause.get('type')!r}")
                    self._nested(clause, "steps", cfield, awaiting, True, depth)
                if "finally" in step:
                    self._nested(step, "finally", here, awaiting, in_catch, depth)

    def _nested(self, step, key, here, awaiting, in_catch, depth):
        steps = step.get(key, [])
        self._fail_unless(isinstance(steps, list), f"{here}.{key}", "must be an array of steps")
        self._check_steps(steps, f"{here}.{key}", awaiting, in_catch, depth + 1)

    def _objects(self, doc):
        objects = doc.get("objects", {})
        self._fail_unless(isinstance(objects, dict), "objects", "must be an object")
        for name, spec in objects.items():
            self._fail_unless(isinstance(spec, dict) and spec.get("type") in OBJECT_TYPES,
                              f"objects.{name}.type", "must be one of " + ", ".join(OBJECT_TYPES))
        return objects

    def _knobs(self, doc, key, ranges):
        knobs = doc.get(key, {})
        self._fail_unless(isinstance(knobs, dict), key, "must be an object")
        for name, value in knobs.items():
            self._fail_unless(name in ranges, f"{key}.{name}", "unknown field")
            lo, hi = ranges[name]
            self._fail_unless(isinstance(value, (int, float)) and not isinstance(value, bool)
                              and lo <= value <= hi, f"{key}.{name}",
                              f"must be a number in [{lo}, {hi}], got {json.dumps(value)}")
        return knobs


# ===========================================================================
# The interpreter
# ===========================================================================


class _Return:
    """A `return` step on its way out of nested step lists."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class _Block:
    """A block step's completion: its value is null; `ret` is a `return`
    that left the block."""

    __slots__ = ("ret",)

    def __init__(self, ret):
        self.ret = ret


class _Ctx:
    """Who runs a step list: the actor's name, a callback's arguments (None
    in coroutines and the driver) and the exception a `catch` handles."""

    __slots__ = ("actor", "args", "handling")

    def __init__(self, actor, args=None, handling=None):
        self.actor = actor
        self.args = args
        self.handling = handling

    def catching(self, exc):
        return _Ctx(self.actor, self.args, exc)


_MISSING = object()


def run_sync(coro):
    """Runs a step list that never suspends (a callback's, the driver's)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise BadInput("a step suspended outside a coroutine")


class Interpreter:
    """Runs one scenario once and collects its scenario events."""

    def __init__(self, document):
        self.doc = document
        self.world = World(document.world, document.budgets)
        self.loop = None
        self.names = {}
        self.events = []       # (ns, text)
        self.frozen = False    # the run has ended: no more events
        self.end_ns = None
        self._keep = []        # coroutine objects, kept alive (shim)

    # ---- events ----

    def record(self, text):
        if not self.frozen:
            self.events.append((self.world.now_ns, text))

    def _head(self, step):
        if "label" in step:
            return step["label"]
        for key in ("object", "name", "callback", "coro"):
            subject = step.get(key)
            if isinstance(subject, str):
                return f"{step['op']} {subject}"
        return step["op"]

    # ---- names ----

    def fail(self, step, field, problem):
        where = self.doc.where.get(id(step), "")
        if field:
            where = f"{where}.{field}" if where else field
        self.doc.fail(where, problem)

    def define(self, step, name, obj, field="name"):
        if name in self.names:
            self.fail(step, field, f"name {name!r} is already taken")
        self.names[name] = obj

    def lookup(self, step, name, kinds, what, field="object"):
        if not isinstance(name, str):
            self.fail(step, field, "must be a name")
        if name not in self.names:
            self.fail(step, field, f"no object named {name!r} (yet)")
        obj = self.names[name]
        if not isinstance(obj, kinds):
            self.fail(step, field, f"{name!r} is not {what}")
        return obj

    def field(self, step, key, types, default=_MISSING, what=None):
        value = step.get(key, default)
        if value is _MISSING:
            self.fail(step, key, "is required")
        if value is default and default is not _MISSING:
            return value
        if types is not None and (not isinstance(value, types) or
                                  (isinstance(value, bool) and bool not in _as_tuple(types))):
            self.fail(step, key, f"must be {what or _type_words(types)}, got {json.dumps(value)}")
        return value

    def number(self, step, key, default=_MISSING, allow_null=False):
        value = step.get(key, default)
        if value is _MISSING:
            self.fail(step, key, "is required")
        if value is None and (allow_null or default is None):
            return None
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or value < 0):
            self.fail(step, key, f"must be a number >= 0, got {json.dumps(value)}")
        return value

    # ---- objects, coroutine instances, callbacks ----

    def make_objects(self):
        pending_conditions = []
        for name, spec in self.doc.objects.items():
            kind = spec["type"]
            if kind == "Condition":
                pending_conditions.append((name, spec))
                continue
            self.names[name] = self._make_object(name, kind, spec)
        for name, spec in pending_conditions:
            lock = None
            if spec.get("lock") is not None:
                lock = self.names.get(spec["lock"])
                if not isinstance(lock, asyncio.Lock):
                    self.doc.fail(f"objects.{name}.lock", "must name a Lock object")
            self.names[name] = asyncio.Condition(lock)

    def _make_object(self, name, kind, spec):
        if kind == "Future":
            return self.loop.create_future()
        cls = OBJECT_TYPES[kind]
        try:
            if kind in ("Queue", "LifoQueue", "PriorityQueue"):
                return cls(maxsize=_int_field(spec.get("maxsize", 0)))
            if kind in ("Semaphore", "BoundedSemaphore"):
                return cls(value=_int_field(spec.get("value", 1)))
            return cls()
        except (TypeError, ValueError) as e:
            self.doc.fail(f"objects.{name}", str(e))

    def instance(self, step, cname, actor, register=False):
        """A fresh coroutine instance of `cname` running as `actor`; with
        `register`, the task asyncio makes for it joins the namespace under
        that name when it starts (run_until_complete's named instance)."""
        if not isinstance(cname, str) or cname not in self.doc.coroutines:
            self.fail(step, "coro", f"no coroutine named {cname!r}")
        if not isinstance(actor, str):
            self.fail(step, "name", "must be a string")
        me = []
        coro = self._instance_body(cname, actor, me, step if register else None)
        me.append(coro)
        self._keep.append(coro)
        return coro

    async def _instance_body(self, cname, actor, me, register_step=None):
        # A task asyncio made from this coroutine (asyncio.run's main task,
        # gather's, wait_for's, ...) takes the instance's name now; nothing
        # could observe the default "Task-N" before its first step.
        task = asyncio.current_task(self.loop)
        if task is not None and task.get_coro() is me[0]:
            if task.get_name() != actor:
                task.set_name(actor)
            if register_step is not None:
                self.define(register_step, actor, task)
        ret = await self.run_steps(self.doc.coroutines[cname], _Ctx(actor))
        return None if ret is None else ret.value

    def callback(self, step, cbname, field="callback"):
        """A plain function that runs callback `cbname`'s steps."""
        if not isinstance(cbname, str) or cbname not in self.doc.callbacks:
            self.fail(step, field, f"no callback named {cbname!r}")

        def run(*args):
            run_sync(self.run_steps(self.doc.callbacks[cbname], _Ctx(cbname, list(args))))

        run.__name__ = run.__qualname__ = cbname
        return run

    def awaitable(self, step, spec, field):
        if isinstance(spec, str):
            return self.lookup(step, spec, asyncio.Future, "a Task or Future", field)
        if isinstance(spec, dict) and isinstance(spec.get("coro"), str):
            return self.instance(step, spec["coro"], spec.get("name", spec["coro"]))
        self.fail(step, field, 'must be a name or {"coro": C, "name": N}')

    def make_exception(self, step, spec, field):
        if not isinstance(spec, dict) or spec.get("type") not in RAISABLE:
            self.fail(step, field, "must be {\"type\": T, \"message\": M} with T one of "
                      + ", ".join(RAISABLE))
        message = spec.get("message", "")
        if not isinstance(message, str):
            self.fail(step, f"{field}.message", "must be a string")
        return RAISABLE[spec["type"]](message) if message else RAISABLE[spec["type"]]()

    # ---- step lists ----

    async def run_steps(self, steps, ctx):
        for step in steps:
            ret = await self.run_step(step, ctx)
            if ret is not None:
                return ret
        return None

    async def run_step(self, step, ctx):
        op = step["op"]
        control = _CONTROL.get(op)
        if control is not None:
            return await control(self, step, ctx)
        handler = _OPS[op]
        try:
            value = await handler(self, step, ctx)
        except BaseException as exc:
            if not _passes_through(exc):
                self.record(f"{ctx.actor} {self._head(step)} !> {exception_text(exc)}")
            raise
        ret = None
        if isinstance(value, _Block):
            ret, value = value.ret, None
        self.record(f"{ctx.actor} {self._head(step)} -> {self._value(step, value)}")
        return ret

    def _value(self, step, value):
        try:
            return value_text(value)
        except (TypeError, ValueError) as e:
            self.fail(step, "", f"value is not JSON: {e}")

    # ---- control steps (never report themselves) ----

    async def op_log(self, step, ctx):
        msg = self.field(step, "msg", str)
        if ctx.args is not None:
            msg = msg.replace("{args}", value_text(ctx.args))
        self.record(f"{ctx.actor}: {msg}")

    async def op_return(self, step, ctx):
        return _Return(step.get("value"))

    async def op_raise(self, step, ctx):
        raise self.make_exception(step, step.get("exception"), "exception")

    async def op_reraise(self, step, ctx):
        if ctx.handling is None:
            self.fail(step, "op", "reraise outside catch")
        raise ctx.handling

    async def op_repeat(self, step, ctx):
        count = self.field(step, "count", int)
        if not 1 <= count <= 100_000:
            self.fail(step, "count", f"must be in [1, 100000], got {count}")
        steps = step.get("steps", [])
        for _ in range(count):
            ret = await self.run_steps(steps, ctx)
            if ret is not None:
                return ret
        return None

    async def op_try(self, step, ctx):
        """Python's try/except/finally: the first matching clause handles;
        an exception or `return` from `finally` replaces what was leaving."""
        try:
            ret = await self.run_steps(step.get("steps", []), ctx)
        except BaseException as exc:
            if _passes_through(exc):
                raise
            clause = self._matching_clause(step, exc)
            if clause is None:
                return await self._finally_then_raise(step, ctx, exc)
            try:
                ret = await self.run_steps(clause.get("steps", []), ctx.catching(exc))
            except BaseException as exc2:
                if _passes_through(exc2):
                    raise
                return await self._finally_then_raise(step, ctx, exc2)
        fin = await self._run_finally(step, ctx)
        return fin if fin is not None else ret

    async def _finally_then_raise(self, step, ctx, exc):
        fin = await self._run_finally(step, ctx)
        if fin is not None:
            return fin  # `return` in finally swallows the exception
        raise exc

    async def _run_finally(self, step, ctx):
        if "finally" not in step:
            return None
        return await self.run_steps(step["finally"], ctx)

    @staticmethod
    def _matching_clause(step, exc):
        for clause in step.get("catch", []):
            if isinstance(exc, CATCHABLE[clause["type"]]):
                return clause
        return None

    # ---- the loop ----

    def _schedule(self, step, schedule):
        fn = self.callback(step, step.get("callback"))
        args = self.field(step, "args", list, default=[])
        name = self.field(step, "name", str, default=None)
        if name is not None and name in self.names:
            self.fail(step, "name", f"name {name!r} is already taken")
        handle = schedule(fn, args)
        if name is not None:
            self.define(step, name, handle)

    async def op_call_soon(self, step, ctx):
        self._schedule(step, lambda fn, args: self.loop.call_soon(fn, *args))

    async def op_call_soon_threadsafe(self, step, ctx):
        self._schedule(step, lambda fn, args: self.loop.call_soon_threadsafe(fn, *args))

    async def op_call_later(self, step, ctx):
        delay = self.number(step, "delay")
        self._schedule(step, lambda fn, args: self.loop.call_later(delay, fn, *args))

    async def op_call_at(self, step, ctx):
        when = self.number(step, "when")
        self._schedule(step, lambda fn, args: self.loop.call_at(when, fn, *args))

    async def op_cancel_handle(self, step, ctx):
        self.lookup(step, step.get("object"), asyncio.Handle, "a handle").cancel()

    async def op_time(self, step, ctx):
        return format_time(self.world.now_ns)

    async def op_create_task(self, step, ctx):
        cname = step.get("coro")
        name = self.field(step, "name", str, default=None)
        if name is not None and name in self.names:
            self.fail(step, "name", f"name {name!r} is already taken")
        actor = name if name is not None else cname
        task = self.loop.create_task(self.instance(step, cname, actor), name=actor)
        if name is not None:
            self.define(step, name, task)

    async def op_create_future(self, step, ctx):
        name = self.field(step, "name", str)
        if name in self.names:
            self.fail(step, "name", f"name {name!r} is already taken")
        self.define(step, name, self.loop.create_future())

    async def op_run_in_executor(self, step, ctx):
        threadsafe = [self.callback(step, cb, "threadsafe")
                      for cb in self.field(step, "threadsafe", list, default=[])]
        error = None
        if "raise" in step:
            error = self.make_exception(step, step["raise"], "raise")
        result = step.get("result")
        loop = self.loop

        def job():  # runs at its completion time, "on its own thread"
            for fn in threadsafe:
                loop.call_soon_threadsafe(fn)
            if error is not None:
                raise error
            return result

        return await loop.run_in_executor(None, job)

    async def op_stop(self, step, ctx):
        self.loop.stop()

    async def op_close(self, step, ctx):
        self.loop.close()

    async def op_run_forever(self, step, ctx):
        self.loop.run_forever()

    async def op_run_until_complete(self, step, ctx):
        if "object" in step:
            target = self.lookup(step, step["object"], asyncio.Future, "a Task or Future")
        else:
            cname = step.get("coro")
            target = self.instance(step, cname, step.get("name", cname), register="name" in step)
        return self.loop.run_until_complete(target)

    async def op_is_running(self, step, ctx):
        return self.loop.is_running()

    async def op_is_closed(self, step, ctx):
        return self.loop.is_closed()

    async def op_set_exception_handler(self, step, ctx):
        cbname = step.get("callback")
        if cbname is None:
            self.loop.set_exception_handler(None)
            return None
        run = self.callback(step, cbname)

        def handler(loop, context):
            # Traced only for callbacks' exceptions: other contexts come at
            # moments chosen by the garbage collector.
            exc = context.get("exception")
            message = str(context.get("message", ""))
            if self.frozen or exc is None or not message.startswith("Exception in callback"):
                return
            self.record(f"{cbname} exception_handler -> {value_text(exception_text(exc))}")
            run()

        self.loop.set_exception_handler(handler)

    async def op_set_task_factory(self, step, ctx):
        factory = step.get("factory")
        if factory is None:
            self.loop.set_task_factory(None)
            return None
        if factory != "logging":
            self.fail(step, "factory", 'must be "logging" or null')

        def logging_factory(loop, coro, **kwargs):
            self.record("task_factory: create")
            return asyncio.Task(coro, loop=loop, **kwargs)

        self.loop.set_task_factory(logging_factory)

    # ---- futures and tasks ----

    def _future(self, step):
        return self.lookup(step, step.get("object"), asyncio.Future, "a Task or Future")

    def _task_or_current(self, step):
        if "object" in step:
            return self.lookup(step, step["object"], asyncio.Task, "a Task")
        task = asyncio.current_task(self.loop)
        if task is None:
            self.fail(step, "object", "no current task: name one")
        return task

    async def op_await(self, step, ctx):
        if "object" in step:
            return await self._future(step)
        cname = step.get("coro")
        return await self.instance(step, cname, step.get("name", cname))

    async def op_set_result(self, step, ctx):
        self._future(step).set_result(step.get("value"))

    async def op_set_exception(self, step, ctx):
        fut = self._future(step)
        fut.set_exception(self.make_exception(step, step.get("exception"), "exception"))

    async def op_cancel(self, step, ctx):
        msg = self.field(step, "msg", str, default=None)
        return self._future(step).cancel(msg=msg)

    async def op_uncancel(self, step, ctx):
        return self._task_or_current(step).uncancel()

    async def op_cancelling(self, step, ctx):
        return self._task_or_current(step).cancelling()

    async def op_done(self, step, ctx):
        return self._future(step).done()

    async def op_cancelled(self, step, ctx):
        return self._future(step).cancelled()

    async def op_result(self, step, ctx):
        return self._future(step).result()

    async def op_exception(self, step, ctx):
        exc = self._future(step).exception()
        return None if exc is None else exception_text(exc)

    async def op_state(self, step, ctx):
        name = step.get("object")
        return self.state_of(name, lambda problem: self.fail(step, "object", problem))

    def state_of(self, name, fail):
        """README "State": an object observed as JSON."""
        if not isinstance(name, str) or name not in self.names:
            fail(f"no object named {name!r}")
        obj = self.names[name]
        if isinstance(obj, asyncio.Future):
            if not obj.done():
                return "pending"
            if obj.cancelled():
                return "cancelled"
            exc = obj.exception()
            if exc is not None:
                return "exception " + exception_text(exc)
            return "result " + value_text(obj.result())
        if isinstance(obj, asyncio.Queue):
            return obj.qsize()
        if isinstance(obj, asyncio.Lock):
            return obj.locked()
        if isinstance(obj, asyncio.Semaphore):
            return obj._value
        if isinstance(obj, asyncio.Event):
            return obj.is_set()
        if isinstance(obj, asyncio.Condition):
            return obj.locked()
        if isinstance(obj, asyncio.Handle):
            return "cancelled" if obj.cancelled() else "active"
        fail(f"{name!r} has no State (a {type(obj).__name__})")

    # ---- asyncio functions ----

    async def op_sleep(self, step, ctx):
        return await asyncio.sleep(self.number(step, "delay"), step.get("result"))

    async def op_wait_for(self, step, ctx):
        timeout = self.number(step, "timeout", default=None, allow_null=True)
        return await asyncio.wait_for(self.awaitable(step, step.get("awaitable"), "awaitable"), timeout)

    async def op_shield(self, step, ctx):
        return await asyncio.shield(self.awaitable(step, step.get("awaitable"), "awaitable"))

    async def op_gather(self, step, ctx):
        specs = self.field(step, "awaitables", list)
        aws = [self.awaitable(step, a, f"awaitables[{i}]") for i, a in enumerate(specs)]
        return_exceptions = self.field(step, "return_exceptions", bool, default=False)
        values = await asyncio.gather(*aws, return_exceptions=return_exceptions)
        return ["!" + exception_text(v) if isinstance(v, BaseException) else v for v in values]

    async def op_wait(self, step, ctx):
        if "object" in step:
            obj = self.lookup(step, step["object"], (asyncio.Event, asyncio.Condition),
                              "an Event or Condition")
            return await obj.wait()
        names = self.field(step, "awaitables", list)
        futures = [self.lookup(step, n, asyncio.Future, "a Task or Future", f"awaitables[{i}]")
                   for i, n in enumerate(names)]
        timeout = self.number(step, "timeout", default=None, allow_null=True)
        return_when = self.field(step, "return_when", str, default="ALL_COMPLETED")
        if return_when not in ("ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"):
            self.fail(step, "return_when", f"unknown value {return_when!r}")
        name_of = {id(f): n for n, f in zip(names, futures)}
        done, pending = await asyncio.wait(futures, timeout=timeout,
                                           return_when=getattr(asyncio, return_when))
        return {"done": sorted({name_of[id(f)] for f in done}),
                "pending": sorted({name_of[id(f)] for f in pending})}

    def _deadline(self, seconds_from_now):
        """now + delay as a quantized loop time (what asyncio.timeout
        computes, without float rounding)."""
        if seconds_from_now is None:
            return None
        return ns_to_seconds(self.world.now_ns + seconds_to_ns(seconds_from_now))

    async def _timeout_block(self, step, ctx, when):
        cm = asyncio.timeout_at(when)  # == asyncio.timeout(delay) for delay = when - now
        name = self.field(step, "name", str, default=None)
        if name is not None:
            self.define(step, name, cm)
        async with cm:
            ret = await self.run_steps(step.get("steps", []), ctx)
        return _Block(ret)

    async def op_timeout(self, step, ctx):
        delay = self.number(step, "delay", default=None, allow_null=True)
        return await self._timeout_block(step, ctx, self._deadline(delay))

    async def op_timeout_at(self, step, ctx):
        when = self.number(step, "when", default=None, allow_null=True)
        when = None if when is None else ns_to_seconds(seconds_to_ns(when))
        return await self._timeout_block(step, ctx, when)

    async def op_reschedule(self, step, ctx):
        cm = self.lookup(step, step.get("object"), asyncio.Timeout, "a timeout")
        delay = self.number(step, "delay", default=None, allow_null=True)
        cm.reschedule(self._deadline(delay))

    async def op_expired(self, step, ctx):
        return self.lookup(step, step.get("object"), asyncio.Timeout, "a timeout").expired()

    async def op_task_group(self, step, ctx):
        tg = asyncio.TaskGroup()
        tg._tasks = _CreationOrderSet()  # shim: abort in creation order
        name = self.field(step, "name", str, default=None)
        if name is not None:
            self.define(step, name, tg)
        async with tg:
            ret = await self.run_steps(step.get("steps", []), ctx)
        return _Block(ret)

    async def op_tg_create_task(self, step, ctx):
        tg = self.lookup(step, step.get("object"), asyncio.TaskGroup, "a task group")
        cname = step.get("coro")
        name = self.field(step, "name", str, default=None)
        if name is not None and name in self.names:
            self.fail(step, "name", f"name {name!r} is already taken")
        actor = name if name is not None else cname
        task = tg.create_task(self.instance(step, cname, actor), name=actor)
        if name is not None:
            self.define(step, name, task)

    async def op_current_task(self, step, ctx):
        task = asyncio.current_task(self.loop)
        return None if task is None else task.get_name()

    # ---- synchronization primitives ----

    _LOCKS = (asyncio.Lock, asyncio.Semaphore, asyncio.Condition)

    def _lock(self, step):
        return self.lookup(step, step.get("object"), self._LOCKS, "a Lock, Semaphore or Condition")

    def _event(self, step):
        return self.lookup(step, step.get("object"), asyncio.Event, "an Event")

    def _condition(self, step):
        return self.lookup(step, step.get("object"), asyncio.Condition, "a Condition")

    def _queue(self, step):
        return self.lookup(step, step.get("object"), asyncio.Queue, "a queue")

    async def op_acquire(self, step, ctx):
        return await self._lock(step).acquire()

    async def op_release(self, step, ctx):
        self._lock(step).release()

    async def op_locked(self, step, ctx):
        return self._lock(step).locked()

    async def op_with(self, step, ctx):
        async with self._lock(step):
            ret = await self.run_steps(step.get("steps", []), ctx)
        return _Block(ret)

    async def op_set(self, step, ctx):
        self._event(step).set()

    async def op_clear(self, step, ctx):
        self._event(step).clear()

    async def op_is_set(self, step, ctx):
        return self._event(step).is_set()

    async def op_notify(self, step, ctx):
        n = self.field(step, "n", int, default=1)
        self._condition(step).notify(n)

    async def op_notify_all(self, step, ctx):
        self._condition(step).notify_all()

    async def op_put(self, step, ctx):
        await self._queue(step).put(step.get("value"))

    async def op_put_nowait(self, step, ctx):
        self._queue(step).put_nowait(step.get("value"))

    async def op_get(self, step, ctx):
        return await self._queue(step).get()

    async def op_get_nowait(self, step, ctx):
        return self._queue(step).get_nowait()

    async def op_task_done(self, step, ctx):
        self._queue(step).task_done()

    async def op_join(self, step, ctx):
        await self._queue(step).join()

    async def op_qsize(self, step, ctx):
        return self._queue(step).qsize()

    async def op_empty(self, step, ctx):
        return self._queue(step).empty()

    async def op_full(self, step, ctx):
        return self._queue(step).full()

    # ---- the run ----

    def new_loop(self):
        loop = VirtualTimeLoop(self.world)
        asyncio.set_event_loop(loop)  # as asyncio.run's Runner does
        self.loop = loop
        return loop

    def run(self):
        """Runs the scenario; returns the outcome text."""
        with _Shims():
            try:
                if self.doc.main is not None:
                    return self._run_main()
                return self._run_driver()
            finally:
                self.frozen = True
                self.end_ns = self.world.now_ns
                asyncio.set_event_loop(None)

    def _run_main(self):
        runner = asyncio.Runner(loop_factory=self.new_loop)
        loop = runner.get_loop()
        try:
            self.make_objects()
            coro = self.instance(None, self.doc.main, self.doc.main)
            try:
                outcome = "return " + value_text(runner.run(coro))
            except _Internal:
                raise
            except BaseException as exc:  # noqa: B902 -- the program's outcome
                outcome = "raise " + exception_text(exc)
            runner.close()  # asyncio.run's cleanup
            return outcome
        except RunStopped as stop:
            return stop.outcome
        finally:
            if not loop.is_closed() and not loop.is_running():
                loop.close()  # after a stop: no cleanup, as seedloop

    def _run_driver(self):
        loop = self.new_loop()
        try:
            self.make_objects()
            run_sync(self.run_steps(self.doc.driver, _Ctx("driver")))
            return "return null"
        except RunStopped as stop:
            return stop.outcome
        except _Internal:
            raise
        except BaseException as exc:  # noqa: B902 -- the program's outcome
            return "raise " + exception_text(exc)
        finally:
            if not loop.is_closed() and not loop.is_running():
                loop.close()


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _type_words(types):
    words = {str: "a string", int: "an integer", float: "a number", bool: "a boolean",
             list: "an array", dict: "an object"}
    return " or ".join(words.get(t, t.__name__) for t in _as_tuple(types))


def _int_field(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"must be an integer, got {json.dumps(value)}")
    return value


_CONTROL = {
    "log": Interpreter.op_log,
    "return": Interpreter.op_return,
    "raise": Interpreter.op_raise,
    "reraise": Interpreter.op_reraise,
    "try": Interpreter.op_try,
    "repeat": Interpreter.op_repeat,
}
_OPS = {op: getattr(Interpreter, "op_" + op) for op in ALL_OPS - CONTROL_OPS}


# ===========================================================================
# Results: trace file, expectations
# ===========================================================================


class Result:
    def __init__(self, events, outcome, end_ns, interpreter):
        self.events = events  # [(ns, text)]
        self.outcome = outcome
        self.end_ns = end_ns
        self._interpreter = interpreter

    def lines(self):
        return [f"{format_time(ns)} {text}" for ns, text in self.events]

    def trace_jsonl(self):
        out = [TRACE_HEADER]
        for i, (ns, text) in enumerate(self.events):
            out.append(json.dumps({"i": i, "t": ns, "ev": "scenario", "id": i, "value": 0,
                                   "text": text}, separators=(",", ":"), ensure_ascii=False))
        return "\n".join(out) + "\n"

    def state_of(self, name, fail):
        return self._interpreter.state_of(name, fail)


def run_document(document):
    interpreter = Interpreter(document)
    outcome = interpreter.run()
    return Result(list(interpreter.events), outcome, interpreter.end_ns, interpreter)


def run_file(path):
    return run_document(Document(path, load_document(path)))


def check_expect(document, result):
    """README "Expectations" (faithful mode): a list of differences."""
    expect = document.expect
    problems = []
    lines = result.lines()
    for key in ("trace", "fragments"):
        if key in expect and not (isinstance(expect[key], list)
                                  and all(isinstance(x, str) for x in expect[key])):
            document.fail(f"expect.{key}", "must be an array of strings")
    if "outcome" in expect and not isinstance(expect["outcome"], str):
        document.fail("expect.outcome", "must be a string")
    if "trace" in expect:
        want = expect["trace"]
        for i in range(max(len(want), len(lines))):
            w = want[i] if i < len(want) else None
            g = lines[i] if i < len(lines) else None
            if w != g:
                problems.append(f"expect.trace[{i}]: expected {json.dumps(w, ensure_ascii=False)}, "
                                f"got {json.dumps(g, ensure_ascii=False)}")
                break
    if "fragments" in expect:
        it = iter(lines)
        for k, fragment in enumerate(expect["fragments"]):
            if not any(line == fragment for line in it):
                problems.append(f"expect.fragments[{k}]: {json.dumps(fragment, ensure_ascii=False)} "
                                "not found (in order)")
                break
    if "outcome" in expect and expect["outcome"] != result.outcome:
        problems.append(f"expect.outcome: expected {json.dumps(expect['outcome'], ensure_ascii=False)}, "
                        f"got {json.dumps(result.outcome, ensure_ascii=False)}")
    problems += _check_invariants(document, result, expect.get("invariants") or {})
    return problems


def _check_invariants(document, result, invariants):
    problems = []
    if not isinstance(invariants, dict):
        document.fail("expect.invariants", "must be an object")
    for name, want in (invariants.get("final_state") or {}).items():
        field = f"expect.invariants.final_state.{name}"
        got = result.state_of(name, lambda problem, field=field: document.fail(field, problem))
        if value_text(got) != value_text(want):
            problems.append(f"{field}: expected {value_text(want)}, got {value_text(got)}")
    for k, needle in enumerate(invariants.get("never") or []):
        for ns, text in result.events:
            if needle in text:
                problems.append(f"expect.invariants.never[{k}]: {json.dumps(needle, ensure_ascii=False)} "
                                f"appears in \"{format_time(ns)} {text}\"")
                break
    if "ends_by" in invariants:
        ends_by = invariants["ends_by"]
        if isinstance(ends_by, bool) or not isinstance(ends_by, (int, float)):
            document.fail("expect.invariants.ends_by", "must be a number")
        if result.end_ns > seconds_to_ns(ends_by):
            problems.append(f"expect.invariants.ends_by: the run ended at {format_time(result.end_ns)}, "
                            f"after {format_time(seconds_to_ns(ends_by))}")
    return problems


# ===========================================================================
# Command line
# ===========================================================================


def _quiet():
    # asyncio's logger reports callback errors and GC-time task messages;
    # the scenario trace is the output, stderr stays for the oracle's own.
    logging.getLogger("asyncio").disabled = True
    warnings.simplefilter("ignore")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="asyncio_oracle.py",
        description="Run a seedloop scenario on CPython's asyncio in virtual time.")
    parser.add_argument("scenario")
    parser.add_argument("--trace", metavar="OUT.jsonl", help="write the scenario trace as JSON lines")
    parser.add_argument("--events", action="store_true", help="print each event as `TIME TEXT`")
    parser.add_argument("--check-expect", action="store_true",
                        help="check the scenario's expect; exit 1 when it does not hold")
    args = parser.parse_args(argv)
    _quiet()
    path = args.scenario
    try:
        document = Document(path, load_document(path))
        result = run_document(document)
        problems = check_expect(document, result) if args.check_expect else []
        if args.trace:
            with open(args.trace, "w", encoding="utf-8", errors="replace", newline="\n") as f:
                f.write(result.trace_jsonl())
    except BadInput as e:
        print(e.message, file=sys.stderr)
        return 2
    except RecursionError:
        print(f"{path}: the scenario recurses too deeply for the oracle", file=sys.stderr)
        return 2
    except Exception as e:  # never a traceback: report and exit 2
        print(f"{path}: the oracle could not run this scenario: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 2
    out = sys.stdout
    if args.events:
        for line in result.lines():
            out.write(line + "\n")
    out.write(f"outcome: {result.outcome}\n")
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: coroutines left pending by the run would be
    # closed during it (GeneratorExit through the interpreter's frames).
    os._exit(code)
