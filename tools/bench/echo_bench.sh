#!/usr/bin/env bash
# The echo benchmark of issue 8 from Bazel: every peer side by side in one
# run (seedloop's Protocol, streams and sock_* styles, libuv, Boost.Asio,
# asyncio and uvloop), a table of medians and ratios to libuv at the end.
# The binaries come from this target's runfiles, built optimized whatever
# the command line says (opt_binary.bzl).
#
#   bazel run //tools/bench:echo_bench                 # 3 rounds
#   bazel run //tools/bench:echo_bench -- --reps 5     # more rounds
#   bazel run //tools/bench:echo_bench -- --tiny       # 2 x 50 round trips
set -euo pipefail
RUNFILES="${RUNFILES_DIR:-$0.runfiles}/seedloop"
exec "$RUNFILES/tools/bench/echo/run_all.sh" --bin "$RUNFILES/tools/bench/echo" "$@"
