#!/usr/bin/env bash
# Browser tests of the Control UI against the real gateway binary.
#
#   tests/browser/run.sh [path/to/wingman]      (default: $WINGMAN_BINARY, else build/bin/wingman)
#
# On a fresh Debian 12 (as root) it installs what it needs: chromium from
# Debian, nodejs + npm when `node` is missing, and playwright-core from the
# lock file (`npm ci`). WINGMAN_SCREENSHOTS=1 also writes docs/screenshots/*.png.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
binary="${1:-${WINGMAN_BINARY:-$repo/build/bin/wingman}}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "run.sh: need root to install $*" >&2; exit 1; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  apt_install chromium
fi
if ! command -v node >/dev/null; then
  apt_install nodejs npm
fi
if ! command -v npm >/dev/null && [ ! -d "$here/node_modules" ]; then
  apt_install npm
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

if [ ! -x "$binary" ]; then
  echo "run.sh: gateway binary not found: $binary (build it first)" >&2
  exit 1
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

cd "$repo"
exec node "$here/ui.test.mjs" "$binary"
