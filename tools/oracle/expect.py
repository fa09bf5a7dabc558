"""A scenario's `expect` checked against a run (scenarios/README.md
"Expectations", faithful mode): trace, fragments, outcome and invariants
(final_state, never, ends_by).

check_expect returns the differences as `FIELD: problem` strings (empty
when the expectation holds); a malformed `expect` is BadInput (raised by
Document.fail).
"""

import json

from .text import format_time, seconds_to_ns, value_text


def check_expect(document, result):
    """README "Expectations" (faithful mode): a list of differences."""
    expect = document.expect
    problems = []
    lines = result.lines()
    for key in ("trace", "fragments"):
        if key in expect and not (isinstance(expect[key], list)
                                  and all(isinstance(x, str) for x in expect[key])):
            document.fail(f"expect.{key}", "must be an array of strings")
    if "outcome" in expect and not isinstance(expect["outcome"], str):
        document.fail("expect.outcome", "must be a string")
    if "trace" in expect:
        want = expect["trace"]
        for i in range(max(len(want), len(lines))):
            w = want[i] if i < len(want) else None
            g = lines[i] if i < len(lines) else None
            if w != g:
                problems.append(f"expect.trace[{i}]: expected {json.dumps(w, ensure_ascii=False)}, "
                                f"got {json.dumps(g, ensure_ascii=False)}")
                break
    if "fragments" in expect:
        it = iter(lines)
        for k, fragment in enumerate(expect["fragments"]):
            if not any(line == fragment for line in it):
                problems.append(f"expect.fragments[{k}]: {json.dumps(fragment, ensure_ascii=False)} "
                                "not found (in order)")
                break
    if "outcome" in expect and expect["outcome"] != result.outcome:
        problems.append(f"expect.outcome: expected {json.dumps(expect['outcome'], ensure_ascii=False)}, "
                        f"got {json.dumps(result.outcome, ensure_ascii=False)}")
    problems += _check_invariants(document, result, expect.get("invariants") or {})
    return problems


def _check_invariants(document, result, invariants):
    problems = []
    if not isinstance(invariants, dict):
        document.fail("expect.invariants", "must be an object")
    for name, want in (invariants.get("final_state") or {}).items():
        field = f"expect.invariants.final_state.{name}"
        got = result.state_of(name, lambda problem, field=field: document.fail(field, problem))
        if value_text(got) != value_text(want):
            problems.append(f"{field}: expected {value_text(want)}, got {value_text(got)}")
    for k, needle in enumerate(invariants.get("never") or []):
        for ns, text in result.events:
            if needle in text:
                problems.append(f"expect.invariants.never[{k}]: {json.dumps(needle, ensure_ascii=False)} "
                                f"appears in \"{format_time(ns)} {text}\"")
                break
    if "ends_by" in invariants:
        ends_by = invariants["ends_by"]
        if isinstance(ends_by, bool) or not isinstance(ends_by, (int, float)):
            document.fail("expect.invariants.ends_by", "must be a number")
        if result.end_ns > seconds_to_ns(ends_by):
            problems.append(f"expect.invariants.ends_by: the run ended at {format_time(result.end_ns)}, "
                            f"after {format_time(seconds_to_ns(ends_by))}")
    return problems
