#!/usr/bin/env bash
# One command for every benchmark: builds the bench targets (Release), runs each bench/run_*.sh
# (benchmarks that need extra set-up, e.g. js-tiktoken from npm) or bench_* executable, prints
# their tables and collects their JSON under bench/results/.
# Usage: bench/run.sh [NAME...]   (names like analyzer, knn, tokenizer, llm, memory; default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${DOCTOWN_BENCH_BUILD_DIR:-build-bench}"
mkdir -p bench/results
scripts/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOCTOWN_BUILD_BENCH=ON \
  -DDOCTOWN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
export DOCTOWN_BENCH_BUILD_DIR="$build_dir"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for exe in "$build_dir"/bench/bench_*; do [ -x "$exe" ] && names+=("$(basename "$exe" | sed 's/^bench_//')"); done
  names+=(memory)  # script-only: drives the CLI itself
fi
for name in "${names[@]}"; do
  echo "== $name"
  if [ -x "bench/run_$name.sh" ]; then
    "bench/run_$name.sh"
  elif [ -x "$build_dir/bench/bench_$name" ]; then
    "$build_dir/bench/bench_$name" --json "bench/results/$name.json"
  else
    echo "no benchmark named $name" >&2
    exit 2
  fi
done
