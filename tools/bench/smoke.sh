#!/usr/bin/env bash
# Smoke test for wingman-bench and wingman-echo-baseline: every scenario on a
# tiny load, against a fresh gateway and against the baseline; checks that
# each reports zero errors and a sane figure. Never asserts speed.
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

# check <name> <figure> <min>: the last line of $tmp/<name>.out is a JSON
# report with errors 0 and <figure> > <min>.
check() {
  local line value
  line=$(tail -n1 "$tmp/$1.out")
  echo "$1: $line"
  case "$line" in *'"errors":0,'*) ;; *) echo "FAIL: errors in $1"; return 1 ;; esac
  value=$(echo "$line" | grep -Eo "\"$2\":-?[0-9.e+]+" | cut -d: -f2)
  awk -v v="${value:-x}" -v m="$3" 'BEGIN { exit !(v != "x" && v + 0 > m) }' \
    || { echo "FAIL: $2 in $1 ($value)"; return 1; }
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
gw="--url ws://127.0.0.1:$gw_port/ws --pid $gw_pid --timeout 30"
eb="--url ws://127.0.0.1:$eb_port/ws --pid $eb_pid --timeout 30"

rc=0
run() {  # run <name> <args...>
  local name=$1; shift
  "$bin/wingman-bench" "$@" >"$tmp/$name.out" 2>&1
  echo "$name exit $?"
}
# shellcheck disable=SC2086
{
  run turns turns $gw --connections 4 --requests 50 --inflight 2
  check turns turns_per_s 0 || rc=1
  run echo echo $eb --connections 4 --requests 50 --inflight 2
  check echo turns_per_s 0 || rc=1
  run idle idle $gw --connections 20
  check idle held_connections 19 || rc=1
  run idle_stats idle --url "ws://127.0.0.1:$gw_port/ws" --connections 5 --timeout 30
  check idle_stats server_rss_after_bytes 0 || rc=1
  run idle_echo idle $eb --echo --connections 20
  check idle_echo held_connections 19 || rc=1
  run fanout fanout $gw --connections 5 --requests 10
  check fanout deliveries_per_s 0 || rc=1
  run fanout_echo fanout $eb --echo --connections 5 --requests 10
  check fanout_echo deliveries_per_s 0 || rc=1
  run churn churn $gw --connections 2 --requests 10
  check churn connects_per_s 0 || rc=1
  run churn_echo churn $eb --echo --connections 2 --requests 10
  check churn_echo connects_per_s 0 || rc=1
}
[ "$rc" = 0 ] && echo "bench smoke ok"
exit "$rc"
