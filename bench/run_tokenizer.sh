#!/usr/bin/env bash
# Tokenizer and planner benchmark, side by side with js-tiktoken on the same input.
#  - builds bench_tokenizer (Release) unless bench/run.sh already did;
#  - installs js-tiktoken from npm into a scratch folder outside the repository;
#  - builds a ~4 MB mixed code + prose input from this repository's sources and Markdown;
#  - runs js-tiktoken and doctown's tokenizer on it (one thread, median of 3);
#  - analyses the sample project and lib/ with `doctown analyze --json` when the analyzer is
#    built, for packing efficiency next to a generated 100,000-symbol project.
# Output: a table on stdout and bench/results/tokenizer.json.
# Environment: DOCTOWN_BENCH_BUILD_DIR (default build-bench), DOCTOWN_BENCH_SCRATCH (default
# $TMPDIR/doctown-bench-tokenizer), DOCTOWN_BENCH_SYMBOLS (default 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${DOCTOWN_BENCH_BUILD_DIR:-build-bench}"
scratch="${DOCTOWN_BENCH_SCRATCH:-${TMPDIR:-/tmp}/doctown-bench-tokenizer}"
symbols="${DOCTOWN_BENCH_SYMBOLS:-100000}"
mkdir -p "$scratch/node" bench/results

if [ ! -x "$build_dir/bench/bench_tokenizer" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOCTOWN_BUILD_BENCH=ON \
    -DDOCTOWN_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j2 --target bench_tokenizer
  cmake --build "$build_dir" -j2 --target doctown-cli || true  # only for the analysed projects
fi

if [ ! -d "$scratch/node/node_modules/js-tiktoken" ]; then
  echo "installing js-tiktoken into $scratch/node" >&2
  npm install --prefix "$scratch/node" --no-audit --no-fund --silent js-tiktoken@1
fi
cp bench/js_tiktoken_bench.mjs "$scratch/node/"

input="$scratch/mixed.txt"
mapfile -t files < <(git ls-files 'lib/*.cpp' 'lib/*.hpp' 'include/*.hpp' 'apps/*.cpp' '*.md' | sort)
: > "$input"
while [ "$(stat -c %s "$input")" -lt 4000000 ]; do cat "${files[@]}" >> "$input"; done
truncate -s 4000000 "$input"
# A cut in the middle of a UTF-8 sequence would make node and doctown read different text.
iconv -c -f utf-8 -t utf-8 "$input" > "$input.tmp" && mv "$input.tmp" "$input"

echo "js-tiktoken $(node -p "require('$scratch/node/node_modules/js-tiktoken/package.json').version") on node $(node --version)" >&2
node "$scratch/node/js_tiktoken_bench.mjs" "$input" > "$scratch/js.json"

projects=()
cli="$build_dir/apps/doctown-cli/doctown"
analyse() {  # name, source dir
  if [ -x "$cli" ] && timeout 300 "$cli" analyze "$2" --json > "$scratch/$1.json" 2>/dev/null; then
    projects+=(--project "$1:$scratch/$1.json:$2")
  else
    echo "skipping $1: doctown analyze is not available in this build" >&2
  fi
}
analyse sample examples/sample-project
analyse doctown-lib lib

"$build_dir/bench/bench_tokenizer" --input "$input" --js "$scratch/js.json" --symbols "$symbols" \
  "${projects[@]}" --json bench/results/tokenizer.json
