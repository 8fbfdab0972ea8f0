#!/usr/bin/env bash
# Fuzz every parser for a while: configures build-fuzz with Clang (libFuzzer + ASan + UBSan),
# builds only the fuzz targets, and runs `ctest -L fuzz` (each target for SECONDS, default 20,
# one after the other). Crashes are saved under build-fuzz/tests/fuzz/work/artifacts/.
# Needs clang-14 and libclang-rt-14-dev (Debian 12); CXX=clang++-NN picks another Clang.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
build="${DOCTOWN_FUZZ_BUILD_DIR:-build-fuzz}"
cxx="${CXX:-clang++-14}"
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz.sh: $cxx not found; install clang-14 and libclang-rt-14-dev (or set CXX)" >&2
  exit 2
fi
gen=()
if [ ! -f "$build/CMakeCache.txt" ] && command -v ninja >/dev/null; then gen=(-G Ninja); fi
cmake -S . -B "$build" "${gen[@]}" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDOCTOWN_FUZZ=ON -DDOCTOWN_FUZZ_SECONDS="$seconds" -DDOCTOWN_WERROR=ON \
  -DDOCTOWN_BUILD_TESTS=OFF -DDOCTOWN_BUILD_EXAMPLES=OFF -DDOCTOWN_BUILD_BENCH=OFF \
  -DDOCTOWN_INSTALL=OFF >/dev/null
cmake --build "$build" -j"${DOCTOWN_JOBS:-$(nproc)}" --target doctown_fuzzers
status=0
ctest --test-dir "$build" -L fuzz --output-on-failure || status=$?
# libFuzzer's final stats, per target, from ctest's log.
awk '/^[0-9]+\/[0-9]+ Test: /{name=$3} /stat::number_of_executed_units/{print "  " name ": " $2 " executions"}' \
  "$build/Testing/Temporary/LastTest.log" 2>/dev/null || true
exit "$status"
