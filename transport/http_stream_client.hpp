// An asynchronous HTTP/1.1 client that streams response bodies as they
// arrive: the network half of the model providers (issue 4). HTTP/1.1 with
// keep-alive connections pooled per host, http:// and https:// (OpenSSL,
// system CAs, SNI, host name verification). It decodes the transfer
// encoding (chunked, Content-Length or close-delimited) and hands raw body
// bytes up; it never parses SSE or JSON.
//
// The header is free of Asio/Beast/OpenSSL (pimpl) so providers/ and actors/
// can use it. Usage:
//
//   http_client client;  // owns one io_context and one loop thread
//   auto stream = client.start(
//     {"POST", "http://127.0.0.1:1234/v1/chat/completions",
//      {{"Content-Type", "application/json"}}, body},
//     http_timeouts{}, {on_headers, on_data, on_done});
//   ...
//   stream->cancel();  // from any thread; on_done(cancelled) follows
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wingman::transport {

/// One HTTP header field. Response header names keep the server's spelling.
struct http_header {
  std::string name;
  std::string value;
};

/// An HTTP request to send. The client sets `Host`, `User-Agent`
/// (`wingman/<version>`) and `Content-Length`; a `Host` or `User-Agent` given
/// here replaces the default, `Content-Length`/`Transfer-Encoding` are
/// refused (`invalid_request`), anything else is sent as is.
/// `Connection: close` keeps the connection out of the pool.
struct outbound_request {
  std::string method = "POST";
  std::string url;                    ///< `http://host[:port]/path` or `https://...`.
  std::vector<http_header> headers;   ///< E.g. Authorization, Content-Type.
  std::string body;
};

/// Per-request timeouts; each ends the request with a `timeout` error.
struct http_timeouts {
  /// Name resolution + TCP connect + TLS handshake.
  std::chrono::milliseconds connect{10'000};
  /// From the connection being ready to the first response byte (the
  /// request write is included).
  std::chrono::milliseconds first_byte{120'000};
  /// Longest silence between two reads once the response has started.
  std::chrono::milliseconds idle{120'000};
};

/// Client-wide limits so that a hostile server cannot grow memory without
/// bound. Bodies of 2xx responses are unlimited (they are streamed through).
struct http_limits {
  /// Largest response status line + header block; over it: `protocol` error.
  size_t max_header_bytes = 64 * 1024;
  /// Bytes of a non-2xx response body passed to `on_data`; the rest is read
  /// and dropped (the request still ends `ok`).
  size_t max_error_body_bytes = 64 * 1024;
  /// Idle keep-alive connections kept per scheme+host+port (0: no pooling).
  size_t max_idle_per_host = 64;
  /// An idle connection older than this is closed instead of reused.
  std::chrono::milliseconds pool_idle_timeout{15'000};
};

/// Settings of an `http_client`.
struct http_client_options {
  int threads = 1;  ///< Loop threads (>= 1).
  http_limits limits;
  /// A PEM file of extra trusted CAs (private CAs, tests), on top of the
  /// system store. A bad file makes every https request fail with `tls`.
  std::string extra_ca_file;
};

/// Why a request ended.
enum class http_error_kind : uint8_t {
  ok = 0,           ///< The whole response was received (any status).
  cancelled,        ///< `http_stream::cancel()`, handle released, or client destroyed.
  timeout,          ///< A timeout fired; `http_error::timeout` says which.
  resolve,          ///< The host name did not resolve.
  connect,          ///< TCP connect failed (refused, unreachable).
  tls,              ///< TLS handshake or certificate verification failed.
  protocol,         ///< Malformed or truncated response, or the connection broke mid-way.
  invalid_request,  ///< Bad URL (scheme, host, port) or request.
};

/// Which timeout fired (for `http_error_kind::timeout`).
enum class http_timeout_kind : uint8_t { none = 0, connect, first_byte, idle };

/// The outcome of a request, with a readable message (empty when ok).
struct http_error {
  http_error_kind kind = http_error_kind::ok;
  http_timeout_kind timeout = http_timeout_kind::none;
  std::string message;

  /// True for `http_error_kind::ok`.
  bool ok() const noexcept { return kind == http_error_kind::ok; }
};

/// Returns a stable lowercase name, e.g. `"timeout"`.
std::string_view to_string(http_error_kind kind) noexcept;

/// Callbacks of one request. All run on the client's loop thread, one at a
/// time per request, in this order:
/// - `on_headers` at most once, when the status line and headers are in;
/// - `on_data` zero or more times after `on_headers`, with body bytes as
///   soon as a network read brings them (transfer decoding done; pieces of
///   at most 16 KiB; never empty);
/// - `on_done` exactly once, last; nothing is called after it, and the
///   handler (with everything it captured) is released right after.
/// A request that fails before the headers gets only `on_done`. Callbacks
/// must not block; they may call `cancel()` (then `on_done(cancelled)` comes
/// after the current callback returns, unless the response is already over).
/// Empty `std::function`s are allowed.
struct http_stream_handler {
  std::function<void(int status, const std::vector<http_header>& headers)> on_headers;
  std::function<void(std::string_view bytes)> on_data;
  std::function<void(const http_error& result)> on_done;
};

/// Handle of one running request. Releasing the last reference cancels the
/// request (so an owner that dies closes its connection). A handle may
/// outlive its client (then it does nothing).
class http_stream {
 public:
  struct impl;
  /// Made by `http_client::start`.
  explicit http_stream(std::shared_ptr<impl> op);
  ~http_stream();
  http_stream(const http_stream&) = delete;
  http_stream& operator=(const http_stream&) = delete;

  /// Closes the connection at once (posted to the request's strand); then
  /// `on_done(cancelled)`, unless the request already ended. Thread-safe,
  /// idempotent, never blocks.
  void cancel();

 private:
  std::weak_ptr<impl> op_;
};

/// Owns an io_context and its loop thread(s); runs any number of requests
/// and keeps a pool of idle keep-alive connections. A connection returns to
/// the pool only after a clean, complete response (never after a cancel,
/// timeout or error); a pooled connection found closed by the server before
/// the first response byte is replaced by a new one, once.
class http_client {
 public:
  /// Starts `threads` (>= 1) loop threads.
  explicit http_client(int threads = 1, http_limits limits = {});

  /// Starts a client with all its settings.
  explicit http_client(http_client_options options);

  /// Cancels every running request (each gets `on_done(cancelled)`), then
  /// joins the loop threads. Must not be called from a callback.
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Starts a request. Thread-safe and never blocks: even a bad URL is
  /// reported through `on_done` on the loop thread.
  [[nodiscard]] std::shared_ptr<http_stream>
  start(outbound_request request, http_timeouts timeouts, http_stream_handler handler);

  /// Opaque; defined in the .cpp (shared with the requests).
  struct state;

 private:
  std::unique_ptr<state> state_;
};

} // namespace wingman::transport
