"""The scenario document (scenarios/README.md): loading and light validation.

load_document reads a scenario file's JSON (at most 1 MiB, UTF-8, no NaN or
Infinity); Document checks the parts the oracle uses enough that running it
cannot crash the oracle (`seedloop check` is the full validator) and
records each step's path (`coroutines.main[3]`) for messages. Every problem
is BadInput with `FILE[:LINE]: FIELD: problem`. Also the language's tables:
the operations, object types and exception types.
"""

import asyncio
import json

from .errors import BadInput

SCHEMA = "seedloop.scenario"

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
