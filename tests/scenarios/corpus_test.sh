#!/bin/bash
# The scenario corpus in CI: corpus_test.sh WHAT SEEDLOOP ORACLE FILES...
#   check     every file is valid
#   conform   CPython (the oracle) and seedloop give the same events and outcome
#   explore   a short exploration passes in faithful and in chaos mode
#   demo      a 2,000-seed chaos exploration finds the demo's bug, and a
#             faithful one does not
set -u
what=$1
bin=$2
oracle=$3
shift 3
T="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*"; exit 1; }

case "$what" in
  check)
    "$bin" check "$@" || fail "seedloop check"
    n=$(ls "$@" | wc -l)
    [ "$n" -ge 60 ] || fail "the corpus has $n scenarios, fewer than 60"
    ;;
  conform)
    "$bin" conform --oracle "$oracle" "$@" || fail "seedloop conform"
    ;;
  explore)
    "$bin" explore --seeds 20 --jobs 2 --out "$T/faithful" "$@" || fail "faithful exploration"
    "$bin" explore --seeds 20 --jobs 2 --mode chaos --out "$T/chaos" "$@" || fail "chaos exploration"
    ;;
  demo)
    out=$("$bin" explore --seeds 2000 --jobs 2 --mode chaos --out "$T/tapes" "$@"); rc=$?
    echo "$out" | tail -5
    [ $rc -eq 1 ] || fail "the chaos exploration of the demo exits $rc, not 1"
    echo "$out" | grep -q "shrunk tape" || fail "no shrunk tape"
    "$bin" explore --seeds 200 --jobs 2 --out "$T/faithful" "$@" >/dev/null || fail "faithful mode finds a failure"
    ;;
  *) fail "unknown check $what" ;;
esac
echo PASS
