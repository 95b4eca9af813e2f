#!/usr/bin/env bash
# Installs the Debian 12 packages the build needs, if any is missing.
# Safe to run repeatedly: does nothing when everything is installed.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config ccache
          libcaf-dev libboost-dev rapidjson-dev liblmdb-dev libspdlog-dev
          doctest-dev libssl-dev libcli11-dev libpoppler-cpp-dev
          libhowardhinnant-date-dev tzdata)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
