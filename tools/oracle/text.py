"""Trace text (scenarios/README.md "The trace"): times, values, exceptions.

Times are integer nanoseconds; seconds_to_ns rounds as C++ std::llround, and
format_time writes `SECONDS[.FRACTION]` with trailing zeros trimmed. Values
are canonical JSON (sorted keys, no spaces); exceptions are `TYPE` or
`TYPE: MESSAGE`, a group `TYPE: MESSAGE [SUB; SUB]`. Pure functions, the
same rules as scenarios/text.h.
"""

import json
import math

NS_PER_S = 1_000_000_000


def seconds_to_ns(seconds):
    """Seconds to integer ns, rounded half away from zero (C++ std::llround)."""
    x = float(seconds) * 1e9
    a = abs(x)
    f = math.floor(a)
    n = int(f) + (1 if a - f >= 0.5 else 0)
    return -n if x < 0 else n


def ns_to_seconds(ns):
    return ns / 1e9


def format_time(ns):
    """Integer ns as `SECONDS[.FRACTION]`, trailing zeros trimmed."""
    sign = "-" if ns < 0 else ""
    whole, frac = divmod(abs(ns), NS_PER_S)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}." + f"{frac:09d}".rstrip("0")


def value_text(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def exception_text(exc):
    """`TYPE` or `TYPE: MESSAGE`; a group is `TYPE: MESSAGE [SUB; SUB]`."""
    name = type(exc).__name__
    if isinstance(exc, BaseExceptionGroup):
        head = f"{name}: {exc.message}" if exc.message else name
        return head + " [" + "; ".join(exception_text(e) for e in exc.exceptions) + "]"
    message = str(exc)
    return f"{name}: {message}" if message else name
