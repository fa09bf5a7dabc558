"""The oracle's own exceptions: how a run is left early.

OracleExit is the base of every exception the oracle raises at a run (bad
input, a stopped run); passes_through() names the exceptions a scenario's
`try` must never handle. Scenario programs only ever see asyncio's and
Python's own exceptions.
"""


class OracleExit(SystemExit):
    """Raised by the oracle itself. A SystemExit subclass on purpose: asyncio
    lets SystemExit through Task.__step, Handle._run and
    call_exception_handler, so it leaves the loop at once instead of becoming
    a task's exception that the program could observe."""


class BadInput(OracleExit):
    """The scenario is malformed (or names something only a run can miss)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class RunStopped(OracleExit):
    """The run ended without its program ending: deadlock or a budget."""

    def __init__(self, outcome):
        super().__init__(outcome)
        self.outcome = outcome


def passes_through(exc):
    """Exceptions a scenario's `try` never handles: the oracle's own, and the
    GeneratorExit of a coroutine closed after the run."""
    return isinstance(exc, (OracleExit, GeneratorExit))
