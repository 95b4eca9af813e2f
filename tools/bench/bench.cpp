// wingman-bench: a WebSocket load generator that speaks the public wire
// protocol (docs: PROTOCOL.md §1–3) on raw Asio with its own minimal framing,
// so that it is never the bottleneck: request frames are masked and encoded
// before the run, writes are coalesced per connection (one write per
// event-loop turn), and inbound frames are classified by substring scans.
//
//   wingman-bench <turns|idle|fanout|churn|echo> --url ws://127.0.0.1:PORT/ws
//     [--token T] [--agent A] [--connections N] [--requests N] [--inflight N]
//     [--rate N] [--pid P] [--threads N] [--timeout S] [--connect-window N]
//     [--echo]
//
// Scenarios (each file's comment has the details):
//   turns   request/stream round trips per connection (scenario_turns.cpp);
//   echo    the same against wingman-echo-baseline;
//   idle    hold N authenticated connections: server RSS per connection;
//   fanout  N subscribers of one session, one driver sending turns;
//   churn   connect + authenticate + close loops.
// `--echo` runs idle/fanout/churn against wingman-echo-baseline instead of
// the gateway (same traffic shape, the baseline's wire format). --pid names
// the server process for CPU and memory figures. --connect-window bounds the
// handshakes in flight per thread (default 256).
//
// Output: a `key=value` summary line, then, last, one JSON object with the
// scenario, connections, requests, errors, elapsed_s and the figures
// (snake_case with units: turns_per_s, frames_per_s, ttfc_p50_us,
// ttfc_p99_us, complete_p99_us, rss_per_conn_bytes, deliveries_per_s,
// connects_per_s, ...). Exit status: 0 when everything completed without
// error before --timeout (default 60 s).
#include <cstdio>
#include <exception>

#include "tools/bench/bench_common.hpp"
#include "tools/bench/scenarios.hpp"

namespace {

const char* usage =
  "usage: wingman-bench <turns|idle|fanout|churn|echo> --url ws://127.0.0.1:PORT/ws\n"
  "  [--token T] [--agent A] [--connections N] [--requests N] [--inflight N]\n"
  "  [--rate N] [--pid P] [--threads N] [--timeout S] [--connect-window N] [--echo]\n";

int run(int argc, char** argv) {
  using namespace wingman::bench;
  options o;
  if (!parse_args(argc, argv, o)) {
    std::fputs(usage, stderr);
    return 2;
  }
  if (o.scenario == "idle")
    return run_idle(o);
  if (o.scenario == "fanout")
    return run_fanout(o);
  if (o.scenario == "churn")
    return run_churn(o);
  return run_turns(o);
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wingman-bench: %s\n", e.what());
    return 1;
  }
}
