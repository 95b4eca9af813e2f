// Small synchronous WebSocket and HTTP clients for the CLI (`wingman agent`,
// `wingman gateway health`) and the integration tests. Every call takes a
// timeout and never blocks longer. Not thread-safe: one thread per client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wingman::transport {

/// A parsed `ws://host:port/path` or `http://host:port/path` URL.
struct url_parts {
  std::string scheme;  ///< "ws" or "http".
  std::string host;
  uint16_t port = 0;
  std::string target;  ///< Path plus query; "/" when empty.
};

/// Parses a `ws://` or `http://` URL; nullopt if malformed.
std::optional<url_parts> parse_url(const std::string& url);

/// Blocking WebSocket client with timeouts.
class ws_client {
 public:
  ws_client();
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Connects and performs the upgrade. Returns an error message or "".
  std::string connect(const std::string& host, uint16_t port,
                      const std::string& target = "/ws",
                      std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// Sends one text frame. Returns an error message or "".
  std::string send(const std::string& text,
                   std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// Receives one message. nullopt on timeout or when the connection is
  /// closed (then `closed()` is true and `close_code()` holds the peer's code).
  std::optional<std::string>
  receive(std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// True once the peer closed the connection (or it failed).
  bool closed() const noexcept;

  /// The close code the peer sent (0 if none was received).
  uint16_t close_code() const noexcept;

  /// Sends a close frame (1000) and waits briefly for the peer's.
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Result of `http_call`.
struct http_result {
  std::string error;  ///< Non-empty on connection failure / timeout.
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Names lowercased.
};

/// One HTTP/1.1 request with `Connection: close`.
http_result http_call(const std::string& host, uint16_t port,
                      const std::string& method, const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      const std::string& body = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds{5});

} // namespace wingman::transport
