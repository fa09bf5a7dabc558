#!/bin/bash
# Runs //examples:subprocess_pipeline with its default pipeline
# (printf 'b\na\nc\nb\n' | sort | uniq -c) and with one given on the command
# line, and checks what each printed, the stage report and the exit status.
set -euo pipefail
pipeline="$1"
err="${TEST_TMPDIR:-/tmp}/subprocess_pipeline.err"

out=$("$pipeline" 2>"$err")
expected=$(printf 'b\na\nc\nb\n' | sort | uniq -c)
[ "$out" == "$expected" ] || { echo "printed:"; echo "$out"; echo "expected:"; echo "$expected"; exit 1; }
diff "$err" <(printf 'printf exited with 0\nsort exited with 0\nuniq exited with 0\n') || exit 1

out=$("$pipeline" /bin/echo hello '|' /bin/cat '|' /bin/sh -c 'cat; exit 3' 2>"$err") && status=0 || status=$?
[ "$out" == "hello" ] || { echo "printed: $out"; exit 1; }
[ "$status" == 3 ] || { echo "exit status $status, expected 3"; exit 1; }

if "$pipeline" /bin/echo x '|' seedloop-no-such-program 2>"$err"; then
  echo "a missing program did not fail"; exit 1
fi
grep -q "^FileNotFoundError: \[Errno 2\] No such file or directory: 'seedloop-no-such-program'$" "$err" || { cat "$err"; exit 1; }
echo "PASS"
