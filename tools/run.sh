#!/usr/bin/env bash
# Quick start, command 1: build, then run the gateway in the foreground on the
# embedded default (agent `main` on the built-in echo model, state in
# ~/.wingman, http://127.0.0.1:18789, ws://127.0.0.1:18789/ws).
# Extra arguments go to `wingman gateway run` (e.g. --port 0, --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
exec build/bin/wingman gateway run "$@"
