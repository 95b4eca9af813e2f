#!/usr/bin/env bash
# Quick start, command 2 (and CI): build everything, then run every test:
# unit, actor and integration tests (the real binary on loopback port 0).
set -euo pipefail
cd "$(dirname "$0")/.."
WINGMAN_WARNINGS_AS_ERRORS="${WINGMAN_WARNINGS_AS_ERRORS:-ON}" bash tools/build.sh
bash tools/check_includes.sh
cd build
ctest --output-on-failure -j 2 --timeout 300
