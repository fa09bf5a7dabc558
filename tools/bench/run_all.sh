#!/usr/bin/env bash
# Runs seedloop's loop_bench and its peers side by side and prints one table
# of medians (BENCHMARKS.md explains the workloads and the numbers).
#
#   tools/bench/run_all.sh [--quick] [--no-virtual] [--out DIR]
#
#   --quick       3 repetitions instead of 5 (a rough look, ~half the time)
#   --no-virtual  skip the extra seedloop run on the virtual backend
#   --out DIR     keep the raw results there (default: a fresh temp dir)
#
# Runs, in one go:
#   1. bazel build --config=opt of //tools/bench:loop_bench (and of the C++
#      peers asio_bench/libuv_bench when Boost/libuv are installed), then
#      loop_bench on the real backend, medians of N repetitions;
#   2. the same binary with --seedloop_backend=virtual (the loop core without
#      syscalls; informative only, not the measured result);
#   3. the Boost.Asio and libuv peers (same workloads, where they exist);
#   4. tools/bench/peers/asyncio_bench.py on CPython's asyncio loop, and on
#      uvloop when it imports (Debian: apt-get install python3-uvloop).
# Every step is bounded by `timeout`. The machine has 2 cores: run it on an
# otherwise idle machine, or expect noise (compare min/max in the raw JSON).
set -euo pipefail

cd "$(dirname "$0")/../.."

REPS=5
VIRTUAL=1
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) REPS=3 ;;
    --no-virtual) VIRTUAL=0 ;;
    --out) OUT="$2"; shift ;;
    *) echo "run_all.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$OUT" ]]; then OUT="$(mktemp -d /tmp/seedloop_bench.XXXXXX)"; fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# The Python that has uvloop, if any: Debian's python3-uvloop installs into
# /usr/bin/python3's site-packages, which a pyenv python3 does not see.
PY=python3
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && timeout 60 "$candidate" -c 'import uvloop' 2>/dev/null; then
    PY="$candidate"
    break
  fi
done

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== results in $OUT"
if TREE="$(timeout 30 git rev-parse --short HEAD 2>/dev/null)"; then
  if [[ -n "$(timeout 60 git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    TREE="$TREE plus uncommitted changes"
  fi
  echo "== tree: $TREE"
fi

# The C++ peers build only where their Debian packages are installed.
TARGETS=(//tools/bench:loop_bench)
PEERS=()
if [[ -f /usr/include/boost/asio.hpp ]]; then TARGETS+=(//tools/bench:asio_bench); PEERS+=(asio); fi
if [[ -f /usr/include/uv.h ]]; then TARGETS+=(//tools/bench:libuv_bench); PEERS+=(libuv); fi
echo "== building ${TARGETS[*]} (--config=opt)"
timeout 900 bazel build --config=opt "${TARGETS[@]}"
BIN_DIR="$(timeout 300 bazel info --config=opt bazel-bin 2>/dev/null)/tools/bench"

GB_FLAGS=(--benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true --benchmark_out_format=json)

echo "== seedloop (real backend), $REPS repetitions"
timeout 600 "$BIN_DIR/loop_bench" "${GB_FLAGS[@]}" --benchmark_out="$OUT/seedloop.json"

if [[ "$VIRTUAL" == 1 ]]; then
  echo "== seedloop (virtual backend), $REPS repetitions"
  timeout 600 "$BIN_DIR/loop_bench" --seedloop_backend=virtual "${GB_FLAGS[@]}" \
    --benchmark_out="$OUT/seedloop_virtual.json"
fi

for peer in "${PEERS[@]}"; do
  echo "== $peer, $REPS repetitions"
  timeout 600 "$BIN_DIR/${peer}_bench" "${GB_FLAGS[@]}" --benchmark_out="$OUT/$peer.json"
done
if [[ ${#PEERS[@]} -lt 2 ]]; then
  echo "== Boost.Asio/libuv peers: apt-get install libboost-dev libuv1-dev to include them"
fi

echo "== CPython asyncio ($(timeout 60 "$PY" --version 2>&1)), $REPS repetitions"
timeout 600 "$PY" tools/bench/peers/asyncio_bench.py --loop asyncio --repetitions "$REPS" --json "$OUT/asyncio.json"

if timeout 60 "$PY" -c 'import uvloop' 2>/dev/null; then
  echo "== uvloop $(timeout 60 "$PY" -c 'import uvloop; print(uvloop.__version__)'), $REPS repetitions"
  timeout 600 "$PY" tools/bench/peers/asyncio_bench.py --loop uvloop --repetitions "$REPS" --json "$OUT/uvloop.json"
else
  echo "== uvloop: not installed (apt-get install python3-uvloop), skipped"
fi

echo
echo "== medians, items per wall-clock second (load now $(cut -d' ' -f1-3 /proc/loadavg))"
timeout 60 "$PY" tools/bench/table.py "$OUT"
