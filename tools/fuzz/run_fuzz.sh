#!/usr/bin/env bash
# Builds tools/fuzz/parsers_fuzzer.cc with clang++-14 (libFuzzer + ASan +
# UBSan; Debian's clang-14 and libclang-rt-14-dev, see tools/install_deps.sh)
# and runs it for a bounded time over a copy of the seed corpus.
#
#   tools/fuzz/run_fuzz.sh [SECONDS]     # default 20
#
# Exits non-zero when the fuzzer finds a crash (the reproducer is left in the
# working directory, as libFuzzer does) or the build fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
work=${TEST_TMPDIR:-$(mktemp -d)}
out="$work/parsers_fuzzer"

# Debian's Abseil: the libraries the parsers use (and what they pull in).
absl_libs=$(cd /usr/lib/x86_64-linux-gnu && ls libabsl_*.so | sed -e 's/^lib/-l/' -e 's/\.so$//' | tr '\n' ' ')

flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$root")
sources=(tools/fuzz/parsers_fuzzer.cc sim/tape.cc sim/trace.cc sim/trace_io.cc
         scenarios/scenario.cc scenarios/internal/located_json.cc scenarios/internal/messages.cc
         scenarios/internal/op_table.cc scenarios/validate_file.cc scenarios/validate_steps.cc
         scenarios/validate_expect.cc)

# One compiler per source, side by side (each scenario parser source takes
# several seconds), then the link; `wait PID` fails the script (set -e) when
# that compile failed. Objects are named by path, so equal basenames cannot
# collide.
objects=()
pids=()
for src in "${sources[@]}"; do
  obj="$work/$(echo "${src%.cc}" | tr / _).o"
  clang++-14 "${flags[@]}" -c "$root/$src" -o "$obj" &
  pids+=("$!")
  objects+=("$obj")
done
for pid in "${pids[@]}"; do
  wait "$pid"
done
clang++-14 "${flags[@]}" "${objects[@]}" $absl_libs -o "$out"

corpus="$work/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$root"/tools/fuzz/corpus/*/* "$corpus/"
cd "$work"
"$out" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "$corpus"
