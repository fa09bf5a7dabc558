#!/usr/bin/env bash
# Installs missing Debian packages, then builds and runs the demo
# (//tools:demo). Extra arguments are passed to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh
exec bazel run //tools:demo -- "$@"
