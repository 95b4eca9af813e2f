#!/usr/bin/env bash
# Profiles the gateway's user-space instructions per turn with callgrind
# (perf is not available on the project machines): starts the Release
# gateway under valgrind on a fresh state folder, runs a small `turns` load,
# stops the gateway, and prints the top self and inclusive costs.
#
#   tools/bench/profile.sh [--port P] [--connections N] [--requests N] [--out DIR]
#
# Needs valgrind and a Release build in $BUILD_DIR (default build-bench; run
# tools/bench/suite.sh once, or build the targets wingman and wingman-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
port=21490
conns=20
requests=100
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: profile.sh [--port P] [--connections N] [--requests N] [--out DIR]" >&2; exit 2 ;;
  esac
done
bin=${BUILD_DIR:-build-bench}/bin
out=${out:-$(mktemp -d /tmp/wingman-profile.XXXXXX)}
mkdir -p "$out/state"

valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  "$bin/wingman" gateway run --port "$port" --state-dir "$out/state" \
  >"$out/gateway.log" 2>&1 &
gw=$!
trap 'kill "$gw" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do  # valgrind starts slowly: up to 30 s
  grep -q "listening on" "$out/gateway.log" 2>/dev/null && break
  sleep 0.1
done
"$bin/wingman-bench" turns --url "ws://127.0.0.1:$port/ws" --connections "$conns" \
  --requests "$requests" --inflight 2 --timeout 300 | head -n1
kill -TERM "$gw"
wait "$gw" 2>/dev/null || true
trap - EXIT

turns=$((conns * requests))
total=$(callgrind_annotate "$out/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "total instructions (start-up included): $total for $turns turns"
echo "-- self --"
callgrind_annotate "$out/callgrind.out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | sed -n 2,31p | cut -c1-160
echo "-- inclusive, gateway code --"
callgrind_annotate --inclusive=yes "$out/callgrind.out" 2>/dev/null \
  | grep -E 'wingman::(actors|protocol|storage|transport)' | head -40 | cut -c1-160
echo "raw: $out/callgrind.out"
