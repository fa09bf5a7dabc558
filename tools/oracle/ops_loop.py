"""Loop steps: scheduling callbacks, tasks and futures, run_in_executor,
stop/close/run_forever/run_until_complete, the exception handler and the
task factory.

LoopOps is a mixin of interp.Interpreter: it uses the interpreter's loop,
world, names and its helpers (field, number, lookup, define, fail,
callback, instance, make_exception, record).
"""

import asyncio

from .text import exception_text, format_time, value_text


class LoopOps:
    """The loop's steps (README "Steps", the loop)."""

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
