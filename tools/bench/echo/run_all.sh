#!/usr/bin/env bash
# The echo benchmark of issue 8, every implementation side by side: builds
# the C/C++ peers with Bazel (--config=opt), then runs N rounds; each round
# runs every peer once (the order rotates from round to round), so slow
# phases of a shared machine hit every peer alike. Prints one table: the
# median round trips per second of each peer, min-max, and the ratio of
# its median to libuv's.
#
#   tools/bench/echo/run_all.sh [--reps N] [--out DIR] [--tiny] [--bin DIR]
#   bazel run //tools/bench:echo_bench -- [--reps N] [--tiny]   # the same, via Bazel
#
#   --reps N  rounds (default 3)
#   --out DIR keep the raw lines there (default: a fresh temp dir)
#   --tiny    2 connections x 50 round trips (a check that everything runs)
#   --bin DIR take the built binaries from DIR and build nothing (how
#             //tools/bench:echo_bench calls it, from its runfiles)
#
# Workload (echo_params.h): 32 connections x 5,000 round trips of 64 bytes,
# TCP_NODELAY, 127.0.0.1, one process and one thread per peer. Peers whose
# packages are missing (libuv1-dev, libboost-dev, python3-uvloop: see
# tools/install_deps.sh) are skipped with a note. Every run is bounded by
# `timeout`.
set -euo pipefail

cd "$(dirname "$0")/../../.."

REPS=3
OUT=""
BIN=""
WORKLOAD=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --reps) REPS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --tiny) WORKLOAD=(--connections=2 --round_trips=50) ;;
    --bin) BIN="$2"; shift ;;
    *) echo "run_all.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$OUT" ]] || OUT="$(mktemp -d /tmp/seedloop_echo.XXXXXX)"
mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: >"$RESULTS"

# Debian's python3-uvloop imports only under /usr/bin/python3 (3.11).
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Under `bazel run` the script runs from its runfiles; the tree is the
# workspace Bazel was run in.
[[ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]] && GIT=(git -C "$BUILD_WORKSPACE_DIRECTORY") || GIT=(git)
if TREE="$(timeout 30 "${GIT[@]}" rev-parse --short HEAD 2>/dev/null)"; then
  [[ -z "$(timeout 60 "${GIT[@]}" status --porcelain --untracked-files=no 2>/dev/null)" ]] || TREE="$TREE plus uncommitted changes"
  echo "== tree: $TREE"
fi

if [[ -z "$BIN" ]]; then
  TARGETS=(//tools/bench/echo:seedloop_echo //tools/bench/echo:seedloop_echo_transports)
  [[ -f /usr/include/uv.h ]] && TARGETS+=(//tools/bench/echo:libuv_echo)
  [[ -f /usr/include/boost/asio.hpp ]] && TARGETS+=(//tools/bench/echo:asio_echo)
  echo "== building ${TARGETS[*]} (--config=opt)"
  timeout 1800 bazel build --config=opt "${TARGETS[@]}"
  BIN="$(timeout 300 bazel info --config=opt bazel-bin 2>/dev/null)/tools/bench/echo"
fi

# One peer per entry: the command line (its output names the peer).
PEERS=("$BIN/seedloop_echo" "$BIN/seedloop_echo_transports --style=protocol" "$BIN/seedloop_echo_transports --style=streams")
if [[ -x "$BIN/libuv_echo" ]]; then PEERS+=("$BIN/libuv_echo"); else echo "== libuv: not installed, skipped"; fi
if [[ -x "$BIN/asio_echo" ]]; then
  PEERS+=("$BIN/asio_echo --style=coro" "$BIN/asio_echo --style=callback")
else
  echo "== Boost.Asio: not installed, skipped"
fi
for style in protocol streams sock; do PEERS+=("$PY tools/bench/echo/asyncio_echo.py --loop=asyncio --style=$style"); done
if timeout 60 "$PY" -c 'import uvloop' 2>/dev/null; then
  for style in protocol streams sock; do PEERS+=("$PY tools/bench/echo/asyncio_echo.py --loop=uvloop --style=$style"); done
else
  echo "== uvloop: python3-uvloop does not import under $PY, skipped"
fi

echo "== $REPS rounds of ${#PEERS[@]} peers; raw lines in $RESULTS"
for ((round = 0; round < REPS; round++)); do
  for ((k = 0; k < ${#PEERS[@]}; k++)); do
    peer="${PEERS[$(((k + round) % ${#PEERS[@]}))]}"
    # shellcheck disable=SC2086  # the entry is a command line
    if line="$(timeout 600 $peer "${WORKLOAD[@]}")"; then
      echo "   round $((round + 1)): $line"
      echo "$line" >>"$RESULTS"
    else
      echo "   round $((round + 1)): FAILED: $peer" >&2
    fi
  done
done

echo
echo "== medians of $REPS rounds, round trips per second (load now $(cut -d' ' -f1-3 /proc/loadavg))"
timeout 60 "$PY" - "$RESULTS" <<'PYEOF'
import collections, statistics, sys
runs = collections.OrderedDict()
for line in open(sys.argv[1]):
    head, _, value = line.rpartition("round_trips_per_s:")
    runs.setdefault(head.strip(), []).append(float(value))
base = statistics.median(runs["libuv callback"]) if "libuv callback" in runs else None
print(f"| {'implementation, style':<28} | {'median':>8} | {'min - max':>17} | {'vs libuv':>8} |")
print(f"|{'-' * 30}|{'-' * 10}|{'-' * 19}|{'-' * 10}|")
for name, values in sorted(runs.items(), key=lambda kv: -statistics.median(kv[1])):
    med = statistics.median(values)
    ratio = f"{med / base:.2f}x" if base else "n/a"
    spread = f"{min(values):,.0f} - {max(values):,.0f}"
    print(f"| {name:<28} | {med:>8,.0f} | {spread:>17} | {ratio:>8} |")
PYEOF
