#!/usr/bin/env bash
# Configures and builds everything into build/ (binaries in build/bin/).
# BUILD_TYPE=Debug|Release (default Release); WINGMAN_SANITIZERS=address,undefined.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
build_type="${BUILD_TYPE:-Release}"
jobs="${JOBS:-2}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
  -DWINGMAN_SANITIZERS="${WINGMAN_SANITIZERS:-}" \
  -DWINGMAN_WARNINGS_AS_ERRORS="${WINGMAN_WARNINGS_AS_ERRORS:-OFF}" >/dev/null
cmake --build build -j "$jobs"
