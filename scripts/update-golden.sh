#!/usr/bin/env bash
# Regenerates tests/golden/* from the current binary; review with git diff.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
cd "$build" && MH_UPDATE_GOLDEN=1 ctest -R '^cli/' --output-on-failure
