#!/usr/bin/env bash
# The issue 5 benchmark suite: builds the Release tools if needed, starts a
# gateway, wingman-echo-baseline and wingman-fake-llm (plus a second gateway
# whose agent uses the OpenAI-compatible provider path against the fake) on
# loopback ports below 32768, runs every wingman-bench scenario against the
# gateway and the baseline (interleaved, --runs times each), and prints one
# markdown table: medians, the gateway ÷ baseline ratio (median of the
# per-run ratios, each from a gateway run and the baseline run right after
# it), and the issue's target. Raw JSON reports stay in the output folder.
#
#   tools/bench/suite.sh [--runs N] [--out DIR] [--port-base P] [--big]
#
# --big adds `turns` at 10,000 connections (one run). Environment: BUILD_DIR
# (default build-bench), JOBS (default 2), WINGMAN_GATEWAY_BIN (a gateway
# binary to measure instead of the one built here, e.g. an older commit's;
# the startup row always uses the built one). Nothing here asserts speed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

runs=3
out=""
port_base=21400
big=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --port-base) port_base=$2; shift 2 ;;
    --big) big=1; shift ;;
    *) echo "usage: suite.sh [--runs N] [--out DIR] [--port-base P] [--big]" >&2; exit 2 ;;
  esac
done
[ "$port_base" -lt 32760 ] || { echo "--port-base must be below 32760" >&2; exit 2; }

# -- build ------------------------------------------------------------------
build=${BUILD_DIR:-build-bench}
bash tools/setup.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DWINGMAN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target wingman wingman-bench \
  wingman-echo-baseline wingman-fake-llm wingman-fake-llm-bench \
  wingman-startup-bench >/dev/null
bin="$root/$build/bin"
gateway_bin=${WINGMAN_GATEWAY_BIN:-$bin/wingman}

# 10,000 client plus 10,000 server sockets: raise the soft limit to the hard
# one (20,000 per process here); each process gets its own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

out=${out:-$(mktemp -d /tmp/wingman-suite.XXXXXX)}
mkdir -p "$out"
gw_pid=""
pgw_pid=""
ngw_pid=""
eb_pid=""
llm_pid=""
cleanup() {  # only the processes this script started and still runs
  for p in $gw_pid $pgw_pid $ngw_pid $eb_pid $llm_pid; do kill "$p" 2>/dev/null || true; done
  for p in $gw_pid $pgw_pid $ngw_pid $eb_pid $llm_pid; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

gw_port=$port_base
eb_port=$((port_base + 1))
llm_port=$((port_base + 2))
pgw_port=$((port_base + 3))
ngw_port=$((port_base + 4))

# Waits up to 10 s for $2 (a regex) in file $1.
wait_for() {
  for _ in $(seq 1 100); do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "suite: no '$2' in $1" >&2
  cat "$1" >&2
  return 1
}

write_config() {  # write_config <file> <port> [model] [sync]
  local model=${3:-echo} sync=${4:-true}
  cat >"$1" <<EOF
{"gateway":{"host":"127.0.0.1","port":$2,"auth":{"mode":"none"},
  "controlUi":{"enabled":false},"storage":{"sync":$sync}},
 "providers":{"fake":{"type":"openai","baseUrl":"http://127.0.0.1:$llm_port/v1"}},
 "agents":{"list":[{"id":"main","model":"$model"}]}}
EOF
}

# start_gateway <name> <port> [model] [sync]: (re)starts it on a fresh state
# folder; sets ${name}_pid.
start_gateway() {
  local name=$1 port=$2 model=${3:-echo} sync=${4:-true}
  local old_var="${name}_pid"
  if [ -n "${!old_var:-}" ]; then
    kill "${!old_var}" 2>/dev/null || true
    wait "${!old_var}" 2>/dev/null || true
  fi
  rm -rf "$out/$name.state" "$out/$name.log"  # no stale ready line
  mkdir -p "$out/$name.state"
  write_config "$out/$name.json" "$port" "$model" "$sync"
  "$gateway_bin" gateway run --config "$out/$name.json" \
    --state-dir "$out/$name.state" >"$out/$name.log" 2>&1 &
  printf -v "${name}_pid" '%s' "$!"
  wait_for "$out/$name.log" "listening on http://127.0.0.1:$port"
}

start_baseline() {
  if [ -n "${eb_pid:-}" ]; then
    kill "$eb_pid" 2>/dev/null || true
    wait "$eb_pid" 2>/dev/null || true
  fi
  rm -f "$out/eb.log"  # no stale ready line
  "$bin/wingman-echo-baseline" --port "$eb_port" >"$out/eb.log" 2>&1 &
  eb_pid=$!
  wait_for "$out/eb.log" "^listening $eb_port"
}

"$bin/wingman-fake-llm" --port "$llm_port" >"$out/llm.log" 2>&1 &
llm_pid=$!
wait_for "$out/llm.log" "^listening on"
start_gateway gw "$gw_port"
start_gateway pgw "$pgw_port" "fake:fake-model"
start_gateway ngw "$ngw_port" echo false  # storage.sync=false: no fsync
start_baseline

gw_url="ws://127.0.0.1:$gw_port/ws"
eb_url="ws://127.0.0.1:$eb_port/ws"

# fig <file> <key>: the number for <key> in the report (last line of file).
fig() {
  tail -n1 "$1" | grep -Eo "\"$2\":-?[0-9.e+]+" | head -n1 | cut -d: -f2
}

# bench <file> <args...>: runs wingman-bench; a failed run keeps its report.
bench() {
  local file=$1; shift
  "$bin/wingman-bench" "$@" >"$file" 2>&1 || echo "suite: failed run $file" >&2
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)

# -- scenarios ----------------------------------------------------------------
# Each pair: gateway run, then the baseline run of the same shape.
for r in $(seq 1 "$runs"); do
  bench "$out/turns.$r.gw" turns --url "$gw_url" --pid "$gw_pid" \
    --connections 100 --requests 300 --inflight 4
  bench "$out/turns.$r.eb" echo --url "$eb_url" --pid "$eb_pid" \
    --connections 100 --requests 3000 --inflight 4
  bench "$out/rate.$r.gw" turns --url "$gw_url" --pid "$gw_pid" \
    --connections 100 --requests 60 --rate 2000
  bench "$out/rate.$r.eb" echo --url "$eb_url" --pid "$eb_pid" \
    --connections 100 --requests 60 --rate 2000
  bench "$out/nosync.$r.gw" turns --url "ws://127.0.0.1:$ngw_port/ws" \
    --pid "$ngw_pid" --connections 100 --requests 60 --rate 2000
  cp "$out/rate.$r.eb" "$out/nosync.$r.eb"
  bench "$out/fanout.$r.gw" fanout --url "$gw_url" --pid "$gw_pid" \
    --connections 1000 --requests 100
  bench "$out/fanout.$r.eb" fanout --echo --url "$eb_url" --pid "$eb_pid" \
    --connections 1000 --requests 100
  bench "$out/churn.$r.gw" churn --url "$gw_url" --pid "$gw_pid" \
    --connections 8 --requests 250
  bench "$out/churn.$r.eb" churn --echo --url "$eb_url" --pid "$eb_pid" \
    --connections 8 --requests 250
  bench "$out/provider.$r.gw" turns --url "ws://127.0.0.1:$pgw_port/ws" \
    --pid "$pgw_pid" --connections 100 --requests 100 --inflight 2
  "$bin/wingman-fake-llm-bench" --port "$llm_port" --pid "$llm_pid" \
    --connections 8 --requests 20000 >"$out/provider.$r.eb" 2>&1 || true
done

# Memory: fresh processes, since the heap keeps its peak (a reused process
# would show the earlier scenarios' peak, or almost no growth).
for r in $(seq 1 "$runs"); do
  start_gateway gw "$gw_port"
  bench "$out/active.$r.gw" turns --url "$gw_url" --pid "$gw_pid" \
    --connections 1000 --requests 5 --rate 1000
  start_baseline
  bench "$out/active.$r.eb" echo --url "$eb_url" --pid "$eb_pid" \
    --connections 1000 --requests 5 --rate 1000
  start_gateway gw "$gw_port"
  bench "$out/idle.$r.gw" idle --url "$gw_url" --pid "$gw_pid" \
    --connections 10000 --threads 2 --timeout 120
  start_baseline
  bench "$out/idle.$r.eb" idle --echo --url "$eb_url" --pid "$eb_pid" \
    --connections 10000 --threads 2 --timeout 120
done

"$bin/wingman-startup-bench" --runs 20 >"$out/startup" 2>&1 || true

if [ "$big" = 1 ]; then
  start_gateway gw "$gw_port"
  bench "$out/big.1.gw" turns --url "$gw_url" --pid "$gw_pid" \
    --connections 10000 --requests 10 --inflight 1 --threads 2 --timeout 300
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# -- table --------------------------------------------------------------------
median() {  # median of the numeric arguments ("n/a" when none)
  printf '%s\n' "$@" | grep -E '^-?[0-9.e+]+$' | sort -g \
    | awk '{v[NR]=$1} END {if (NR == 0) print "n/a"; else print v[int((NR+1)/2)]}'
}

# values <scenario> <side> <key> [scale]: one value per run.
values() {
  local s=$1 side=$2 key=$3 scale=${4:-1} r v
  for r in $(seq 1 "$runs"); do
    v=$(fig "$out/$s.$r.$side" "$key" || true)
    [ -n "$v" ] && awk -v v="$v" -v k="$scale" 'BEGIN {printf "%.6g\n", v * k}'
  done
}

# ratios <scenario> <key> [baseline key]: gateway ÷ baseline per run.
ratios() {
  local s=$1 key=$2 bkey=${3:-$2} r g b
  for r in $(seq 1 "$runs"); do
    g=$(fig "$out/$s.$r.gw" "$key" || true)
    b=$(fig "$out/$s.$r.eb" "$bkey" || true)
    [ -n "$g" ] && [ -n "$b" ] && awk -v g="$g" -v b="$b" \
      'BEGIN {if (b != 0) printf "%.4g\n", g / b}'
  done
}

fmt() {  # thousands separators for integers, 3 significant digits otherwise
  awk -v v="$1" 'BEGIN {
    if (v == "n/a" || v == "") { print "n/a"; exit }
    if (v >= 100 || v <= -100) { s = sprintf("%.0f", v); n = "";
      while (length(s) > 3) { n = "," substr(s, length(s) - 2) n; s = substr(s, 1, length(s) - 3) }
      print s n } else printf "%.3g\n", v }'
}

row() {  # row <figure> <target> <scenario> <key> [baseline key] [scale]
  local label=$1 target=$2 s=$3 key=$4 bkey=${5:-$4} scale=${6:-1}
  local g b ratio
  # shellcheck disable=SC2046
  g=$(median $(values "$s" gw "$key" "$scale"))
  # shellcheck disable=SC2046
  b=$(median $(values "$s" eb "$bkey" "$scale"))
  # shellcheck disable=SC2046
  ratio=$(median $(ratios "$s" "$key" "$bkey"))
  echo "| $label | $(fmt "$g") | $(fmt "$b") | $ratio | $target |"
}

errors_total() {
  local e=0 f v
  for f in "$out"/*.gw "$out"/*.eb; do
    v=$(fig "$f" errors || true)
    [ -n "$v" ] && e=$(awk -v a="$e" -v b="$v" 'BEGIN {print a + b}')
  done
  echo "$e"
}

echo
echo "Wingman benchmark suite: $runs run(s) each, medians; $(nproc) CPUs;"
echo "load average before $load_before, after $load_after;" \
  "$(( $(date +%s) - started )) s; commit $(git rev-parse --short HEAD); raw: $out"
echo
echo "| figure | gateway | baseline | gateway ÷ baseline | target |"
echo "|---|---|---|---|---|"
row "routed turns/s, 100 conns × 4 in flight" "≥ 30,000" turns turns_per_s
row "server CPU per turn (µs)" "≤ 30" turns server_cpu_us_per_turn
row "streamed frames/s, 100 conns" "≥ 40 % of baseline" turns frames_per_s
row "ttfc p50 at 2,000 turns/s (µs)" "" rate ttfc_p50_us
row "ttfc p99 at 2,000 turns/s (µs)" "< 1,000" rate ttfc_p99_us
row "ttfc p50 at 2,000 turns/s, storage.sync=false (µs)" "" nosync ttfc_p50_us
row "ttfc p99 at 2,000 turns/s, storage.sync=false (µs)" "" nosync ttfc_p99_us
row "server CPU per turn at 2,000 turns/s (µs)" "" rate server_cpu_us_per_turn
row "server RSS, 1,000 clients at 1,000 turns/s (MB)" "< 60" active server_rss_bytes server_rss_bytes 0.000001
row "idle RSS per authenticated connection, 10k (bytes)" "≤ 10,240" idle rss_per_conn_bytes
row "fan-out deliveries/s, 1 session × 1,000 subscribers" "≥ 500,000" fanout deliveries_per_s
row "fan-out delivery p99 (µs)" "" fanout delivery_p99_us
row "connect + auth + close cycles/s (8 loops)" "" churn connects_per_s
row "provider-path turns/s (baseline: fake-llm alone, completions/s)" "≥ 5,000" provider turns_per_s completions_per_s
s=$(tail -n1 "$out/startup")
startup_gw=$(echo "$s" | grep -Eo '"fresh_p50_us":[0-9.]+' | cut -d: -f2)
startup_eb=$(echo "$s" | grep -Eo '"baseline_p50_us":[0-9.]+' | cut -d: -f2)
startup_ratio=$(echo "$s" | grep -Eo '"fresh_ratio":[0-9.]+' | cut -d: -f2)
echo "| startup to healthy, fresh state, p50 of 20 (ms) (baseline: exec --version) |" \
  "$(fmt "$(awk -v v="${startup_gw:-0}" 'BEGIN {print v / 1000}')") |" \
  "$(fmt "$(awk -v v="${startup_eb:-0}" 'BEGIN {print v / 1000}')") | ${startup_ratio:-n/a} | < 50 |"
if [ "$big" = 1 ]; then
  echo "| turns at 10,000 connections: turns/s (errors $(fig "$out/big.1.gw" errors)) |" \
    "$(fmt "$(fig "$out/big.1.gw" turns_per_s)") | | | 0 errors |"
fi
echo
echo "errors over all runs: $(errors_total)"
