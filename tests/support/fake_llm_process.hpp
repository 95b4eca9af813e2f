// Test support: runs the real `wingman-fake-llm` binary on 127.0.0.1 port 0
// (reads the port from its "listening on" line) and makes whole requests to
// it with the providers' streaming HTTP client. Reusable by gateway
// integration tests: compile with WINGMAN_FAKE_LLM_BINARY set to the path
// of the binary.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "transport/http_stream_client.hpp"

namespace wingman::test {

/// A running wingman-fake-llm process; stopped (SIGTERM) on destruction.
class fake_llm_process {
 public:
  /// Starts `wingman-fake-llm --port 0 <args...>` (unless `args` has its own
  /// `--port`) and waits for its ready
  /// line. `REQUIRE`s success.
  explicit fake_llm_process(std::vector<std::string> args = {});
  ~fake_llm_process();
  fake_llm_process(const fake_llm_process&) = delete;
  fake_llm_process& operator=(const fake_llm_process&) = delete;

  uint16_t port() const noexcept { return port_; }
  int pid() const noexcept { return pid_; }

  /// `http://127.0.0.1:<port>` followed by `path`.
  std::string url(const std::string& path) const;

  /// SIGTERM and wait; returns the exit code (128 + signal if killed).
  int terminate();

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  uint16_t port_ = 0;
};

/// Everything one request produced.
struct fetched {
  int status = -1;  ///< -1 when no headers arrived.
  std::vector<transport::http_header> headers;
  std::vector<std::string> pieces;  ///< Body bytes, one entry per on_data.
  std::string body;
  transport::http_error result;

  /// The first header named `name` (case-insensitive), or "<absent>".
  std::string header(const std::string& name) const;
};

/// Runs `req` on `client` to completion (bounded by a generous wait; a
/// request that never ends fails the test).
fetched fetch(transport::http_client& client, transport::outbound_request req,
              transport::http_timeouts timeouts = {});

/// A JSON POST request.
transport::outbound_request json_post(const std::string& url, std::string body,
                                  std::vector<transport::http_header> headers = {});

} // namespace wingman::test
