"""The virtual-time event loop: asyncio.SelectorEventLoop with a fake
selector (VirtualTimeLoop, _VirtualSelector).

Virtual time is an integer count of nanoseconds (World.now_ns) that moves
only inside select(): a select that may wait jumps to the earliest of its
timeout and the next executor completion instead of sleeping. loop.time()
returns now_ns / 1e9. Deadlines are quantized to whole nanoseconds (call_at
rounds `when`, call_later adds round(delay * 1e9) to now_ns), because the
C++ loop keeps integer-ns deadlines: two timers are equal, earlier or due at
exactly the same moments on both sides. The clock resolution is half a
nanosecond, not 1e-9: the C++ side treats a timer as due when
`deadline_ns < now_ns + 1`, i.e. `deadline_ns <= now_ns`; with float
seconds, `deadline < now + 1e-9` is decided by rounding for a deadline one
ns away (wrong about 7% of the time), while half a nanosecond is several
ulps away from both neighbours for any time up to a week and decides
exactly like the integers. A select with no timeout when there is nothing
in flight (no ready handle, no timer, no executor job, no helper thread) can
never return: that is the `deadlock` outcome.

The loop also carries three determinism shims (shims.py lists them all): it
numbers and keeps alive every task it makes (creation order), makes the
default executor (a SimExecutor) lazily as CPython makes its pool, and has
no self-pipe (select never blocks, so nothing needs waking). Its ready
queue counts the callbacks run against the max_steps budget.
"""

import asyncio
import collections
import itertools
import math
import selectors

from .text import ns_to_seconds, seconds_to_ns
from .world import SimExecutor


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
    """asyncio's selector loop on virtual time (see this module's docstring)."""

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
