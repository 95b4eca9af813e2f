#!/usr/bin/env bash
# Smoke test for wingman-bench and wingman-echo-baseline: a tiny load against
# a fresh gateway and against the baseline; checks that both report zero
# errors and a positive rate. Never asserts speed.
#
#   smoke.sh <bin dir>    (holds wingman, wingman-bench, wingman-echo-baseline)
set -u
bin=${1:?usage: smoke.sh <bin dir>}
tmp=$(mktemp -d)
gw_pid=""
eb_pid=""
cleanup() {
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  [ -n "$eb_pid" ] && kill "$eb_pid" 2>/dev/null && wait "$eb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Waits up to 10 s for a line matching $2 in file $1; prints the match.
wait_line() {
  for _ in $(seq 1 100); do
    if grep -Eo "$2" "$1" 2>/dev/null | head -n1 | grep .; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Checks that the last line of $1 is a JSON report with errors 0 and a rate.
check() {
  local line
  line=$(tail -n1 "$1")
  echo "$line"
  case "$line" in *'"errors":0,'*) ;; *) echo "FAIL: errors in $1"; return 1 ;; esac
  local rate
  rate=$(echo "$line" | grep -Eo '"turns_per_s":[0-9.e+]+' | cut -d: -f2)
  awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }' || { echo "FAIL: turns_per_s in $1"; return 1; }
}

mkdir -p "$tmp/state"
"$bin/wingman" gateway run --port 0 --state-dir "$tmp/state" >"$tmp/gw.out" 2>&1 &
gw_pid=$!
"$bin/wingman-echo-baseline" --port 0 >"$tmp/eb.out" 2>&1 &
eb_pid=$!

gw_port=$(wait_line "$tmp/gw.out" 'listening on http://127\.0\.0\.1:[0-9]+' | sed 's/.*://') \
  || { echo "FAIL: gateway did not start"; cat "$tmp/gw.out"; exit 1; }
eb_port=$(wait_line "$tmp/eb.out" '^listening [0-9]+' | cut -d' ' -f2) \
  || { echo "FAIL: baseline did not start"; cat "$tmp/eb.out"; exit 1; }

rc=0
"$bin/wingman-bench" turns --url "ws://127.0.0.1:$gw_port/ws" --connections 4 --requests 50 \
  --inflight 2 --pid "$gw_pid" --timeout 30 >"$tmp/turns.out" 2>&1
echo "turns exit $?"
check "$tmp/turns.out" || rc=1
"$bin/wingman-bench" echo --url "ws://127.0.0.1:$eb_port/ws" --connections 4 --requests 50 \
  --inflight 2 --pid "$eb_pid" --timeout 30 >"$tmp/echo.out" 2>&1
echo "echo exit $?"
check "$tmp/echo.out" || rc=1
[ "$rc" = 0 ] && echo "bench smoke ok"
exit "$rc"
