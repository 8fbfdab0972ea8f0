#!/usr/bin/env bash
# Configure and build libdoctown into build/ (Release with debug info, warnings as errors).
# Extra arguments go to the configure step, e.g. -DDOCTOWN_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${DOCTOWN_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCTOWN_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
