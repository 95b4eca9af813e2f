// wingman-fake-llm's request logic, free of sockets: parses an HTTP request
// head, and turns each request into a `response_plan` (status, headers, body
// or SSE segments, delays, how the response ends). The byte formats follow
// OpenAI's chat completions and Anthropic's messages streaming APIs;
// docs/fake_llm.md is the reference for the scripting rules.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wingman::fake_llm {

/// Command-line settings (docs/fake_llm.md).
struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                       ///< 0: the kernel picks.
  size_t chunks = 4;                       ///< Deltas per text reply.
  std::chrono::milliseconds chunk_delay{0};
  std::chrono::milliseconds first_byte_delay{0};
  std::optional<std::string> text;         ///< Fixed reply text (else echo).
  std::string api_key;                     ///< Empty: no authentication.
  size_t max_header_bytes = 64 * 1024;     ///< Request line + headers.
  size_t max_body_bytes = 16 * 1024 * 1024;
};

/// One parsed HTTP request.
struct request {
  std::string method;
  std::string target;          ///< Path plus query.
  std::string authorization;   ///< `Authorization` header value.
  std::string x_api_key;       ///< `x-api-key` header value.
  bool keep_alive = true;      ///< False for `Connection: close` or HTTP/1.0.
  std::string body;
};

/// Outcome of `parse_request`.
enum class parse_status { incomplete, ok, bad, too_large, unsupported };

/// Parses one request from the front of `buf`. On `ok`, `consumed` is its
/// size in bytes; on an error, `why` says what was wrong. Bodies must have a
/// Content-Length (a chunked request body is `unsupported`).
parse_status parse_request(std::string_view buf, const options& opts, request& out,
                           size_t& consumed, std::string& why);

/// How a planned response ends after its last segment.
enum class response_end {
  complete,    ///< Normal end (keep-alive unless the request said close).
  disconnect,  ///< The server closes the connection (`disconnect` model).
  stall,       ///< Nothing more is ever sent (`stall` model).
};

/// What the server sends for one request.
struct response_plan {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  ///< Extra headers.
  /// True for SSE: `Transfer-Encoding: chunked`, one HTTP chunk per segment.
  /// False: one Content-Length body, `segments` holds it (one element, or a
  /// truncated part of it for `disconnect`/`stall`).
  bool streamed = false;
  std::vector<std::string> segments;  ///< Sent in order, with the delays below.
  std::chrono::milliseconds first_delay{0};  ///< Before the head.
  std::chrono::milliseconds gap{0};          ///< Between segments.
  response_end end = response_end::complete;
  bool close = false;  ///< Close the connection after the response.
  /// For `GET /fake/stats?wait_cancelled=N`: hold the answer until at least
  /// N streams were cancelled (or `wait_timeout` passed); `segments` is
  /// empty and the server asks `stats_json()` when it answers.
  std::optional<uint64_t> wait_cancelled;
  std::chrono::milliseconds wait_timeout{5000};
};

/// Live counters reported by `GET /fake/stats`.
struct stats {
  uint64_t requests = 0;        ///< Completion requests (both APIs), faults included.
  uint64_t active_streams = 0;  ///< Streamed responses in progress.
  uint64_t cancelled = 0;       ///< Streams whose client left before the end.
  uint64_t connections = 0;     ///< TCP connections accepted since start.
  /// Roles of the last completion request's messages, comma-separated
  /// (`system` first for a system prompt, Anthropic's top-level one too).
  std::string last_roles;
  /// Names of the tools the last completion request offered, comma-separated.
  std::string last_tools;
};

/// The request → response logic and its in-process state (fault counters
/// per model name, stats). Single-threaded: the server calls it from its
/// one loop thread.
class engine {
 public:
  explicit engine(options opts);

  /// Plans the response to `req`.
  response_plan handle(const request& req);

  /// Stats as the JSON object served by `GET /fake/stats`.
  std::string stats_json() const;

  /// The server reports accepted connections, stream starts and ends here.
  void connection_accepted() { ++stats_.connections; }
  void stream_started() { ++stats_.active_streams; }
  void stream_finished(bool client_left) {
    --stats_.active_streams;
    if (client_left)
      ++stats_.cancelled;
  }
  const struct stats& counters() const noexcept { return stats_; }
  const options& settings() const noexcept { return opts_; }

 private:
  response_plan completion(const request& req, bool anthropic);
  bool authorized(const request& req) const;

  options opts_;
  struct stats stats_;
  std::unordered_map<std::string, uint64_t> per_model_;  ///< Requests per model.
  uint64_t next_id_ = 1;
};

/// Splits `text` into exactly `n` (>= 1) pieces of near-equal code-point
/// length, never inside a UTF-8 sequence; pieces are empty when `text` has
/// fewer than `n` code points.
std::vector<std::string> split_utf8(std::string_view text, size_t n);

/// `s` as a JSON string literal body (no quotes), escaped.
std::string json_escape(std::string_view s);

} // namespace wingman::fake_llm
