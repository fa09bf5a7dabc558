"""The CPython oracle for scenarios (scenarios/README.md), as a package;
tools/asyncio_oracle.py is its command line and its user documentation.

Everything asyncio does here is CPython's own, unmodified: Task, Future,
sleep, wait_for, gather, shield, wait, TaskGroup, timeout, Queue, Lock, ...
The oracle supplies only what a real program gets from the operating system
(a clock, a selector, threads), simulated, plus a few deliberate determinism
shims, and an interpreter that turns scenario steps into plain asyncio calls.

Modules, each opening with its contract, from the bottom up:

    text         times, values and exceptions as trace text
    errors       the oracle's own exceptions: bad input, a stopped run
    world        the simulated world: virtual clock, executor, helper threads
    vtime        the virtual-time event loop and its selector
    shims        the determinism shims
    document     the scenario document: loading, light validation, step paths
    ops_control  control steps (log, return, raise, reraise, try, repeat)
    ops_loop     loop steps (call_soon, run_in_executor, run_until_complete, ...)
    ops_futures  futures and tasks, and the State of an object
    ops_asyncio  asyncio functions (sleep, wait_for, gather, timeout, ...)
    ops_sync     locks, events, conditions, semaphores, queues
    interp       the Interpreter: one run of one scenario
    result       a run's result: event lines and the trace file
    expect       the scenario's `expect`, checked (faithful mode)

Python 3.11 (the machine's python3) and the standard library only. Nothing
here reads the wall clock, starts a thread or touches a file descriptor.

Known limits
    * Cancelled executor jobs follow CPython (world.py). seedloop's simulated
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
