// The network edge: one port serving WebSocket (`/ws`) and HTTP, built on
// Boost.Beast. Knows nothing about actors (C15): inbound frames go to an
// injected `frame_sink`, outbound frames are handed to a `connection`, which
// posts them to the connection's strand.
//
// Threads: `server::run` runs the io_context on the calling thread plus
// `io_threads - 1` more. `connection` methods may be called from any thread.
// A `frame_sink` is called only from its connection's strand, in order.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace wingman::transport {

/// Immutable frame bytes shared by every recipient (encode once, send many).
using shared_frame = std::shared_ptr<const std::string>;

/// Makes a `shared_frame` from a string.
inline shared_frame make_frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

/// WebSocket close codes the gateway uses.
namespace close_code {
inline constexpr uint16_t normal = 1000;
inline constexpr uint16_t going_away = 1001;
inline constexpr uint16_t policy = 1008;     ///< Auth failed, slow consumer.
inline constexpr uint16_t too_big = 1009;    ///< Frame over the size limit.
inline constexpr uint16_t internal = 1011;
} // namespace close_code

/// An accepted WebSocket connection, as seen by the layers above.
class connection {
 public:
  virtual ~connection() = default;

  /// Queues a text frame. Thread-safe. If the connection's write queue would
  /// exceed its byte cap, the connection is closed with 1008 ("slow
  /// consumer") instead; frames sent after close are dropped.
  virtual void send(shared_frame frame) = 0;

  /// Sends the frames queued so far, then a close frame with `code`. Thread-safe.
  virtual void close(uint16_t code, std::string reason) = 0;

  /// Process-unique id (for logs and identity).
  virtual uint64_t id() const noexcept = 0;

  /// Peer address without port, e.g. `127.0.0.1` or `::1`.
  virtual const std::string& remote_address() const noexcept = 0;
};

/// Receives a connection's inbound frames. Owned by the connection; destroyed
/// when the connection ends (that is the "closed" notification).
class frame_sink {
 public:
  virtual ~frame_sink() = default;

  /// One complete inbound text (or binary) message.
  virtual void on_frame(std::string text) = 0;
};

/// Creates the sink for a new connection. The sink must not keep the
/// connection alive: it gets a `weak_ptr`.
using sink_factory =
  std::function<std::unique_ptr<frame_sink>(std::weak_ptr<connection>)>;

/// An HTTP request as the handler sees it.
struct http_request {
  std::string method;   ///< "GET", "POST", ...
  std::string target;   ///< Raw target, e.g. `/api/sessions?limit=5`.
  std::string path;     ///< Percent-decoded path without the query.
  std::string query;    ///< Raw query string without `?`.
  std::vector<std::pair<std::string, std::string>> headers;  ///< Names lowercased.
  std::string body;
  std::string remote_address;
  bool remote_is_loopback = false;

  /// First header with `name` (lowercase), or nullptr.
  const std::string* header(const std::string& name) const;
};

/// An HTTP response.
struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Callback to answer one request; callable once, from any thread.
using http_responder = std::function<void(http_response)>;

/// Handles every HTTP request except the WebSocket upgrade on `/ws` (a plain
/// GET on `/ws` is answered 400 by the transport itself).
class http_handler {
 public:
  virtual ~http_handler() = default;
  virtual void handle(http_request req, http_responder respond) = 0;
};

/// Limits and addresses (every limit has a config key, see protocol/config.hpp).
struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                      ///< 0 = any free port.
  size_t max_frame_bytes = 1u << 20;      ///< Larger: PAYLOAD_TOO_LARGE + close 1009.
  size_t write_queue_bytes = 16u << 20;   ///< Per connection; over it: close 1008.
  size_t max_http_body_bytes = 1u << 20;  ///< Larger: 413.
  std::chrono::seconds ping_interval{30};
  std::chrono::seconds idle_timeout{60};
  int io_threads = 1;
  /// Encodes the PAYLOAD_TOO_LARGE error frame sent before closing with 1009
  /// (transport does not know the wire format).
  std::function<std::string(size_t limit)> too_large_frame;
  /// HTTP read/idle timeout, and how long the transport waits for an
  /// `http_handler` to answer before replying 503 and closing.
  std::chrono::seconds http_timeout{30};
};

/// Live counters, readable from any thread.
struct server_stats {
  uint64_t connections_open = 0;
  uint64_t connections_total = 0;
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t slow_consumer_closes = 0;
};

/// The listener plus its io_context and threads.
class server {
 public:
  server(server_options opts, sink_factory sinks,
         std::shared_ptr<http_handler> http);
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens on one address; returns an error message or "".
  std::string listen();

  /// Binds an additional port (e.g. the Control UI port) serving the same
  /// handlers; returns an error message or "".
  std::string listen_also(const std::string& host, uint16_t port);

  /// The bound port of the first listener (after `listen`).
  uint16_t port() const noexcept;

  /// Runs the io_context until `stop`; blocks the caller.
  void run();

  /// Stops accepting, closes every WebSocket with 1001 and HTTP connection,
  /// then lets `run` return. Thread-safe, idempotent.
  void stop();

  /// Snapshot of the counters.
  server_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace wingman::transport
