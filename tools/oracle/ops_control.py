"""Control steps (log, return, raise, reraise, try, repeat) and the values
that flow out of step lists.

Return carries a `return` step up through nested step lists; Block is a
block step's completion (its `return`, if one left the block); Ctx is who
runs a step list. Control steps never record a `->` event of their own.

ControlOps is a mixin of interp.Interpreter: it uses the interpreter's
field, fail, make_exception, record and run_steps.
"""

from .document import CATCHABLE
from .errors import passes_through
from .text import value_text


class Return:
    """A `return` step on its way out of nested step lists."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Block:
    """A block step's completion: its value is null; `ret` is a `return`
    that left the block."""

    __slots__ = ("ret",)

    def __init__(self, ret):
        self.ret = ret


class Ctx:
    """Who runs a step list: the actor's name, a callback's arguments (None
    in coroutines and the driver) and the exception a `catch` handles."""

    __slots__ = ("actor", "args", "handling")

    def __init__(self, actor, args=None, handling=None):
        self.actor = actor
        self.args = args
        self.handling = handling

    def catching(self, exc):
        return Ctx(self.actor, self.args, exc)


class ControlOps:
    """The control steps (README "Steps", control)."""

    async def op_log(self, step, ctx):
        msg = self.field(step, "msg", str)
        if ctx.args is not None:
            msg = msg.replace("{args}", value_text(ctx.args))
        self.record(f"{ctx.actor}: {msg}")

    async def op_return(self, step, ctx):
        return Return(step.get("value"))

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
            if passes_through(exc):
                raise
            clause = self._matching_clause(step, exc)
            if clause is None:
                return await self._finally_then_raise(step, ctx, exc)
            try:
                ret = await self.run_steps(clause.get("steps", []), ctx.catching(exc))
            except BaseException as exc2:
                if passes_through(exc2):
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
