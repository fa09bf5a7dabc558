#!/usr/bin/env python3
"""Counts test cases of one `bazel test` invocation (stdlib only).

Usage: count_results.py --bep BEP.json --tests TESTS.txt --bazel-exit N [--name NAME]

  --bep         the --build_event_json_file of the invocation: it says which
                test targets ran (or were cached) in *this* invocation and
                where their test.xml is, so stale XMLs are never counted.
  --tests       the expected test targets, one label a line
                (bazel query 'tests(//...) except <manual>').
  --bazel-exit  bazel test's exit code.

Counting: one per <testcase> in each test.xml (GoogleTest writes one per
TEST; Bazel writes one per target for tests that write no XML). A testcase
with <failure> or <error> is failed; skipped / disabled ones are not counted.
A target that did not pass but has no failed testcase (crash, sanitizer
report at exit, timeout, missing XML) adds 1 failed. An expected target with
no result (failed to build) adds 1 failed, and so does a failed bazel with
nothing else failed (e.g. a non-test target failed to build), or no tests.

Prints details to stderr and "PASSED FAILED" (two integers) to stdout.
"""

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET


def count_xml(path):
    """Returns (passed, failed) test cases of a JUnit XML file."""
    passed = failed = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (case.find("skipped") is not None
              or case.get("status") == "notrun"
              or case.get("result") in ("skipped", "suppressed")):
            continue
        else:
            passed += 1
    return passed, failed


def uri_to_path(uri):
    if uri.startswith("file://"):
        return urllib.request.url2pathname(urllib.parse.urlparse(uri).path)
    return None


def read_bep(path):
    """Returns {(label, run, shard): (attempt, status, xml_path)} (last attempt)."""
    results = {}
    if not os.path.exists(path):
        return results
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a truncated last line if bazel was killed
            tid = event.get("id", {}).get("testResult")
            if tid is None or "testResult" not in event:
                continue
            res = event["testResult"]
            xml = None
            for out in res.get("testActionOutput", []):
                if out.get("name") == "test.xml":
                    xml = uri_to_path(out.get("uri", ""))
            key = (tid["label"], tid.get("run", 1), tid.get("shard", 1))
            attempt = tid.get("attempt", 1)
            if key not in results or attempt >= results[key][0]:
                results[key] = (attempt, res.get("status", "NO_STATUS"), xml)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bep", required=True)
    ap.add_argument("--tests", required=True)
    ap.add_argument("--bazel-exit", type=int, required=True)
    ap.add_argument("--name", default="")
    args = ap.parse_args()
    tag = f"[{args.name}] " if args.name else ""

    def note(msg):
        print(f"{tag}{msg}", file=sys.stderr)

    expected = []
    if os.path.exists(args.tests):
        with open(args.tests, encoding="utf-8") as f:
            expected = [l.strip() for l in f if l.strip().startswith("//")]

    passed = failed = 0
    results = read_bep(args.bep)
    ran = set()
    for (label, run, shard), (_, status, xml) in sorted(results.items()):
        ran.add(label)
        p = f = 0
        if xml and os.path.exists(xml):
            try:
                p, f = count_xml(xml)
            except ET.ParseError as e:
                note(f"{label}: unreadable {xml}: {e}")
        if status != "PASSED" and f == 0:
            f = 1  # crashed / timed out / failed without a failed testcase
            note(f"{label}: {status} (no failed test case in its XML)")
        elif f:
            note(f"{label}: {f} failed test case(s)")
        passed += p
        failed += f

    for label in expected:
        if label not in ran:
            failed += 1
            note(f"{label}: no test result (did not build?)")

    if args.bazel_exit not in (0, 4) and failed == 0:
        failed = 1
        note(f"bazel test exited with {args.bazel_exit}")
    if passed == 0 and failed == 0:
        failed = 1
        note("no tests ran")

    print(passed, failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
