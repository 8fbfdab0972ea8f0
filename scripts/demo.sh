#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and document the bundled sample project
# offline (no API key needed; set OPENAI_API_KEY or --base-url to use an LLM).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/apps/doctown-cli/doctown build examples/sample-project -o output "$@"
echo
echo "Open output/sample-project/html/index.html in a browser, or read output/sample-project/markdown/index.md."
