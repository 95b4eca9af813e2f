// When to retry a failed model request, and how long to wait first. Pure:
// the turn actor reports each failed attempt and schedules the retry with a
// timer; the random jitter value is injected so tests are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wingman::providers {

/// Retry limits (per provider: `providers.<name>.maxRetries`).
struct retry_settings {
  /// Retries after the first attempt.
  int max_retries = 3;
  /// Delay before retry 1 (before jitter).
  std::chrono::milliseconds base_delay{500};
  /// Cap of the exponential delay.
  std::chrono::milliseconds max_delay{8000};
  /// Longest `retry-after` hint honoured; a longer one fails the request.
  std::chrono::milliseconds max_retry_after{60000};
};

/// How an attempt failed.
enum class failure_kind : uint8_t {
  http_status,         ///< A non-2xx response (`status` set).
  connect_failed,      ///< DNS, TCP connect, TLS handshake or connect timeout.
  first_byte_timeout,  ///< Connected, but no response in time.
  idle_timeout,        ///< The stream stalled.
  connection_lost,     ///< Reset or closed while reading.
  cancelled,           ///< The turn was cancelled.
};

/// One failed attempt.
struct attempt_failure {
  failure_kind kind = failure_kind::http_status;
  int status = 0;                ///< HTTP status for `http_status`.
  bool token_received = false;   ///< Any model output reached the client.
  /// The server's wait hint (`retry-after` / `retry-after-ms` header).
  std::optional<std::chrono::milliseconds> retry_after;
};

/// What to do next.
struct retry_decision {
  bool retry = false;
  std::chrono::milliseconds delay{0};  ///< Wait before the next attempt.
  std::string reason;  ///< Why not (empty when retrying), e.g.
                       ///< `HTTP 401 is not retryable`.
};

/// Decides after attempt number `attempt` (1 = the first request) failed:
/// - retries only 429, 5xx and `connect_failed`, only when no token was
///   received, and only while `attempt <= max_retries`;
/// - the delay is `base_delay * 2^(attempt-1)` capped at `max_delay`, scaled
///   by `0.5 + 0.5 * jitter` (`jitter` in [0, 1], clamped), so it lies in
///   [half, full] of the exponential value;
/// - a `retry_after` hint replaces the computed delay (no jitter); a hint
///   over `max_retry_after` fails instead of waiting that long.
retry_decision decide_retry(const retry_settings& settings, int attempt,
                            const attempt_failure& failure, double jitter);

/// Parses a `retry-after` header in delta-seconds (`"2"`, `"1.5"`); nullopt
/// for HTTP dates or garbage.
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value);

/// Parses a `retry-after-ms` header (`"250"`, `"12.5"`); nullopt for
/// garbage.
std::optional<std::chrono::milliseconds>
parse_retry_after_ms(std::string_view value);

} // namespace wingman::providers
