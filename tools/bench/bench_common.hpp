// Shared pieces of wingman-bench: the command line, clocks, string helpers
// for the few wire fields the scenarios read, per-thread workers with a
// paced connect gate, and the report (a table row plus one JSON line).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wingman::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using clock_type = std::chrono::steady_clock;

/// Command line (see bench.cpp for the meaning of each flag).
struct options {
  std::string scenario;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string path = "/ws";
  std::string url;
  std::string token;
  std::string agent;
  size_t connections = 1;
  size_t requests = 100;
  size_t inflight = 1;
  double rate = 0;
  long pid = 0;
  size_t threads = 1;
  double timeout_s = 60;
  size_t connect_window = 256;  ///< Handshakes in progress at once.
  bool echo = false;            ///< Target is wingman-echo-baseline.

  tcp::endpoint endpoint() const {
    return {asio::ip::make_address(host), port};
  }
};

/// Parses argv; false (usage) on a bad flag or URL.
bool parse_args(int argc, char** argv, options& o);

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Microseconds since `t` (ns), clamped to uint32.
uint32_t us_since(int64_t t);

/// JSON string body escaping for the few values we embed.
std::string json_escape(const std::string& s);

inline bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

/// The id string starting at `id_at` (just after `"id":"`) up to its quote.
std::string_view frame_id(std::string_view body, size_t id_at);

/// The request index in an id `<conn>.<idx>`; SIZE_MAX when not ours.
size_t request_index(std::string_view id);

/// The gateway's `connect` frame for connection `index` (auth when a token
/// is given).
std::string connect_text(const options& o, size_t index);

/// True when `body` is the answer to `connect_text` (`ok` in `*ok`).
bool is_connect_result(std::string_view body, bool* ok);

/// One thread's io_context, its connections' deadline, and a gate that
/// keeps at most `window` handshakes in flight (a burst of 10k SYNs would
/// overflow the listen backlog and stall on SYN retransmits).
struct worker {
  explicit worker(size_t window) : window(window) {
  }

  asio::io_context ioc{1};
  asio::steady_timer deadline{ioc};
  size_t live = 0;
  bool timed_out = false;

  /// Runs `start` now or once an earlier handshake has finished.
  void paced(std::function<void()> start) {
    if (in_progress < window) {
      ++in_progress;
      start();
    } else {
      waiting.push_back(std::move(start));
    }
  }

  /// A paced handshake finished (either way): lets the next one start.
  void handshake_done() {
    if (!waiting.empty()) {
      auto next = std::move(waiting.front());
      waiting.pop_front();
      next();
    } else if (in_progress > 0) {
      --in_progress;
    }
  }

  /// One connection is finished; the last one cancels the deadline.
  void retire() {
    if (live > 0 && --live == 0)
      deadline.cancel();
  }

 private:
  size_t window;
  size_t in_progress = 0;
  std::deque<std::function<void()>> waiting;
};

/// A set of workers, one thread each, with a deadline.
class worker_pool {
 public:
  explicit worker_pool(const options& o);

  worker& at(size_t i) {
    return *workers_[i % workers_.size()];
  }

  /// Runs every io_context until its connections retire or the deadline;
  /// returns false on timeout.
  bool run(double timeout_s);

 private:
  std::vector<std::unique_ptr<worker>> workers_;
};

/// Creates `n` clients, one per connection, spread over the pool's workers
/// (each counted live on its worker): `Client(worker&, const options&,
/// State&, size_t index)`.
template <class Client, class State>
std::vector<std::shared_ptr<Client>> make_clients(worker_pool& pool, const options& o,
                                                  State& st, size_t n) {
  std::vector<std::shared_ptr<Client>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto& w = pool.at(i);
    out.push_back(std::make_shared<Client>(w, o, st, i));
    ++w.live;
  }
  return out;
}

/// CPU and wall snapshot for a measurement window.
struct window_probe {
  int64_t t_ns = 0;
  int64_t server_ticks = -1;
  int64_t self_ticks = -1;
  int64_t machine_ticks = -1;

  static window_probe take(long server_pid);
};

/// The last output lines: a table row and one JSON object.
class report {
 public:
  explicit report(const options& o);

  /// Adds a number (`%.6g`).
  void num(const std::string& key, double v);

  /// Adds a string.
  void str(const std::string& key, const std::string& v);

  /// Adds a boolean.
  void flag(const std::string& key, bool v);

  /// Adds p50/p90/p99/p999/max of `samples` (µs) as `<prefix>_p50_us`...
  void quantiles(const std::string& prefix, std::vector<uint32_t> samples);

  /// Adds window_s, server/bench CPU per `unit` and other_cpu_pct.
  void window(const window_probe& a, const window_probe& b, double units,
              const std::string& unit);

  /// Prints `key=value` pairs for the chosen `columns`, then the JSON.
  void print(const std::vector<std::string>& columns) const;

 private:
  const options& opt_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// Resident set size of `pid` from /proc/<pid>/status (VmRSS), bytes; -1.
long rss_bytes(long pid);

/// The server's RSS: /proc when `o.pid` is set, else `rssBytes` from the
/// gateway's `GET /stats` (with the token); -1 when unknown.
long server_rss_bytes(const options& o);

} // namespace wingman::bench
