// wingman-fake-llm-bench: measures wingman-fake-llm alone (completions/s,
// latency, server CPU per completion) with C keep-alive connections, each
// sending one streamed completion request after the other (closed loop).
// Raw Asio; the request is encoded once. docs/fake_llm.md, "Benchmark".
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

/// CPU seconds (user + system) used so far by process `pid`; -1 if unknown.
double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!pid || !std::getline(in, line))
    return -1;
  auto close = line.rfind(')');
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      utime = std::stoull(field);
    if (i == 15)
      stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct shared_state {
  const std::string* request = nullptr;
  long remaining = 0;  ///< Requests not yet started.
  long errors = 0;
  std::vector<double> latencies_us;
};

/// One keep-alive connection sending requests one after the other.
class worker : public std::enable_shared_from_this<worker> {
 public:
  worker(net::io_context& ioc, shared_state& st) : sock_(ioc), st_(st) {
  }

  void start(const tcp::endpoint& ep) {
    sock_.async_connect(ep, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) {
        ++self->st_.errors;
        return;
      }
      self->sock_.set_option(tcp::no_delay{true}, ec);
      self->next();
    });
  }

 private:
  void next() {
    if (st_.remaining <= 0)
      return;
    --st_.remaining;
    in_.clear();
    sent_ = clock_type::now();
    net::async_write(sock_, net::buffer(*st_.request),
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (ec) {
                         ++self->st_.errors;
                         return;
                       }
                       self->read();
                     });
  }

  void read() {
    sock_.async_read_some(net::buffer(buf_), [self = shared_from_this()](
                                               boost::system::error_code ec, size_t n) {
      if (ec) {
        ++self->st_.errors;
        return;
      }
      self->in_.append(self->buf_.data(), n);
      // A streamed response ends with the last chunk; the SSE JSON never
      // holds a raw CRLF, so this marks the end.
      if (self->in_.size() >= 7
          && self->in_.compare(self->in_.size() - 7, 7, "\r\n0\r\n\r\n") == 0) {
        if (self->in_.compare(0, 12, "HTTP/1.1 200") != 0)
          ++self->st_.errors;
        self->st_.latencies_us.push_back(
          std::chrono::duration<double, std::micro>(clock_type::now() - self->sent_).count());
        return self->next();
      }
      self->read();
    });
  }

  tcp::socket sock_;
  shared_state& st_;
  std::array<char, 16 * 1024> buf_{};
  std::string in_;
  clock_type::time_point sent_;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"wingman-fake-llm-bench: load wingman-fake-llm alone"};
  int port = 0;
  int pid = 0;
  int connections = 8;
  long requests = 20000;
  std::string api = "openai";
  std::string model = "fake-model";
  app.add_option("--port", port, "wingman-fake-llm's port")->required();
  app.add_option("--pid", pid, "wingman-fake-llm's pid (for server CPU)");
  app.add_option("--connections", connections, "Keep-alive connections")->capture_default_str();
  app.add_option("--requests", requests, "Completions in total")->capture_default_str();
  app.add_option("--api", api, "openai or anthropic")->check(CLI::IsMember({"openai", "anthropic"}));
  app.add_option("--model", model, "Model name sent")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::string body = R"({"model":")" + model
                     + R"(","stream":true,"max_tokens":64,"messages":[{"role":"user","content":"Hello there, how are you today?"}]})";
  std::string request = "POST " + std::string(api == "openai" ? "/v1/chat/completions" : "/v1/messages")
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          "Content-Length: "
                        + std::to_string(body.size()) + "\r\n\r\n" + body;
  net::io_context ioc{1};
  shared_state st;
  st.request = &request;
  st.remaining = requests;
  st.latencies_us.reserve(static_cast<size_t>(requests));
  tcp::endpoint ep{net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)};
  auto cpu0 = cpu_seconds(pid);
  auto t0 = clock_type::now();
  for (int i = 0; i < connections; ++i)
    std::make_shared<worker>(ioc, st)->start(ep);
  ioc.run();
  double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto cpu1 = cpu_seconds(pid);
  auto done = st.latencies_us.size();
  double rate = static_cast<double>(done) / elapsed;
  double cpu_us = pid && done ? (cpu1 - cpu0) * 1e6 / static_cast<double>(done) : -1;
  auto p50 = percentile(st.latencies_us, 0.50);
  auto p99 = percentile(st.latencies_us, 0.99);
  std::printf("| %s | %d conns | %zu completions | %.0f /s | p50 %.0f us | p99 %.0f us | server CPU %.1f us/completion | errors %ld |\n",
              api.c_str(), connections, done, rate, p50, p99, cpu_us, st.errors);
  std::printf(R"({"scenario":"fake_llm","api":"%s","connections":%d,"requests":%zu,"errors":%ld,"elapsed_s":%.3f,"completions_per_s":%.0f,"latency_p50_us":%.0f,"latency_p99_us":%.0f,"server_cpu_per_completion_us":%.1f})"
              "\n",
              api.c_str(), connections, done, st.errors, elapsed, rate, p50, p99, cpu_us);
  return st.errors == 0 && static_cast<long>(done) == requests ? 0 : 1;
}
