#!/usr/bin/env bash
# Smoke test for wingman-fake-llm-bench: a tiny load against a fresh
# wingman-fake-llm; checks zero errors and a positive rate. Never asserts
# speed.
#
#   smoke.sh <bin dir>    (holds wingman-fake-llm and wingman-fake-llm-bench)
set -u
bin=${1:?usage: smoke.sh <bin dir>}
out=$(mktemp)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -f "$out"
}
trap cleanup EXIT

"$bin/wingman-fake-llm" --port 0 >"$out" &
pid=$!
port=""
for _ in $(seq 1 100); do  # up to 10 s for the ready line
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "fake-llm did not start"; exit 1; }

for api in openai anthropic; do
  line=$("$bin/wingman-fake-llm-bench" --port "$port" --pid "$pid" --api "$api" \
           --connections 2 --requests 200 | tail -n1)
  echo "$line"
  echo "$line" | grep -q '"errors":0,' || { echo "errors in $api run"; exit 1; }
  echo "$line" | grep -q '"requests":200,' || { echo "short $api run"; exit 1; }
  echo "$line" | grep -Eq '"completions_per_s":[1-9]' || { echo "no rate ($api)"; exit 1; }
done
echo "fake-llm smoke ok"
