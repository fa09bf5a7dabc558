"""Synchronization steps on Lock, Semaphore, Condition, Event and the queues:
acquire, release, locked, with, set, clear, is_set, notify, notify_all, put,
get, join, task_done, qsize, ... (`wait` on an Event or Condition is in
ops_asyncio.py, with asyncio.wait).

SyncOps is a mixin of interp.Interpreter: it uses the interpreter's
lookup, field and run_steps. Block steps return a Block.
"""

import asyncio

from .ops_control import Block


class SyncOps:
    """The synchronization primitives' steps (README "Steps", sync)."""

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
        return Block(ret)

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
