#!/bin/bash
# The seedloop command line's trace verbs: exit codes and messages.
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
echo PASS
