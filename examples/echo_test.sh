#!/bin/bash
# Runs //examples:echo_server on a free port for one client, runs
# //examples:echo_client against it, and checks both outputs.
set -euo pipefail
server="$1"
client="$2"
out="${TEST_TMPDIR:-/tmp}/echo_server.out"

"$server" --port 0 --clients 1 >"$out" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT

port=""
for _ in $(seq 100); do  # at most 10 s
  port=$(sed -n "s/^Serving on ('127.0.0.1', \([0-9]*\))$/\1/p" "$out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start"; cat "$out"; exit 1; }

client_out=$("$client" --port "$port" --message 'Hello World!')
expected_client="Send: 'Hello World!'
Received: 'Hello World!'
Close the connection"
[ "$client_out" == "$expected_client" ] || { echo "client printed:"; echo "$client_out"; exit 1; }

wait "$server_pid"  # the server stops after one client
trap - EXIT
grep -q "^Received 'Hello World!' from ('127.0.0.1', [0-9]*)$" "$out" || { cat "$out"; exit 1; }
tail -n 2 "$out" | diff - <(printf "Send: 'Hello World!'\nClose the connection\n") || { cat "$out"; exit 1; }
echo "PASS"
