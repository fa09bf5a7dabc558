#!/usr/bin/env bash
# Builds tools/fuzz/schedule_fuzzer.cc with clang++-14 (libFuzzer + ASan +
# UBSan) together with the loop, the simulator and the scenario interpreter,
# and searches for a schedule that breaks a scenario's invariants.
#
#   tools/fuzz/run_schedule_fuzz.sh [SECONDS] [PATH...]   # default 60, scenarios/demo
#
# PATHs are scenario files or folders (all of them are fuzzed, the input's
# first byte picks one). The seed corpus is each scenario's first seeds'
# tapes. Exits 0 when nothing broke in time, 1 when a schedule broke an
# invariant (its tape is left in the working folder, with the replay
# command), 2 when the build failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=("$root/scenarios/demo")
# Absolute: the fuzzer runs in the work folder.
for i in "${!paths[@]}"; do
  [ -e "${paths[$i]}" ] || { echo "schedule_fuzzer: no such file or folder: ${paths[$i]}" >&2; exit 2; }
  paths[$i]=$(realpath "${paths[$i]}")
done
work=${TEST_TMPDIR:-$(mktemp -d)}
out="$work/schedule_fuzzer"

absl_libs=$(cd /usr/lib/x86_64-linux-gnu && ls libabsl_*.so | sed -e 's/^lib/-l/' -e 's/\.so$//' | tr '\n' ' ')
# -fno-sanitize=function: clang 14's UBSan function check emits, for the
# split parts of a coroutine, prologue data its assembler cannot encode
# ("Cannot represent a difference across sections").
flags=(-std=c++20 -O1 -g -fsized-deallocation -fsanitize=fuzzer,address,undefined -fno-sanitize=function
       -fno-sanitize-recover=undefined
       -I"$root")
cd "$root"
# Every library source of //loop, //loop/real, the simulator and the
# scenarios (tests end in _test.cc and are left out).
sources=(tools/fuzz/schedule_fuzzer.cc)
for f in loop/*.cc loop/aio/*.cc loop/net/*.cc loop/sync/*.cc loop/sync/internal/*.cc loop/internal/*.cc \
         loop/real/*.cc loop/real/internal/*.cc sim/tape.cc sim/trace.cc sim/world.cc sim/simulation.cc \
         scenarios/*.cc scenarios/internal/*.cc; do
  [[ $f == *_test.cc ]] || sources+=("$f")
done
# Two compilers at a time (the machine's cores); objects named by path and
# kept in $SEEDLOOP_FUZZ_BUILD (default: the work folder) with dependency
# files, so a rerun compiles only what changed.
build=${SEEDLOOP_FUZZ_BUILD:-$work}
mkdir -p "$build"
stale() {  # stale OBJECT: missing, or older than a file it was built from
  local obj=$1 dep=${1%.o}.d f
  [ -f "$obj" ] && [ -f "$dep" ] || return 0
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do [ "$f" -nt "$obj" ] && return 0; done
  return 1
}
objects=()
running=0
failed=0
for src in "${sources[@]}"; do
  obj="$build/$(echo "${src%.cc}" | tr / _).o"
  objects+=("$obj")
  stale "$obj" || continue
  clang++-14 "${flags[@]}" -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj" &
  running=$((running + 1))
  if [ $running -ge 2 ]; then wait -n || failed=1; running=$((running - 1)); fi
done
while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
[ $failed -eq 0 ] || { echo "schedule_fuzzer: build failed" >&2; exit 2; }
clang++-14 "${flags[@]}" "${objects[@]}" $absl_libs -lpthread -o "$out" || { echo "schedule_fuzzer: link failed" >&2; exit 2; }

corpus="$work/schedule_corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
scenario_list=$(IFS=:; echo "${paths[*]}")
cd "$work"
SEEDLOOP_FUZZ_SCENARIOS="$scenario_list" SEEDLOOP_FUZZ_SEED_DIR="$corpus" \
  "$out" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 "$corpus"
rc=$?
if [ $rc -eq 0 ]; then echo "schedule_fuzzer: no schedule broke an invariant in ${seconds} s"; exit 0; fi
ls "$work"/schedule-failure-*.json >/dev/null 2>&1 && exit 1
exit 2
