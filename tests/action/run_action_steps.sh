#!/bin/sh
# Runs action.yml's steps in order on this machine against examples/sample-project, offline
# (see run_action_steps.py). Exit 77 (a ctest skip) when python3 is missing.
# Usage: run_action_steps.sh REPO BUILD_DIR SCRATCH
set -eu
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is not installed"
  exit 77
fi
exec python3 "$(dirname "$0")/run_action_steps.py" "$@"
