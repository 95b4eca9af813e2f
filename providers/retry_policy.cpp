#include "providers/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace wingman::providers {

namespace {

bool retryable(const attempt_failure& f) {
  if (f.kind == failure_kind::connect_failed)
    return true;
  return f.kind == failure_kind::http_status
         && (f.status == 429 || (f.status >= 500 && f.status <= 599));
}

std::string describe(const attempt_failure& f) {
  switch (f.kind) {
    case failure_kind::http_status:
      return "HTTP " + std::to_string(f.status);
    case failure_kind::connect_failed:
      return "a connect failure";
    case failure_kind::first_byte_timeout:
      return "a first-byte timeout";
    case failure_kind::idle_timeout:
      return "an idle timeout";
    case failure_kind::connection_lost:
      return "a lost connection";
    case failure_kind::cancelled:
      break;
  }
  return "a cancelled request";
}

/// Parses a non-negative decimal number (digits, optional fraction).
std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  if (s.empty() || s.size() > 15)
    return std::nullopt;
  double value = 0;
  double scale = 0;  // 0: before the point
  bool digits = false;
  for (char c : s) {
    if (c == '.' && scale == 0) {
      scale = 1;
      continue;
    }
    if (c < '0' || c > '9')
      return std::nullopt;
    digits = true;
    if (scale == 0) {
      value = value * 10 + (c - '0');
    } else {
      scale /= 10;
      value += (c - '0') * scale;
    }
  }
  if (!digits)
    return std::nullopt;
  return value;
}

} // namespace

retry_decision decide_retry(const retry_settings& settings, int attempt,
                            const attempt_failure& failure, double jitter) {
  using std::chrono::milliseconds;
  retry_decision out;
  if (failure.kind == failure_kind::cancelled) {
    out.reason = "the request was cancelled";
    return out;
  }
  if (failure.token_received) {
    out.reason = describe(failure) + " after the first token is not retried";
    return out;
  }
  if (!retryable(failure)) {
    out.reason = describe(failure) + " is not retryable";
    return out;
  }
  if (attempt > settings.max_retries) {
    out.reason = "gave up after " + std::to_string(settings.max_retries)
                 + (settings.max_retries == 1 ? " retry" : " retries");
    return out;
  }
  if (failure.retry_after) {
    if (*failure.retry_after > settings.max_retry_after) {
      out.reason = "the provider asked to retry after "
                   + std::to_string(failure.retry_after->count())
                   + " ms, over the "
                   + std::to_string(settings.max_retry_after.count())
                   + " ms limit";
      return out;
    }
    out.retry = true;
    out.delay = std::max(milliseconds{0}, *failure.retry_after);
    return out;
  }
  double exp = static_cast<double>(settings.base_delay.count())
               * std::pow(2.0, std::min(attempt - 1, 30));
  exp = std::min(exp, static_cast<double>(settings.max_delay.count()));
  jitter = std::clamp(jitter, 0.0, 1.0);
  out.retry = true;
  out.delay = milliseconds{
    static_cast<int64_t>(std::llround(exp * (0.5 + 0.5 * jitter)))};
  return out;
}

std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value) {
  auto s = parse_number(value);
  if (!s)
    return std::nullopt;
  return std::chrono::milliseconds{
    static_cast<int64_t>(std::llround(*s * 1000))};
}

std::optional<std::chrono::milliseconds>
parse_retry_after_ms(std::string_view value) {
  auto ms = parse_number(value);
  if (!ms)
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<int64_t>(std::llround(*ms))};
}

} // namespace wingman::providers
