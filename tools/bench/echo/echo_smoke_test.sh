#!/usr/bin/env bash
# Smoke test of the echo benchmark's peers (not a benchmark): each available
# peer runs a tiny workload (2 connections x 50 round trips) and must print
# one "<impl> <style> round_trips_per_s: N" line with N > 0. A peer whose
# package is missing (its binary was not built, or uvloop does not import)
# prints SKIP and does not fail the test. Every run is bounded by timeout.
set -uo pipefail

cd "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-seedloop}" 2>/dev/null || true
DIR=tools/bench/echo
TINY=(--connections=2 --round_trips=50 --payload=64)
failures=0

# check NAME COMMAND...: runs it, expects a positive rate.
check() {
  local name="$1"
  shift
  local out
  out="$(timeout 60 "$@" "${TINY[@]}" 2>&1)"
  local rc=$?
  if [[ $rc -eq 0 && "$out" =~ round_trips_per_s:\ ([0-9]+)$ && ${BASH_REMATCH[1]} -gt 0 ]]; then
    echo "PASS $name: $out"
  else
    echo "FAIL $name (exit $rc): $out"
    failures=$((failures + 1))
  fi
}

check "seedloop sock_coroutine" "$DIR/seedloop_echo"
check "seedloop protocol" "$DIR/seedloop_echo_transports" --style=protocol
check "seedloop streams" "$DIR/seedloop_echo_transports" --style=streams

if [[ -x "$DIR/libuv_echo" ]]; then
  check "libuv callback" "$DIR/libuv_echo"
else
  echo "SKIP libuv: libuv1-dev is not installed"
fi

if [[ -x "$DIR/asio_echo" ]]; then
  check "asio coro" "$DIR/asio_echo" --style=coro
  check "asio callback" "$DIR/asio_echo" --style=callback
else
  echo "SKIP asio: libboost-dev is not installed"
fi

# Debian's python3-uvloop imports only under /usr/bin/python3 (3.11).
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
for style in protocol streams sock; do
  check "asyncio $style" "$PY" "$DIR/asyncio_echo.py" --loop=asyncio --style="$style"
done
if timeout 60 "$PY" -c 'import uvloop' 2>/dev/null; then
  for style in protocol streams sock; do
    check "uvloop $style" "$PY" "$DIR/asyncio_echo.py" --loop=uvloop --style="$style"
  done
else
  echo "SKIP uvloop: python3-uvloop does not import under $PY"
fi

if [[ $failures -gt 0 ]]; then
  echo "$failures peer(s) failed"
  exit 1
fi
echo "all available peers report a rate"
