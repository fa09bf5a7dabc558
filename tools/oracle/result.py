"""A run's result: its scenario events as `TIME TEXT` lines and as the trace
file (JSON lines: the header, then one scenario record per event); and
run_document/run_file, which run a scenario once and return its Result.
"""

import json

from .document import Document, load_document
from .interp import Interpreter
from .text import format_time

TRACE_HEADER = '{"schema":"seedloop.trace","version":1}'


class Result:
    def __init__(self, events, outcome, end_ns, interpreter):
        self.events = events  # [(ns, text)]
        self.outcome = outcome
        self.end_ns = end_ns
        self._interpreter = interpreter

    def lines(self):
        return [f"{format_time(ns)} {text}" for ns, text in self.events]

    def trace_jsonl(self):
        out = [TRACE_HEADER]
        for i, (ns, text) in enumerate(self.events):
            out.append(json.dumps({"i": i, "t": ns, "ev": "scenario", "id": i, "value": 0,
                                   "text": text}, separators=(",", ":"), ensure_ascii=False))
        return "\n".join(out) + "\n"

    def state_of(self, name, fail):
        return self._interpreter.state_of(name, fail)


def run_document(document):
    interpreter = Interpreter(document)
    outcome = interpreter.run()
    return Result(list(interpreter.events), outcome, interpreter.end_ns, interpreter)


def run_file(path):
    return run_document(Document(path, load_document(path)))
