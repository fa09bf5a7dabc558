"""asyncio function steps: sleep, wait_for, shield, gather, wait, timeout,
timeout_at, reschedule, expired, task_group, tg_create_task, current_task.

Each is the plain asyncio call. Deadlines are quantized to whole
nanoseconds (as vtime.py's timers); a TaskGroup gets the CreationOrderSet
shim (shims.py). Block steps return a Block.

AsyncioOps is a mixin of interp.Interpreter: it uses the interpreter's
loop, world, names and its helpers (field, number, lookup, define, fail,
awaitable, instance, run_steps).
"""

import asyncio

from .ops_control import Block
from .shims import CreationOrderSet
from .text import exception_text, ns_to_seconds, seconds_to_ns


class AsyncioOps:
    """The asyncio functions' steps (README "Steps", asyncio)."""

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
        return Block(ret)

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
        tg._tasks = CreationOrderSet()  # shim: abort in creation order
        name = self.field(step, "name", str, default=None)
        if name is not None:
            self.define(step, name, tg)
        async with tg:
            ret = await self.run_steps(step.get("steps", []), ctx)
        return Block(ret)

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
