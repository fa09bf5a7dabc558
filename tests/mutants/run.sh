#!/usr/bin/env bash
# Mutation testing of seedloop's detectors (tests/mutants/README.md).
#
#   tests/mutants/run.sh [PATCH...]      (default: tests/mutants/*.patch)
#
# Each patch re-introduces one bug asyncio really had. For each, in one fixed
# scratch clone of this repository (its Bazel output base is kept, so
# rebuilds are incremental): reset the clone to the baseline, apply the
# patch, build //tools:seedloop, then run the detectors in order until one
# catches the mutant:
#   (a) seedloop explore scenarios/corpus --seeds S --mode faithful
#   (b) seedloop explore scenarios/corpus --seeds S --mode chaos
#   (c) seedloop fuzz-cancel on each scenario of fuzz_cancel_scenarios.txt
#   (d) the property tests: bazel test of the model-based tests
#       (//tests/model/...), the C++ cancellation fuzzing of the library
#       (//tests/aio:cancel_fuzz_library_test, //tests/sim:cancel_fuzz_test)
#       and the random-program properties (//tests/programs/..., when that
#       package exists)
#   (e) the coverage-guided schedule fuzzer (tools/fuzz/run_schedule_fuzz.sh,
#       clang-14 + libFuzzer) over scenarios/corpus for MUTANT_FUZZ_SECONDS
# The unpatched tree goes first (the baseline): every detector must pass on
# it. Ends with one summary table.
#
# Environment:
#   MUTANT_DIR        the scratch clone (default /tmp/seedloop-mutants); made
#                     with `git clone` when missing, then synced to this
#                     working tree: HEAD plus uncommitted and untracked files
#                     (MUTANT_BASE=HEAD: HEAD only, without them)
#   MUTANT_SEEDS      S, seeds per scenario for (a) and (b) (default 20)
#   MUTANT_TIME_LIMIT total seconds for the whole run (default 3600)
#   MUTANT_STEP_LIMIT seconds for one build or one detector (default 900)
#   MUTANT_LOG_DIR    logs, tapes and the summary (default $MUTANT_DIR.logs)
#   MUTANT_FUZZ_SECONDS  seconds of schedule fuzzing for (e) (default 60)
#   MUTANT_DETECTORS  the detectors to run, in order (default "abcde")
#   MUTANT_ALL=1      run every detector on each mutant, not only until the
#                     first catches it; the table then also lists the others
#
# Exit: 0 every mutant caught; 1 some mutant not caught; 2 the baseline
# fails, a patch does not apply or build, or the time limit ran out.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(git -C "$here" rev-parse --show-toplevel) || exit 2
MUTANT_DIR=${MUTANT_DIR:-/tmp/seedloop-mutants}
SEEDS=${MUTANT_SEEDS:-20}
TIME_LIMIT=${MUTANT_TIME_LIMIT:-3600}
STEP_LIMIT=${MUTANT_STEP_LIMIT:-900}
FUZZ_SECONDS=${MUTANT_FUZZ_SECONDS:-60}
ONLY=${MUTANT_DETECTORS:-abcde}
LOG_DIR=${MUTANT_LOG_DIR:-$MUTANT_DIR.logs}
FUZZ_LIST="$here/fuzz_cancel_scenarios.txt"
BAZEL=(bazel --max_idle_secs=900)

[[ $ONLY =~ ^[a-e]+$ ]] || { echo "run.sh: MUTANT_DETECTORS=$ONLY: letters a to e" >&2; exit 2; }
for v in SEEDS TIME_LIMIT STEP_LIMIT FUZZ_SECONDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: $v=${!v} is not a positive integer" >&2; exit 2; }
done
((SEEDS <= 100000)) || { echo "run.sh: MUTANT_SEEDS is at most 100000" >&2; exit 2; }

if (($# > 0)); then
  patches=()
  for p in "$@"; do patches+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"); done
else
  patches=("$here"/*.patch)
fi
for p in "${patches[@]}"; do [[ -f $p ]] || { echo "run.sh: no patch $p" >&2; exit 2; }; done

start=$(date +%s)
deadline=$((start + TIME_LIMIT))
elapsed() { echo $(($(date +%s) - start)); }
remaining() { echo $((deadline - $(date +%s))); }
# Seconds the next step may take: the step limit, or what is left.
step_budget() {
  local r
  r=$(remaining)
  ((r < STEP_LIMIT)) && echo "$r" || echo "$STEP_LIMIT"
}

mkdir -p "$LOG_DIR" || exit 2
# One run at a time per scratch clone.
exec 9>"$MUTANT_DIR.lock" || exit 2
flock -n 9 || { echo "run.sh: another run.sh uses $MUTANT_DIR" >&2; exit 2; }

say() { echo "[$(printf '%5d' "$(elapsed)")s] $*"; }

# ---- The scratch clone, synced to this working tree ------------------------

sync_scratch() {
  if [[ ! -d $MUTANT_DIR/.git ]]; then
    if [[ -e $MUTANT_DIR ]] && [[ -n $(ls -A "$MUTANT_DIR" 2>/dev/null) || ! -d $MUTANT_DIR ]]; then
      echo "run.sh: $MUTANT_DIR exists and is not a git clone; not touching it" >&2
      return 1
    fi
    git clone -q "$src" "$MUTANT_DIR" || return 1
  fi
  (
    set -e
    cd "$MUTANT_DIR"
    git checkout -q -- .
    git clean -fdq
    git fetch -q "$src" HEAD
    git reset -q --hard FETCH_HEAD
    [[ ${MUTANT_BASE:-worktree} == HEAD ]] && exit 0
    # This tree's uncommitted edits and new files (not ignored ones)...
    (cd "$src" && git ls-files -z --modified --others --exclude-standard) |
      while IFS= read -r -d '' f; do
        [[ -f $src/$f ]] || continue
        if ! cmp -s "$src/$f" "$f"; then
          mkdir -p "$(dirname "$f")"
          cp -p "$src/$f" "$f"
        fi
      done
    # ...and its deletions.
    (cd "$src" && git ls-files -z --deleted) | while IFS= read -r -d '' f; do rm -f "$f"; done
    git add -A
    git -c user.name=run.sh -c user.email=mutants@localhost commit -q --allow-empty \
      -m "tests/mutants baseline: the working tree of $src"
  )
}

# Back to the baseline commit, between mutants.
reset_scratch() {
  (cd "$MUTANT_DIR" && git checkout -q -- . && git clean -fdq)
}

# ---- Steps ----------------------------------------------------------------

# build LOG: bazel build //tools:seedloop in the scratch clone.
build() {
  local log=$1 budget
  budget=$(step_budget)
  ((budget > 0)) || return 3
  (cd "$MUTANT_DIR" && timeout "$budget" "${BAZEL[@]}" build --color=no --curses=no //tools:seedloop) >"$log" 2>&1
  local rc=$?
  ((rc == 124)) && return 3
  return $rc
}

bin() { echo "$MUTANT_DIR/bazel-bin/tools/seedloop"; }

# Detector results, set by each detector function:
#   D_RC      0 passed, 1 caught, 3 out of time, other: broke (crash, bad
#             input, a harness failure without a failing seed)
#   D_WHERE   scenarios that failed (first few)
#   D_FIRST   the first failing seed / point
#   D_RUNS    runs made
D_RC=0 D_WHERE="" D_FIRST="" D_RUNS=""

# explore MODE LOG
detect_explore() {
  local mode=$1 log=$2 budget attempt fails other
  for attempt in 1 2; do
    D_WHERE="" D_FIRST="" D_RUNS=""
    budget=$(step_budget)
    ((budget > 0)) || { D_RC=3; return; }
    (cd "$MUTANT_DIR" && timeout "$budget" "$(bin)" explore scenarios/corpus --seeds "$SEEDS" --mode "$mode" \
      --out "$LOG_DIR/tapes/$(basename "$log" .log)" --max_shrink_runs 200) >"$log" 2>"$log.stderr"
    D_RC=$?
    ((D_RC == 124)) && { D_RC=3; return; }
    # "explore: 192 scenarios, 3840 seeds, ..."; a failing seed prints
    # "FAIL NAME seed N (outcome: ...)", a failure of the sweep itself
    # "FAIL NAME: MESSAGE" (e.g. the thread count around the sweep).
    D_RUNS=$(sed -n 's/^explore: [0-9]* scenarios, \([0-9]*\) seeds.*/\1 seeds/p' "$log" | tail -1)
    # Each failing scenario with its first failing seed, lowest seed first.
    fails=$(awk '/^FAIL [^ ]+ seed [0-9]+ / && !seen[$2]++ { print $4, $2 }' "$log" | sort -n -s -k1,1)
    other=$(grep '^FAIL ' "$log" | grep -Ev '^FAIL [^ ]+ seed [0-9]+ ')
    if ((D_RC == 1)) && [[ -z $fails ]]; then
      # No seed failed: a failure of the harness, not of the program.
      say "  ($(basename "$log" .log)) no failing seed, but: $other"
      if ((attempt == 1)); then
        say "  running that detector again"
        continue
      fi
      D_RC=4
      return
    fi
    break
  done
  if ((D_RC == 1)); then
    [[ -n $other ]] && say "  note, besides the failing seeds: $other"
    D_FIRST=$(echo "$fails" | head -1 | awk '{print "seed " $1}')
    D_WHERE=$(echo "$fails" | awk '{print $2 " (seed " $1 ")"}' | head -4 | paste -sd, - | sed 's/,/, /g')
    local n
    n=$(echo "$fails" | grep -c .)
    ((n > 4)) && D_WHERE="$D_WHERE, +$((n - 4)) more"
  fi
}

# fuzz-cancel over the list; LOG
fuzz_scenarios() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$FUZZ_LIST" | grep -v '^$'
}

detect_fuzz() {
  local log=$1 name budget rc runs=0 failed=()
  D_RC=0 D_WHERE="" D_FIRST="" D_RUNS=""
  : >"$log"
  for name in $(fuzz_scenarios); do
    budget=$(step_budget)
    ((budget > 0)) || { D_RC=3; break; }
    local f="scenarios/corpus/$name.json"
    echo "=== fuzz-cancel $f" >>"$log"
    (cd "$MUTANT_DIR" && timeout "$budget" "$(bin)" fuzz-cancel "$f") >"$log.one" 2>&1
    rc=$?
    cat "$log.one" >>"$log"
    # "fuzz-cancel: R of S suspension points ...; F of N runs failed"
    local n
    n=$(sed -n 's/^fuzz-cancel: .*; [0-9]* of \([0-9]*\) runs failed$/\1/p' "$log.one" | tail -1)
    runs=$((runs + ${n:-0}))
    if ((rc == 1)); then
      failed+=("$name")
      [[ -z $D_FIRST ]] && D_FIRST="$(sed -n 's/^FAIL \(point [0-9]*\)$/\1/p' "$log.one" | head -1) of $name"
      D_RC=1
    elif ((rc == 124)); then
      D_RC=3
      echo "(timed out)" >>"$log"
      break
    elif ((rc != 0)); then
      failed+=("$name (exit $rc)")
      ((D_RC == 0)) && D_RC=$rc
    fi
  done
  rm -f "$log.one"
  D_RUNS="$runs runs"
  if ((${#failed[@]} > 0)); then
    D_WHERE=$(printf '%s, ' "${failed[@]:0:4}")
    D_WHERE=${D_WHERE%, }
    ((${#failed[@]} > 4)) && D_WHERE="$D_WHERE, +$((${#failed[@]} - 4)) more"
  fi
}

# The property-test targets that exist in the scratch clone.
property_targets() {
  local t=(//tests/model/... //tests/aio:cancel_fuzz_library_test //tests/sim:cancel_fuzz_test)
  [[ -f $MUTANT_DIR/tests/programs/BUILD ]] && t+=(//tests/programs/...)
  echo "${t[@]}"
}

# bazel test of the property tests; LOG
detect_properties() {
  local log=$1 budget targets
  D_RC=0 D_WHERE="" D_FIRST="" D_RUNS=""
  budget=$(step_budget)
  ((budget > 0)) || { D_RC=3; return; }
  targets=$(property_targets)
  # --test_output=errors: a failing property prints its shrunk counterexample.
  (cd "$MUTANT_DIR" && timeout "$budget" "${BAZEL[@]}" test --color=no --curses=no --test_output=errors \
    --nocache_test_results $targets) >"$log" 2>&1
  D_RC=$?
  ((D_RC == 124)) && { D_RC=3; return; }
  # bazel test: 0 all passed, 3 some test failed, other: build or harness.
  ((D_RC == 3)) && D_RC=1
  D_RUNS="$(grep -Ec '^//[^ ]+ +(\(cached\) )?(PASSED|FAILED)' "$log") test targets"
  if ((D_RC == 1)); then
    local failing
    failing=$(sed -n 's|^\(//[^ ]*\) *FAILED.*|\1|p' "$log")
    D_WHERE=$(echo "$failing" | head -4 | paste -sd, - | sed 's/,/, /g')
    # rapidcheck: "Falsifiable after N tests and M shrinks"
    D_FIRST=$(grep -Eo 'Falsifiable after [0-9]+ tests?' "$log" | head -1 | sed 's/Falsifiable after \([0-9]*\).*/rapidcheck case \1/')
    # sim::fuzz_cancel's report: "point 3 (seed 0)"
    [[ -n $D_FIRST ]] || D_FIRST=$(grep -Eo '^point [0-9]+' "$log" | head -1)
    [[ -n $D_FIRST ]] || D_FIRST="a failing test"
  fi
}

# The schedule fuzzer over the corpus; LOG
detect_schedule_fuzz() {
  local log=$1 budget
  D_RC=0 D_WHERE="" D_FIRST="" D_RUNS=""
  budget=$(step_budget)
  ((budget > 0)) || { D_RC=3; return; }
  # Objects are kept between mutants (rebuilds compile what the patch touched).
  (cd "$MUTANT_DIR" && TEST_TMPDIR="$LOG_DIR/schedule_fuzz" SEEDLOOP_FUZZ_BUILD="$MUTANT_DIR.fuzzobj" \
    timeout "$budget" tools/fuzz/run_schedule_fuzz.sh "$FUZZ_SECONDS" scenarios/corpus) >"$log" 2>&1
  D_RC=$?
  ((D_RC == 124)) && { D_RC=3; return; }
  D_RUNS=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{print $2 " inputs"}' | tail -1)
  [[ -n $D_RUNS ]] || D_RUNS="${FUZZ_SECONDS}s"
  if ((D_RC == 1)); then
    D_WHERE=$(sed -n 's/^schedule_fuzzer: \([^ ]*\) (.*breaks its invariants:$/\1/p' "$log" | head -1)
    D_FIRST="a tape in $LOG_DIR/schedule_fuzz"
  fi
}

# run_detectors LABEL STOP_AT_FIRST: runs the detectors of MUTANT_DETECTORS
# in order; prints one line each.
# Sets CAUGHT_BY (detector letter + name, or ""), CAUGHT_*.
DETECTORS=()
for d in "a:explore faithful" "b:explore chaos" "c:fuzz-cancel" "d:property tests" "e:schedule fuzzer"; do
  [[ $ONLY == *"${d%%:*}"* ]] && DETECTORS+=("$d")
done
run_detectors() {
  local label=$1 stop=$2 d id what
  CAUGHT_BY="" CAUGHT_WHERE="" CAUGHT_FIRST="" CAUGHT_RUNS="" BROKEN="" OUT_OF_TIME="" ALSO=""
  for d in "${DETECTORS[@]}"; do
    id=${d%%:*} what=${d#*:}
    local log="$LOG_DIR/$label.$id.log"
    case $id in
      a) detect_explore faithful "$log" ;;
      b) detect_explore chaos "$log" ;;
      c) detect_fuzz "$log" ;;
      d) detect_properties "$log" ;;
      e) detect_schedule_fuzz "$log" ;;
    esac
    case $D_RC in
      0) say "  ($id) $what: passed, $D_RUNS" ;;
      1) say "  ($id) $what: FAILED, first failure at $D_FIRST; failing: $D_WHERE ($D_RUNS; $log)" ;;
      3) say "  ($id) $what: out of time"; OUT_OF_TIME=1 ;;
      *) say "  ($id) $what: broke with exit $D_RC ($log)"; BROKEN="$BROKEN ($id) exit $D_RC" ;;
    esac
    if ((D_RC == 1)) && [[ -n $CAUGHT_BY ]]; then
      ALSO="$ALSO${ALSO:+, }($id)"
    elif ((D_RC == 1)); then
      CAUGHT_BY="($id) $what" CAUGHT_WHERE=$D_WHERE CAUGHT_FIRST=$D_FIRST CAUGHT_RUNS=$D_RUNS
      [[ $stop == stop ]] && return
    fi
    [[ -n $OUT_OF_TIME ]] && return
  done
}

# ---- The run ----------------------------------------------------------------

echo "tests/mutants/run.sh: ${#patches[@]} mutants; detectors $ONLY; scratch clone $MUTANT_DIR; seeds $SEEDS;" \
  "time limit ${TIME_LIMIT}s (a step at most ${STEP_LIMIT}s); logs $LOG_DIR"
rm -rf "$LOG_DIR/tapes"

say "syncing the scratch clone to $src (${MUTANT_BASE:-worktree})"
sync_scratch >"$LOG_DIR/sync.log" 2>&1 || { cat "$LOG_DIR/sync.log"; echo "run.sh: cannot prepare $MUTANT_DIR" >&2; exit 2; }
[[ -f $FUZZ_LIST ]] || { echo "run.sh: missing $FUZZ_LIST" >&2; exit 2; }
for name in $(fuzz_scenarios); do
  [[ -f $MUTANT_DIR/scenarios/corpus/$name.json ]] || { echo "run.sh: $FUZZ_LIST: no scenarios/corpus/$name.json" >&2; exit 2; }
done

say "baseline: building //tools:seedloop"
build "$LOG_DIR/baseline.build.log"
rc=$?
if ((rc == 3)); then
  echo "run.sh: the time limit (${TIME_LIMIT}s) ran out building the baseline" >&2
  exit 2
elif ((rc != 0)); then
  tail -20 "$LOG_DIR/baseline.build.log"
  echo "run.sh: the baseline does not build (exit $rc)" >&2
  exit 2
fi
say "baseline: detectors"
run_detectors baseline all
if [[ -n $OUT_OF_TIME ]]; then
  echo "run.sh: the time limit (${TIME_LIMIT}s) ran out in the baseline" >&2
  exit 2
fi
if [[ -n $CAUGHT_BY || -n $BROKEN ]]; then
  echo "run.sh: the unpatched tree fails a detector; fix that first (logs in $LOG_DIR)" >&2
  exit 2
fi

rows=()
status=0
for p in "${patches[@]}"; do
  name=$(basename "$p" .patch)
  t0=$(date +%s)
  say "mutant $name"
  reset_scratch
  if (($(remaining) <= 0)); then
    rows+=("$name|NOT RUN (time limit)|-|-|-|-")
    status=2
    continue
  fi
  if ! (cd "$MUTANT_DIR" && git apply "$p") >"$LOG_DIR/$name.apply.log" 2>&1; then
    say "  patch does not apply: $(head -3 "$LOG_DIR/$name.apply.log" | paste -sd' ' -)"
    rows+=("$name|PATCH DOES NOT APPLY|-|-|-|$(($(date +%s) - t0))s")
    status=2
    continue
  fi
  build "$LOG_DIR/$name.build.log"
  rc=$?
  if ((rc != 0)); then
    if ((rc == 3)); then
      say "  build: out of time"
      rows+=("$name|NOT RUN (time limit)|-|-|-|$(($(date +%s) - t0))s")
    else
      say "  build FAILED (exit $rc; $LOG_DIR/$name.build.log)"
      tail -15 "$LOG_DIR/$name.build.log" | sed 's/^/    /'
      rows+=("$name|DOES NOT BUILD|-|-|-|$(($(date +%s) - t0))s")
    fi
    status=2
    continue
  fi
  say "  built in $(($(date +%s) - t0))s"
  if [[ ${MUTANT_ALL:-0} == 1 ]]; then run_detectors "$name" all; else run_detectors "$name" stop; fi
  dt="$(($(date +%s) - t0))s"
  if [[ -n $CAUGHT_BY ]]; then
    [[ -n $ALSO ]] && CAUGHT_BY="$CAUGHT_BY; also $ALSO"
    [[ ${MUTANT_ALL:-0} == 1 && -z $ALSO ]] && CAUGHT_BY="$CAUGHT_BY only"
    rows+=("$name|caught|$CAUGHT_BY|$CAUGHT_FIRST ($CAUGHT_RUNS)|$CAUGHT_WHERE|$dt")
  elif [[ -n $OUT_OF_TIME ]]; then
    rows+=("$name|NOT RUN (time limit)|-|-|-|$dt")
    status=2
  else
    note="-"
    [[ -n $BROKEN ]] && note="detectors broke:$BROKEN"
    rows+=("$name|NOT CAUGHT|-|-|$note|$dt")
    ((status == 0)) && status=1
  fi
done
reset_scratch

total=$(elapsed)
{
  echo
  echo "| mutant | result | caught by | first failing seed or point (runs in that detector's sweep) | failing scenarios (first failing seed) | time |"
  echo "|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do echo "| ${r//|/ | } |"; done
  echo
  echo "Seeds per scenario (a, b): $SEEDS. Total time: ${total}s (limit ${TIME_LIMIT}s)."
} | tee "$LOG_DIR/summary.md"
case $status in
  0) echo "run.sh: all ${#patches[@]} mutants caught" ;;
  1) echo "run.sh: some mutants were NOT caught" ;;
  *) echo "run.sh: some mutants could not be evaluated (patch, build or time limit)" ;;
esac
exit $status
