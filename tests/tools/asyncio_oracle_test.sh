#!/bin/bash
# Runs the CPython oracle's unittest suite (tests/tools/asyncio_oracle_test.py)
# with the machine's python3 (3.11; the oracle uses the standard library only).
# Bazel runs tests in the workspace's runfiles, where the oracle and the test
# data sit at their source paths.
set -eu
exec python3 tests/tools/asyncio_oracle_test.py
