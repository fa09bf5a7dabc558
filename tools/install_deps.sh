#!/usr/bin/env bash
# Installs what seedloop needs on Debian 12, only if something is missing.
# Idempotent; needs root or sudo only when it actually installs.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap    # Bazel 4.2.3 (/usr/bin/bazel), works offline
  g++                # gcc 12, the compiler Bazel uses (.bazelrc pins CC=gcc)
  libasan8           # gcc 12 sanitizer runtimes: --config=asan / ubsan / tsan
  liblsan0
  libubsan1
  libtsan2
  libabsl-dev        # Abseil 20220623
  libgtest-dev       # GoogleTest 1.12
  libgmock-dev       # GoogleMock 1.12
  librapidcheck-dev  # RapidCheck (static)
  nlohmann-json3-dev # nlohmann/json 3.11
  libbenchmark-dev   # Google Benchmark 1.7
  libssl-dev         # OpenSSL 3.0: TLS (loop/net/ssl_context.h, ssl_protocol.h)
  libboost-dev       # Boost.Asio (header-only): tools/bench peers asio_bench, echo/asio_echo
  libuv1-dev         # libuv: tools/bench peers libuv_bench, echo/libuv_echo
  python3-uvloop     # uvloop 0.17: tools/bench peers (asyncio_bench.py, echo/asyncio_echo.py --loop=uvloop)
  python3            # tools/count_results.py
  clang-14           # libFuzzer build of the parsers (tools/fuzz/run_fuzz.sh)
  libclang-rt-14-dev # libFuzzer and clang's sanitizer runtimes
)

# Packages whose status is not "install ok installed".
missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install_deps: installing ${missing[*]}" >&2
SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
# Try with the current package lists first; refresh them only on failure.
"${APT[@]}" install -y --no-install-recommends "${missing[@]}" || {
  "${APT[@]}" update
  "${APT[@]}" install -y --no-install-recommends "${missing[@]}"
}
