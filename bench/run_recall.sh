#!/usr/bin/env bash
# Recall of Doxygen's classes, functions, enums, typedefs and macros by doctown's analyzer on
# the C/C++ realcode projects (zlib, tinyxml2, spdlog), one command: prints a table and writes
# bench/results/recall.json (with the names missed). Needs doxygen (scripts/install-deps.sh)
# and a built CLI. Takes about a minute on 2 cores.
# Usage: bench/run_recall.sh [BUILD_DIR (default build)] [REALCODE_DIR (default ../shared/realcode)]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
realcode="${2:-../shared/realcode}"
command -v doxygen >/dev/null || { echo "doxygen is not installed (scripts/install-deps.sh)" >&2; exit 2; }
if [ ! -x "$build_dir/apps/doctown-cli/doctown" ]; then
  cmake --build "$build_dir" --target doctown-cli
fi
echo "machine: $(nproc) cores, doxygen $(doxygen --version), $(date -u +%Y-%m-%dT%H:%MZ)"
python3 bench/recall_doxygen.py --cli "$build_dir/apps/doctown-cli/doctown" \
  --realcode "$realcode" --json bench/results/recall.json
