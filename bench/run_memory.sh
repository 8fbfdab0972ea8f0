#!/usr/bin/env bash
# Resource benchmark, one command: peak memory (max RSS) and wall time of `doctown analyze`
# and `doctown build` (offline writer, all three outputs) on generated C++ projects of 500 and
# 5,000 translation units, to show that memory grows with the codebase's facts and not with
# anything quadratic. Prints a table and writes bench/results/memory.json. About 5 minutes on
# 2 cores.
# Usage: bench/run_memory.sh [SIZES (default "500 5000")] [JOBS (default 2)]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${DOCTOWN_BENCH_BUILD_DIR:-build-bench}"
sizes="${1:-500 5000}"
jobs="${2:-2}"
mkdir -p bench/results
if [ ! -x "$build_dir/apps/doctown-cli/doctown" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOCTOWN_BUILD_BENCH=ON \
    -DDOCTOWN_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target doctown-cli
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
python3 bench/measure_memory.py --cli "$build_dir/apps/doctown-cli/doctown" --jobs "$jobs" \
  --work "$build_dir/bench-memory" --json bench/results/memory.json $sizes
echo "JSON: bench/results/memory.json"
