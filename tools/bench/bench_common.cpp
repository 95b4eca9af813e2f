#include "tools/bench/bench_common.hpp"

#include <boost/asio/write.hpp>

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "tools/bench/bench_stats.hpp"

namespace wingman::bench {

namespace {

bool parse_url(options& o) {
  std::string_view u = o.url;
  if (!starts_with(u, "ws://"))
    return false;
  u.remove_prefix(5);
  auto slash = u.find('/');
  std::string_view hostport = u.substr(0, slash);
  o.path = slash == std::string_view::npos ? "/" : std::string{u.substr(slash)};
  auto colon = hostport.rfind(':');
  if (colon == std::string_view::npos)
    return false;
  o.host = std::string{hostport.substr(0, colon)};
  if (o.host == "localhost")
    o.host = "127.0.0.1";
  long port = std::strtol(std::string{hostport.substr(colon + 1)}.c_str(),
                          nullptr, 10);
  if (port <= 0 || port > 65535)
    return false;
  o.port = static_cast<uint16_t>(port);
  return true;
}

std::string machine() {
  utsname u{};
  ::uname(&u);
  return std::string{u.nodename} + " "
         + std::to_string(std::thread::hardware_concurrency()) + "cpu";
}

std::string commit() {
#ifdef WINGMAN_SOURCE_DIR
  std::string cmd = std::string{"git -C '"} + WINGMAN_SOURCE_DIR
                    + "' rev-parse --short HEAD 2>/dev/null";
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[64] = {};
    std::string out = std::fgets(buf, sizeof buf, p) ? buf : "";
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
      out.pop_back();
    return out;
  }
#endif
  return "";
}

} // namespace

bool parse_args(int argc, char** argv, options& o) {
  if (argc < 2)
    return false;
  o.scenario = argv[1];
  static const char* scenarios[] = {"turns", "echo", "idle", "fanout", "churn"};
  if (std::none_of(std::begin(scenarios), std::end(scenarios),
                   [&](const char* s) { return o.scenario == s; }))
    return false;
  o.echo = o.scenario == "echo";
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--echo") {  // idle/fanout/churn against the echo baseline
      o.echo = true;
      continue;
    }
    if (i + 1 >= argc)
      return false;
    const char* v = argv[++i];
    auto num = [&] { return std::strtod(v, nullptr); };
    if (k == "--url")
      o.url = v;
    else if (k == "--token")
      o.token = v;
    else if (k == "--agent")
      o.agent = v;
    else if (k == "--connections")
      o.connections = static_cast<size_t>(num());
    else if (k == "--requests")
      o.requests = static_cast<size_t>(num());
    else if (k == "--inflight")
      o.inflight = static_cast<size_t>(num());
    else if (k == "--rate")
      o.rate = num();
    else if (k == "--pid")
      o.pid = static_cast<long>(num());
    else if (k == "--threads")
      o.threads = static_cast<size_t>(num());
    else if (k == "--timeout")
      o.timeout_s = num();
    else if (k == "--connect-window")
      o.connect_window = static_cast<size_t>(num());
    else
      return false;
  }
  if (o.connections == 0 || o.inflight == 0 || o.threads == 0
      || o.connect_window == 0)
    return false;
  return parse_url(o);
}

uint32_t us_since(int64_t t) {
  int64_t d = (now_ns() - t) / 1000;
  return static_cast<uint32_t>(std::clamp<int64_t>(d, 0, UINT32_MAX));
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string_view frame_id(std::string_view body, size_t id_at) {
  auto end = body.find('"', id_at);
  if (end == std::string_view::npos)
    return {};
  return body.substr(id_at, end - id_at);
}

size_t request_index(std::string_view id) {
  auto dot = id.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= id.size())
    return SIZE_MAX;
  size_t v = 0;
  for (size_t i = dot + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9')
      return SIZE_MAX;
    v = v * 10 + static_cast<size_t>(id[i] - '0');
  }
  return v;
}

std::string connect_text(const options& o, size_t index) {
  std::string text =
    R"({"type":"connect","id":"c","client":{"instanceId":"bench-)"
    + std::to_string(index) + "-" + std::to_string(::getpid())
    + R"(","clientType":"bench","version":"0.1.0"})";
  if (!o.token.empty())
    text += R"(,"auth":{"token":")" + json_escape(o.token) + "\"}";
  text += R"(,"timestamp":)" + std::to_string(wall_ms()) + "}";
  return text;
}

bool is_connect_result(std::string_view body, bool* ok) {
  if (!starts_with(body, R"({"type":"res","id":"c")"))
    return false;
  *ok = body.find(R"("ok":true)") != std::string_view::npos;
  return true;
}

worker_pool::worker_pool(const options& o) {
  for (size_t t = 0; t < o.threads; ++t)
    workers_.push_back(std::make_unique<worker>(o.connect_window));
}

bool worker_pool::run(double timeout_s) {
  for (auto& w : workers_) {
    w->deadline.expires_after(
      std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
    w->deadline.async_wait([wp = w.get()](error_code ec) {
      if (ec)
        return;
      wp->timed_out = true;
      wp->ioc.stop();
    });
  }
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers_.size(); ++t)
    threads.emplace_back([w = workers_[t].get()] { w->ioc.run(); });
  workers_[0]->ioc.run();
  for (auto& t : threads)
    t.join();
  bool ok = true;
  for (auto& w : workers_)
    ok = ok && !w->timed_out;
  return ok;
}

window_probe window_probe::take(long server_pid) {
  window_probe p;
  p.t_ns = now_ns();
  if (server_pid > 0)
    p.server_ticks = process_ticks(server_pid);
  p.self_ticks = process_ticks(0);
  p.machine_ticks = machine_busy_ticks();
  return p;
}

report::report(const options& o) : opt_(o) {
  str("scenario", o.scenario);
  str("target", o.echo ? "echo-baseline" : "gateway");
  str("url", o.url);
  str("machine", machine());
  str("commit", commit());
  num("connections", static_cast<double>(o.connections));
  num("requests", static_cast<double>(o.requests));
  num("inflight", static_cast<double>(o.inflight));
  num("rate", o.rate);
  num("threads", static_cast<double>(o.threads));
}

void report::num(const std::string& key, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  fields_.emplace_back(key, buf);
}

void report::str(const std::string& key, const std::string& v) {
  fields_.emplace_back(key, "\"" + json_escape(v) + "\"");
}

void report::flag(const std::string& key, bool v) {
  fields_.emplace_back(key, v ? "true" : "false");
}

void report::quantiles(const std::string& prefix,
                       std::vector<uint32_t> samples) {
  std::sort(samples.begin(), samples.end());
  const std::pair<const char*, double> qs[] = {
    {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}};
  for (auto [name, q] : qs)
    num(prefix + "_" + name + "_us", quantile(samples, q));
  num(prefix + "_max_us", samples.empty() ? 0 : samples.back());
}

void report::window(const window_probe& a, const window_probe& b,
                    double units, const std::string& unit) {
  const double window_s = std::max(1e-9, static_cast<double>(b.t_ns - a.t_ns) / 1e9);
  const double tick_us = 1e6 / ticks_per_s();
  auto per = [&](int64_t x, int64_t y) {
    return units > 0 && x >= 0 && y >= 0
             ? static_cast<double>(y - x) * tick_us / units
             : -1.0;
  };
  num("window_s", window_s);
  if (opt_.pid > 0)
    num("server_cpu_us_per_" + unit, per(a.server_ticks, b.server_ticks));
  num("bench_cpu_us_per_" + unit, per(a.self_ticks, b.self_ticks));
  int64_t other = (b.machine_ticks - a.machine_ticks)
                  - (b.self_ticks - a.self_ticks);
  if (opt_.pid > 0)
    other -= b.server_ticks - a.server_ticks;
  num("other_cpu_pct",
      std::max(0.0, static_cast<double>(other) * tick_us / 1e6 / window_s * 100));
}

void report::print(const std::vector<std::string>& columns) const {
  std::string row;
  for (const auto& c : columns)
    for (const auto& [k, v] : fields_)
      if (k == c)
        row += (row.empty() ? "" : " ") + k + "=" + v;
  std::printf("%s\n", row.c_str());
  std::string json = "{";
  for (const auto& [k, v] : fields_)
    json += (json.size() > 1 ? "," : "") + ("\"" + k + "\":") + v;
  json += "}";
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
}

long rss_bytes(long pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (starts_with(line, "VmRSS:"))
      return std::strtol(line.c_str() + 6, nullptr, 10) * 1024;
  return -1;
}

long server_rss_bytes(const options& o) {
  if (o.pid > 0)
    return rss_bytes(o.pid);
  try {
    asio::io_context ioc{1};
    tcp::socket sock{ioc};
    sock.connect(o.endpoint());
    std::string req = "GET /stats HTTP/1.1\r\nHost: " + o.host
                      + "\r\nConnection: close\r\n";
    if (!o.token.empty())
      req += "Authorization: Bearer " + o.token + "\r\n";
    req += "\r\n";
    asio::write(sock, asio::buffer(req));
    std::string got;
    char buf[4096];
    error_code ec;
    for (size_t n; (n = sock.read_some(asio::buffer(buf), ec)) > 0 || !ec;)
      got.append(buf, n);
    constexpr std::string_view key = "\"rssBytes\":";
    auto at = got.find(key);
    return at == std::string::npos ? -1 : std::strtol(got.c_str() + at + key.size(), nullptr, 10);
  } catch (const std::exception&) {
    return -1;
  }
}

} // namespace wingman::bench
