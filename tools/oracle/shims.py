"""Determinism shims: where CPython's choice depends on addresses (or the
garbage collector), the oracle makes seedloop's choice. Each is deliberate:

    * TaskGroup._abort cancels its children in set-iteration order; the
      oracle gives each TaskGroup an insertion-ordered set
      (CreationOrderSet, installed by ops_asyncio.py) so it cancels them in
      creation order, as seedloop does.
    * asyncio.runners._cancel_all_tasks (asyncio.run's cleanup) cancels and
      gathers all_tasks(), a set; the oracle's version is CPython's with the
      tasks sorted by creation order (installed for one run by Shims).
    * The loop keeps every task it made alive until the run ends, so no task
      is garbage-collected (and its coroutine closed) at a GC-chosen moment
      (vtime.py; the interpreter keeps its coroutine objects too).
    * The default executor is made lazily by run_in_executor, as CPython
      does with its ThreadPoolExecutor (set_default_executor up front would
      make shutdown_default_executor start its thread in every run, and in
      3.11 it accepts only a ThreadPoolExecutor) (vtime.py).
    * The loop's self-pipe is not created: call_soon_threadsafe's wakeup has
      nothing to wake (select never blocks) (vtime.py).
    * asyncio's logger and RuntimeWarnings are silenced (stdout/stderr stay
      clean; the scenario trace is the output) (the command line,
      tools/asyncio_oracle.py).
"""

import asyncio
import asyncio.runners


class CreationOrderSet:
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


class Shims:
    """Installs the module-level shim for one run and restores it after."""

    def __enter__(self):
        self._saved = asyncio.runners._cancel_all_tasks
        asyncio.runners._cancel_all_tasks = _cancel_all_tasks_in_creation_order
        return self

    def __exit__(self, *exc):
        asyncio.runners._cancel_all_tasks = self._saved
        return False
