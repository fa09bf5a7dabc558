#!/usr/bin/env bash
# Installs missing Debian packages, then builds and runs the demos:
# //tools:demo (one program on the real backend and on virtual time) and
# //tools:sim_demo (a race CPython's order hides, found in chaos mode,
# shrunk and saved). Extra arguments are passed to //tools:demo.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh
bazel run //tools:demo -- "$@"
echo
exec bazel run //tools:sim_demo
