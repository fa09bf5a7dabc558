#!/usr/bin/env bash
# The project's one test command: installs missing Debian packages, then runs
# `bazel test //...` in the default config and again under AddressSanitizer +
# UndefinedBehaviorSanitizer. It keeps going after a failing config and ends
# with the line "N passed, N failed" (test cases, summed over both configs).
# Exits non-zero if anything failed or did not build.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags=(--keep_going)
if [[ -n "${CI:-}" ]]; then flags+=(--color=no --curses=no); fi

total_passed=0
total_failed=0

# run_config NAME [BAZEL FLAGS...]: one `bazel test //...` plus its count.
run_config() {
  local name=$1
  shift
  echo "=== bazel test $* //...  [$name]" >&2
  # The expected test targets (//... in `bazel test` skips manual ones).
  bazel query --keep_going \
    'tests(//...) except attr(tags, "\bmanual\b", //...)' \
    >"$tmp/$name.tests" 2>"$tmp/$name.query.log" ||
    { cat "$tmp/$name.query.log" >&2; echo "bazel query failed" >&2; }
  local rc=0
  bazel test "${flags[@]}" "$@" \
    --build_event_json_file="$tmp/$name.bep.json" //... || rc=$?
  local counts passed failed
  counts=$(python3 tools/count_results.py --name "$name" \
    --bep "$tmp/$name.bep.json" --tests "$tmp/$name.tests" \
    --bazel-exit "$rc") || counts="0 1"
  read -r passed failed <<<"$counts"
  echo "[$name] $passed passed, $failed failed (bazel exit $rc)" >&2
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
}

run_config default
run_config asan+ubsan --config=asan --config=ubsan

echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
