#!/usr/bin/env python3
"""The CPython oracle: runs a scenario (scenarios/README.md) on CPython's own
asyncio inside a virtual-time event loop and writes its scenario trace.

Usage:

    python3 tools/asyncio_oracle.py SCENARIO.json [--trace OUT.jsonl]
                                   [--events] [--check-expect]

  --events        print each scenario event as `TIME TEXT` before the outcome
  --trace FILE    write the trace as JSON lines: the header
                  {"schema":"seedloop.trace","version":1}, then one
                  {"i":N,"t":NS,"ev":"scenario","id":N,"value":0,"text":"..."}
                  per scenario event
  --check-expect  check the scenario's `expect` (trace, fragments, outcome,
                  invariants; faithful mode); differences go to stderr

The last line on stdout is `outcome: OUTCOME` (`return VALUE`,
`raise EXCEPTION`, `deadlock` or `budget NAME`). Exit status: 0 when the
scenario ran (whatever its program did), 1 when --check-expect found a
difference, 2 on bad input (`FILE: problem` on stderr; never a traceback).

Python 3.11 (the machine's python3) and the standard library only.

The oracle itself is the package tools/oracle/, next to this file (its
__init__.py maps the modules; each opens with its contract). This file is
only the command line.
"""

import argparse
import logging
import os
import sys
import warnings

# The package is found next to this file as named, not next to what it links
# to: Bazel's runfiles (where `seedloop conform` runs it by path) hold
# symlinks, and python3 sets sys.path[0] to the symlink target's directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from oracle.document import Document, load_document  # noqa: E402
from oracle.errors import BadInput  # noqa: E402
from oracle.expect import check_expect  # noqa: E402
from oracle.result import run_document  # noqa: E402
# The trace-text functions, for callers that load this file as a module.
from oracle.text import exception_text, format_time, seconds_to_ns  # noqa: E402,F401


def _quiet():
    # asyncio's logger reports callback errors and GC-time task messages;
    # the scenario trace is the output, stderr stays for the oracle's own.
    logging.getLogger("asyncio").disabled = True
    warnings.simplefilter("ignore")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="asyncio_oracle.py",
        description="Run a seedloop scenario on CPython's asyncio in virtual time.")
    parser.add_argument("scenario")
    parser.add_argument("--trace", metavar="OUT.jsonl", help="write the scenario trace as JSON lines")
    parser.add_argument("--events", action="store_true", help="print each event as `TIME TEXT`")
    parser.add_argument("--check-expect", action="store_true",
                        help="check the scenario's expect; exit 1 when it does not hold")
    args = parser.parse_args(argv)
    _quiet()
    path = args.scenario
    try:
        document = Document(path, load_document(path))
        result = run_document(document)
        problems = check_expect(document, result) if args.check_expect else []
        if args.trace:
            with open(args.trace, "w", encoding="utf-8", errors="replace", newline="\n") as f:
                f.write(result.trace_jsonl())
    except BadInput as e:
        print(e.message, file=sys.stderr)
        return 2
    except RecursionError:
        print(f"{path}: the scenario recurses too deeply for the oracle", file=sys.stderr)
        return 2
    except Exception as e:  # never a traceback: report and exit 2
        print(f"{path}: the oracle could not run this scenario: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 2
    out = sys.stdout
    if args.events:
        for line in result.lines():
            out.write(line + "\n")
    out.write(f"outcome: {result.outcome}\n")
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: coroutines left pending by the run would be
    # closed during it (GeneratorExit through the interpreter's frames).
    os._exit(code)
