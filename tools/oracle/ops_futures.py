"""Future and task steps (await, set_result, cancel, uncancel, result, ...)
and state_of, an object observed as JSON (README "State"), which the
`state` step and `expect.invariants.final_state` share.

FutureOps is a mixin of interp.Interpreter: it uses the interpreter's loop,
names and its helpers (field, lookup, fail, instance, make_exception).
"""

import asyncio

from .text import exception_text, value_text


class FutureOps:
    """Steps on futures and tasks, and the State of named objects."""

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
