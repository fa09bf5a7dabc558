#!/usr/bin/env python3
"""Tests of tools/asyncio_oracle.py, the CPython oracle for scenarios.

Each test runs the oracle as a user does (python3 tools/asyncio_oracle.py
...) on a scenario from oracle_testdata/ (most carry their own `expect`, so
--check-expect is exercised too) or on a small inline one.

Run: python3 tests/tools/asyncio_oracle_test.py (from the workspace root or
Bazel's runfiles: paths are found relative to this file).
"""

import asyncio
import collections
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
ORACLE = os.path.join(ROOT, "tools", "asyncio_oracle.py")
DATA = os.path.join(HERE, "oracle_testdata")


def run_oracle(*args):
    return subprocess.run([sys.executable, ORACLE, *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def data(name):
    return os.path.join(DATA, name)


def scenario(coroutines=None, callbacks=None, **fields):
    doc = {"schema": "seedloop.scenario", "version": 1, "name": "inline"}
    if coroutines is not None:
        doc["coroutines"] = coroutines
    if callbacks is not None:
        doc["callbacks"] = callbacks
    doc.update(fields)
    return doc


class OracleTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, doc, name="inline.json"):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        return path

    def events(self, path, *extra):
        """The oracle's `TIME TEXT` lines and outcome, asserting exit 0."""
        proc = run_oracle(path, "--events", *extra)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertTrue(lines and lines[-1].startswith("outcome: "), proc.stdout)
        return lines[:-1], lines[-1][len("outcome: "):]

    def assertExpectHolds(self, path):
        lines, outcome = self.events(path, "--check-expect")
        return lines, outcome


class TraceTest(OracleTestCase):
    def test_readme_first_scenario_gives_the_readme_trace(self):
        lines, outcome = self.assertExpectHolds(data("hello_world.json"))
        self.assertEqual(lines, [
            "0 main create_task h -> null",
            "0 h: hello",
            "1 main sleep -> null",
            '1 main await h -> "done"',
        ])
        self.assertEqual(outcome, "return null")

    def test_trace_file_has_header_then_compact_scenario_events_in_key_order(self):
        out = os.path.join(self.tmp, "t.jsonl")
        proc = run_oracle(data("hello_world.json"), "--trace", out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out, encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], '{"schema":"seedloop.trace","version":1}')
        self.assertEqual(len(lines), 5)
        for i, line in enumerate(lines[1:]):
            event = json.loads(line, object_pairs_hook=collections.OrderedDict)
            self.assertEqual(list(event), ["i", "t", "ev", "id", "value", "text"])
            self.assertEqual((event["i"], event["id"], event["ev"], event["value"]), (i, i, "scenario", 0))
            self.assertEqual(line, json.dumps(event, separators=(",", ":"), ensure_ascii=False))
        self.assertEqual(json.loads(lines[3])["t"], 1_000_000_000)
        self.assertEqual(json.loads(lines[4])["text"], 'main await h -> "done"')

    def test_trace_text_is_json_escaped_without_ascii_escapes(self):
        path = self.write(scenario({"main": [{"op": "log", "msg": 'héllo "q"\t→'}]}, main="main"))
        out = os.path.join(self.tmp, "t.jsonl")
        self.assertEqual(run_oracle(path, "--trace", out).returncode, 0)
        with open(out, encoding="utf-8") as f:
            line = f.read().splitlines()[1]
        self.assertEqual(line, '{"i":0,"t":0,"ev":"scenario","id":0,"value":0,'
                               '"text":"main: héllo \\"q\\"\\t→"}')

    def test_values_are_compact_json_with_sorted_keys_and_times_trimmed(self):
        path = self.write(scenario({"main": [
            {"op": "sleep", "delay": 0.000001, "result": {"b": [1, 2.5], "a": None}},
            {"op": "time", "label": "now"},
        ]}, main="main"))
        lines, _ = self.events(path)
        self.assertEqual(lines, ['0.000001 main sleep -> {"a":null,"b":[1,2.5]}',
                                 '0.000001 main now -> "0.000001"'])


class SchedulingTest(OracleTestCase):
    def test_call_soon_runs_fifo_and_a_zero_delay_timer_after_what_was_ready(self):
        self.assertExpectHolds(data("call_soon_order.json"))

    def test_equal_deadline_timers_run_in_heapq_order(self):
        lines, _ = self.assertExpectHolds(data("equal_deadlines.json"))
        self.assertEqual([l for l in lines if l.startswith("1 ")],
                         ['1 say: ["a"]', '1 say: ["c"]', '1 say: ["b"]', '1 say: ["d"]'])

    def test_wait_for_timeout_cancels_the_inner_task_and_raises_timeout_error(self):
        self.assertExpectHolds(data("wait_for_timeout.json"))

    def test_deadlock_is_an_outcome(self):
        lines, outcome = self.assertExpectHolds(data("deadlock.json"))
        self.assertEqual(outcome, "deadlock")

    def test_budget_max_steps_stops_the_run(self):
        path = self.write(scenario(
            {"main": [{"op": "repeat", "count": 1000, "steps": [{"op": "sleep", "delay": 0}]}]},
            main="main", budgets={"max_steps": 20}))
        lines, outcome = self.events(path)
        self.assertEqual(outcome, "budget max_steps")

    def test_budget_max_virtual_seconds_stops_before_the_jump(self):
        path = self.write(scenario(
            {"main": [{"op": "repeat", "count": 10, "steps": [{"op": "sleep", "delay": 4}]}]},
            main="main", budgets={"max_virtual_seconds": 10}))
        lines, outcome = self.events(path)
        self.assertEqual(lines, ["4 main sleep -> null", "8 main sleep -> null"])
        self.assertEqual(outcome, "budget max_virtual_seconds")


class TaskGroupTest(OracleTestCase):
    def test_child_failure_raises_exception_group_with_its_text(self):
        lines, outcome = self.assertExpectHolds(data("task_group_failure.json"))
        self.assertEqual(outcome, "raise ExceptionGroup: unhandled errors in a TaskGroup [ValueError: boom]")

    def test_abort_cancels_children_in_creation_order(self):
        self.assertExpectHolds(data("task_group_abort_order.json"))

    def test_asyncio_run_cancels_leftover_tasks_in_creation_order(self):
        self.assertExpectHolds(data("cleanup_creation_order.json"))


class ExecutorTest(OracleTestCase):
    def test_threadsafe_posts_land_after_the_poll_before_timers_due_then(self):
        self.assertExpectHolds(data("executor_threadsafe.json"))

    def test_jobs_beyond_the_workers_wait_fifo(self):
        self.assertExpectHolds(data("executor_queue.json"))

    def test_job_exception_reaches_the_awaiting_coroutine(self):
        path = self.write(scenario(
            {"main": [{"op": "run_in_executor", "raise": {"type": "ValueError", "message": "bad"}}]},
            main="main"))
        lines, outcome = self.events(path)
        self.assertEqual(lines, ["0.001 main run_in_executor !> ValueError: bad"])
        self.assertEqual(outcome, "raise ValueError: bad")

    def test_shutdown_waits_for_a_job_left_running_by_main(self):
        path = self.write(scenario(
            {"main": [{"op": "create_task", "coro": "w", "name": "w"}, {"op": "sleep", "delay": 0}],
             "w": [{"op": "run_in_executor", "threadsafe": ["late"]}]},
            {"late": [{"op": "log", "msg": "late"}]}, main="main"))
        lines, _ = self.events(path)
        self.assertEqual(lines[-2:], ["0 w run_in_executor !> CancelledError", "0.001 late: late"])


class CallbackTest(OracleTestCase):
    def test_exception_handler_traces_callback_errors_then_runs_its_steps(self):
        path = self.write(scenario(
            {"main": [{"op": "set_exception_handler", "callback": "handler"},
                      {"op": "call_soon", "callback": "bad"},
                      {"op": "sleep", "delay": 0}]},
            {"bad": [{"op": "raise", "exception": {"type": "RuntimeError", "message": "oops"}}],
             "handler": [{"op": "log", "msg": "handled"}]}, main="main"))
        lines, _ = self.events(path)
        self.assertEqual(lines[2:4], ['0 handler exception_handler -> "RuntimeError: oops"',
                                      "0 handler: handled"])

    def test_driver_runs_its_steps_on_a_fresh_loop(self):
        path = self.write(scenario(
            {"c": [{"op": "sleep", "delay": 1}, {"op": "current_task"}, {"op": "return", "value": 3}]},
            {"stopper": [{"op": "stop"}]},
            driver=[{"op": "is_running"},
                    {"op": "run_until_complete", "coro": "c", "name": "cc"},
                    {"op": "call_later", "delay": 2, "callback": "stopper"},
                    {"op": "run_forever"},
                    {"op": "close"},
                    {"op": "is_closed"}]))
        lines, outcome = self.events(path)
        self.assertEqual(lines, [
            "0 driver is_running -> false",
            "1 cc sleep -> null",
            '1 cc current_task -> "cc"',
            "1 driver run_until_complete cc -> 3",
            "1 driver call_later stopper -> null",
            "3 stopper stop -> null",
            "3 driver run_forever -> null",
            "3 driver close -> null",
            "3 driver is_closed -> true",
        ])
        self.assertEqual(outcome, "return null")


class CommandLineTest(OracleTestCase):
    def test_bad_input_exits_2_with_a_file_message_and_no_traceback(self):
        bad_json = os.path.join(self.tmp, "bad.json")
        with open(bad_json, "w") as f:
            f.write('{"schema": ')
        cases = [
            (data("bad_unknown_op.json"), "coroutines.main[0].op: unknown operation"),
            (bad_json, "bad.json:1: invalid JSON"),
            (os.path.join(self.tmp, "missing.json"), "missing.json: cannot read"),
            (self.write(scenario({"main": [{"op": "await", "object": "nobody"}]}, main="main"), "late.json"),
             "coroutines.main[0].object: no object named 'nobody'"),
        ]
        for path, message in cases:
            with self.subTest(path=os.path.basename(path)):
                proc = run_oracle(path)
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                self.assertIn(message, proc.stderr)
                self.assertNotIn("Traceback", proc.stderr)

    def test_check_expect_mismatch_exits_1_and_says_what_differs(self):
        with open(data("hello_world.json"), encoding="utf-8") as f:
            doc = json.load(f)
        doc["expect"]["trace"][1] = "0 h: goodbye"
        doc["expect"]["outcome"] = "return 1"
        proc = run_oracle(self.write(doc), "--check-expect")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout.splitlines()[-1], "outcome: return null")
        self.assertIn('expect.trace[1]: expected "0 h: goodbye", got "0 h: hello"', proc.stderr)
        self.assertIn('expect.outcome: expected "return 1", got "return null"', proc.stderr)

    def test_program_exception_is_an_outcome_not_an_error(self):
        path = self.write(scenario({"main": [{"op": "raise", "exception": {"type": "TypeError"}}]},
                                   main="main"))
        proc = run_oracle(path)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(proc.stdout, "outcome: raise TypeError\n")


class TextTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        spec = importlib.util.spec_from_file_location("asyncio_oracle", ORACLE)
        cls.oracle = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cls.oracle)

    def test_format_time_trims_the_fraction(self):
        f = self.oracle.format_time
        self.assertEqual([f(0), f(1_000_000_000), f(1_500_000_000), f(1_000), f(-500_000_000)],
                         ["0", "1", "1.5", "0.000001", "-0.5"])

    def test_exception_text_of_plain_and_grouped_exceptions(self):
        t = self.oracle.exception_text
        group = BaseExceptionGroup("outer", [ValueError("boom"), ExceptionGroup("", [TimeoutError()]),
                                             asyncio.CancelledError("stop now")])
        self.assertEqual(t(TimeoutError()), "TimeoutError")
        self.assertEqual(t(RuntimeError("This event loop is already running")),
                         "RuntimeError: This event loop is already running")
        self.assertEqual(t(group), "BaseExceptionGroup: outer [ValueError: boom; ExceptionGroup [TimeoutError]; "
                         "CancelledError: stop now]")

    def test_seconds_to_ns_rounds_half_away_from_zero(self):
        s = self.oracle.seconds_to_ns
        self.assertEqual([s(0.001), s(1e-9), s(2.5e-9), s(0.5e-9), s(604800)],
                         [1_000_000, 1, 3, 1, 604_800_000_000_000])


if __name__ == "__main__":
    unittest.main(verbosity=2)
