"""The Interpreter: runs one scenario once on a VirtualTimeLoop and collects
its scenario events [(ns, text)] and its outcome.

Interpreter
    Coroutines run as `async def` bodies that execute their steps; a
    callback (and the driver) runs the same code driven synchronously
    (run_sync: it has no awaiting steps, so it never suspends). Every
    `await` in the interpreter is an asyncio awaitable or another step
    list: the interpreter adds no suspension points of its own. `return` is
    a value passed up (ops_control.Return), not an exception, so blocks
    (`async with`) are left the way Python's `return` leaves them. `try`
    catch types are matched with isinstance (Python's `except T`). The
    steps themselves live in the ops_*.py mixins; run_step dispatches by
    `op` and records `ACTOR HEAD -> VALUE` or `ACTOR HEAD !> EXCEPTION`.

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

An Interpreter is used for one run() only. BadInput leaves run() for a
malformed scenario; the program's own exceptions become its outcome.
"""

import asyncio
import json
import math

from .document import ALL_OPS, CONTROL_OPS, OBJECT_TYPES, RAISABLE
from .errors import BadInput, OracleExit, RunStopped, passes_through
from .ops_asyncio import AsyncioOps
from .ops_control import Block, ControlOps, Ctx
from .ops_futures import FutureOps
from .ops_loop import LoopOps
from .ops_sync import SyncOps
from .shims import Shims
from .text import exception_text, value_text
from .vtime import VirtualTimeLoop
from .world import World

_MISSING = object()


def run_sync(coro):
    """Runs a step list that never suspends (a callback's, the driver's)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise BadInput("a step suspended outside a coroutine")


class Interpreter(ControlOps, LoopOps, FutureOps, AsyncioOps, SyncOps):
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
        ret = await self.run_steps(self.doc.coroutines[cname], Ctx(actor))
        return None if ret is None else ret.value

    def callback(self, step, cbname, field="callback"):
        """A plain function that runs callback `cbname`'s steps."""
        if not isinstance(cbname, str) or cbname not in self.doc.callbacks:
            self.fail(step, field, f"no callback named {cbname!r}")

        def run(*args):
            run_sync(self.run_steps(self.doc.callbacks[cbname], Ctx(cbname, list(args))))

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
            if not passes_through(exc):
                self.record(f"{ctx.actor} {self._head(step)} !> {exception_text(exc)}")
            raise
        ret = None
        if isinstance(value, Block):
            ret, value = value.ret, None
        self.record(f"{ctx.actor} {self._head(step)} -> {self._value(step, value)}")
        return ret

    def _value(self, step, value):
        try:
            return value_text(value)
        except (TypeError, ValueError) as e:
            self.fail(step, "", f"value is not JSON: {e}")

    # ---- the run ----

    def new_loop(self):
        loop = VirtualTimeLoop(self.world)
        asyncio.set_event_loop(loop)  # as asyncio.run's Runner does
        self.loop = loop
        return loop

    def run(self):
        """Runs the scenario; returns the outcome text."""
        with Shims():
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
            except OracleExit:
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
            run_sync(self.run_steps(self.doc.driver, Ctx("driver")))
            return "return null"
        except RunStopped as stop:
            return stop.outcome
        except OracleExit:
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
