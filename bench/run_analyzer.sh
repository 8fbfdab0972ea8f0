#!/usr/bin/env bash
# Analyzer benchmark, one command: generates a 300-translation-unit C++ project, exports this
# repository's compile database, and compares doctown's analyzer (1 and 2 jobs) with
# `clang++ -fsyntax-only` (one process per TU, one job) and clang-doc-14 (one job) on both.
# Prints a table and writes bench/results/analyzer.json. Takes about 4-5 minutes on 2 cores.
# Usage: bench/run_analyzer.sh [RUNS_GENERATED (default 3)] [RUNS_REPO (default 1)]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${DOCTOWN_BENCH_BUILD_DIR:-build-bench}"
runs_gen="${1:-3}"
runs_repo="${2:-1}"
mkdir -p bench/results
if [ ! -x "$build_dir/bench/bench_analyzer" ] || [ ! -f "$build_dir/compile_commands.json" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOCTOWN_BUILD_BENCH=ON \
    -DDOCTOWN_BUILD_TESTS=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target bench_analyzer
fi
# The database must exist even when the bench dir was configured without the export flag.
if [ ! -f "$build_dir/compile_commands.json" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi
gen_dir="$build_dir/bench-gen-project"
rm -rf "$gen_dir"
python3 bench/gen_cpp_project.py "$gen_dir" --tus 300 --headers 30 >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
"$build_dir/bench/bench_analyzer" \
  --runs "$runs_gen" --project "generated=$(cd "$gen_dir" && pwd)" \
  --runs "$runs_repo" --cdb "$build_dir/compile_commands.json" --project "doctown=$(pwd):lib/**,include/**" \
  --json bench/results/analyzer.json
echo "JSON: bench/results/analyzer.json"
