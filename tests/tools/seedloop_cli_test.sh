#!/bin/bash
# The seedloop command line, as a user runs it: exit codes and messages of the
# trace verbs and the scenario verbs. $2: the demo scenario.
set -u
BIN="$1"
T="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*"; exit 1; }

header='{"schema":"seedloop.trace","version":1}'
printf '%s\n{"i":0,"t":0,"ev":"stop","id":0,"value":0,"text":""}\n' "$header" > "$T/a.jsonl"
cp "$T/a.jsonl" "$T/same.jsonl"
printf '%s\n{"i":0,"t":5,"ev":"close","id":0,"value":0,"text":""}\n' "$header" > "$T/b.jsonl"
printf '%s\n{"i":0,"t":"x"}\n' "$header" > "$T/bad.jsonl"

out=$("$BIN" diff "$T/a.jsonl" "$T/same.jsonl"); rc=$?
[ $rc -eq 0 ] || fail "diff of equal traces exits $rc"
echo "$out" | grep -q "traces are equal" || fail "diff of equal traces says: $out"

out=$("$BIN" diff "$T/a.jsonl" "$T/b.jsonl"); rc=$?
[ $rc -eq 1 ] || fail "diff of different traces exits $rc"
echo "$out" | grep -q "traces differ at event 0" || fail "diff says: $out"

err=$("$BIN" diff "$T/a.jsonl" "$T/bad.jsonl" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "diff of a malformed trace exits $rc"
echo "$err" | grep -q 'bad.jsonl:2: field "t" must be an integer' || fail "malformed trace message: $err"

"$BIN" frobnicate >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown verb exits $rc"

"$BIN" export --format=perfetto "$T/a.jsonl" --out="$T/a.perfetto.json" >/dev/null; rc=$?
[ $rc -eq 0 ] || fail "export exits $rc"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["traceEvents"]' "$T/a.perfetto.json" \
  || fail "export wrote no trace events"

"$BIN" export --format=svg "$T/a.jsonl" --out="$T/x" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown export format exits $rc"

# ---- Scenario verbs ----
DEMO="$2"
cat > "$T/ok.json" <<'JSON'
{"schema": "seedloop.scenario", "version": 1, "name": "ok",
 "coroutines": {"main": [{"op": "sleep", "delay": 0.5}, {"op": "log", "msg": "done"}]},
 "main": "main",
 "expect": {"trace": ["0.5 main sleep -> null", "0.5 main: done"], "outcome": "return null"}}
JSON
cat > "$T/bad.json" <<'JSON'
{"schema": "seedloop.scenario", "version": 1, "name": "bad",
 "coroutines": {"main": [
   {"op": "sleep", "delay": -1}]},
 "main": "main"}
JSON

out=$("$BIN" check "$T/ok.json"); rc=$?
[ $rc -eq 0 ] || fail "check of a valid file exits $rc: $out"
err=$("$BIN" check "$T/ok.json" "$T/bad.json" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "check of a bad file exits $rc"
echo "$err" | grep -q "bad.json:3: coroutines.main\[0\].delay" || fail "check message: $err"
"$BIN" run "$T/bad.json" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "run of a bad file exits $rc"

out=$("$BIN" run "$T/ok.json" --trace "$T/ok.jsonl" --tape "$T/ok.tape.json"); rc=$?
[ $rc -eq 0 ] || fail "run exits $rc: $out"
echo "$out" | grep -q "^0.5 main: done$" || fail "run prints no events: $out"
echo "$out" | grep -q "^outcome: return null$" || fail "run prints no outcome: $out"
grep -q '"ev":"scenario"' "$T/ok.jsonl" || fail "the trace has no scenario events"
out=$("$BIN" replay --tape "$T/ok.tape.json" "$T/ok.json"); rc=$?
[ $rc -eq 0 ] || fail "replay exits $rc: $out"

# The demo: a chaos exploration finds the leak, saves tapes, shrinks the first.
out=$("$BIN" explore "$DEMO" --seeds 200 --mode chaos --jobs 2 --out "$T/tapes" 2>/dev/null); rc=$?
[ $rc -eq 1 ] || fail "explore of the demo exits $rc: $out"
echo "$out" | grep -q "invariant final_state.slots: expected 3" || fail "explore names no invariant: $out"
echo "$out" | grep -q "shrunk tape: .* -> .* choices" || fail "explore did not shrink: $out"
tape=$(ls "$T"/tapes/worker_pool_leak-seed*-chaos.json | grep -v shrunk | head -1)
[ -n "$tape" ] || fail "explore saved no tape"
"$BIN" replay --tape "$tape" "$DEMO" --quiet >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "replaying a failing tape (its mode read from the tape) exits $rc"
"$BIN" replay --tape "$tape" "$DEMO" --mode faithful >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "replaying a chaos tape in faithful mode exits $rc (the tape does not fit)"
"$BIN" replay --tape "$tape" "$T/ok.json" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "replaying a tape of another scenario exits $rc"
out=$("$BIN" shrink --tape "$tape" "$DEMO" --out "$T/small.json"); rc=$?
[ $rc -eq 0 ] || fail "shrink exits $rc: $out"
echo "$out" | tail -1 | grep -q "^shrunk tape: [0-9]* -> [0-9]* choices" || fail "shrink's last line: $out"
"$BIN" replay --tape "$T/small.json" "$DEMO" --quiet >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "the shrunk tape does not fail: $rc"
out=$("$BIN" explore "$DEMO" --seeds 20 2>/dev/null); rc=$?
[ $rc -eq 0 ] || fail "faithful exploration of the demo exits $rc: $out"

out=$("$BIN" explore "$DEMO" --seeds 50 --strategy pct --pct_depth 2 2>/dev/null); rc=$?
[ $rc -eq 0 ] || fail "a PCT exploration of the demo in faithful mode exits $rc: $out"
echo "$out" | grep -q "PCT depth 2" || fail "explore does not say its strategy: $out"
"$BIN" explore "$DEMO" --strategy bogus >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "explore --strategy bogus exits $rc"
"$BIN" explore "$DEMO" --seeds 0 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "explore --seeds 0 exits $rc"
"$BIN" explore "$DEMO" --shard 3/2 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "explore --shard 3/2 exits $rc"
# Cancellation fuzzing: a lock released outside `finally` leaks when the
# holder is cancelled; every suspension point is tried.
cat > "$T/leak.json" <<'JSON'
{"schema": "seedloop.scenario", "version": 1, "name": "lock_leak",
 "objects": {"l": {"type": "Lock"}},
 "coroutines": {
   "main": [{"op": "create_task", "coro": "worker", "name": "w1"},
            {"op": "create_task", "coro": "worker", "name": "w2"},
            {"op": "gather", "awaitables": ["w1", "w2"], "return_exceptions": true}],
   "worker": [{"op": "acquire", "object": "l"}, {"op": "sleep", "delay": 1}, {"op": "release", "object": "l"}]},
 "main": "main",
 "expect": {"invariants": {"final_state": {"l": false}}}}
JSON
out=$("$BIN" fuzz-cancel "$T/leak.json"); rc=$?
[ $rc -eq 1 ] || fail "fuzz-cancel of a leaking scenario exits $rc: $out"
echo "$out" | tail -1 | grep -q "^fuzz-cancel: 3 of 3 suspension points reached by an injection; 3 of 6 runs failed$" \
  || fail "fuzz-cancel's last line: $out"
echo "$out" | grep -q "leak.json:7: coroutines.worker\[0\]" || fail "fuzz-cancel names no point: $out"
"$BIN" run "$T/leak.json" --cancel_at 4 --quiet >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "rerunning a fuzz-cancel failure exits $rc"
out=$("$BIN" fuzz-cancel "$T/leak.json" --random 30 --one_in 4); rc=$?
[ $rc -eq 1 ] || fail "random fuzz-cancel exits $rc: $out"
sed -i 's/{"op": "acquire", "object": "l"}, {"op": "sleep", "delay": 1}, {"op": "release", "object": "l"}/{"op": "with", "object": "l", "steps": [{"op": "sleep", "delay": 1}]}/' "$T/leak.json"
out=$("$BIN" fuzz-cancel "$T/leak.json"); rc=$?
[ $rc -eq 0 ] || fail "fuzz-cancel of the fixed scenario exits $rc: $out"

# The timeout variant: a lock taken inside a timeout block and released
# without `finally` leaks when the block expires at the acquire or the sleep;
# the points outside any timeout block are not applicable.
cat > "$T/tleak.json" <<'JSON'
{"schema": "seedloop.scenario", "version": 1, "name": "timeout_leak",
 "objects": {"l": {"type": "Lock"}},
 "coroutines": {
   "main": [{"op": "sleep", "delay": 1},
            {"op": "timeout", "delay": 10, "steps": [
              {"op": "acquire", "object": "l"}, {"op": "sleep", "delay": 1}, {"op": "release", "object": "l"}]}]},
 "main": "main",
 "expect": {"invariants": {"final_state": {"l": false}}}}
JSON
out=$("$BIN" fuzz-cancel "$T/tleak.json" --expire_timeouts); rc=$?
[ $rc -eq 1 ] || fail "fuzz-cancel --expire_timeouts of a leaking scenario exits $rc: $out"
echo "$out" | tail -1 | grep -q "^fuzz-cancel: 2 of 4 suspension points reached by an injection; 2 of 5 runs failed$" \
  || fail "fuzz-cancel --expire_timeouts' last line: $out"
echo "$out" | grep -q "^not applicable (no timeout): .*tleak.json:4: coroutines.main\[0\]$" \
  || fail "fuzz-cancel --expire_timeouts lists no inapplicable point: $out"
echo "$out" | grep -q "timeout expired at .*tleak.json:6: coroutines.main\[1\].steps\[1\]" \
  || fail "fuzz-cancel --expire_timeouts names no point: $out"
out=$("$BIN" run "$T/tleak.json" --cancel_at 3 --expire_timeouts); rc=$?
[ $rc -eq 1 ] || fail "rerunning a fuzz-cancel --expire_timeouts failure exits $rc: $out"
echo "$out" | grep -q "^outcome: raise TimeoutError$" || fail "an expired timeout block does not raise TimeoutError: $out"

out=$("$BIN" explore --help); rc=$?
[ $rc -eq 0 ] || fail "explore --help exits $rc"
echo "$out" | grep -q "seed-range" || fail "explore --help: $out"
echo PASS
