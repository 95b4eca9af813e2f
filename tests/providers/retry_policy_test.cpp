#include "providers/retry_policy.hpp"

#include <doctest/doctest.h>

using namespace wingman::providers;
using std::chrono::milliseconds;

namespace {

attempt_failure http(int status) {
  attempt_failure f;
  f.kind = failure_kind::http_status;
  f.status = status;
  return f;
}

attempt_failure kind(failure_kind k) {
  attempt_failure f;
  f.kind = k;
  return f;
}

} // namespace

TEST_SUITE("providers/retry_policy") {

TEST_CASE("429, 5xx and connect failures are retried") {
  retry_settings s;
  for (int status : {429, 500, 502, 503, 504, 529}) {
    INFO("status " << status);
    CHECK(decide_retry(s, 1, http(status), 1.0).retry);
  }
  CHECK(decide_retry(s, 1, kind(failure_kind::connect_failed), 1.0).retry);
}

TEST_CASE("other failures are not retried, with a reason") {
  retry_settings s;
  auto d = decide_retry(s, 1, http(401), 0.3);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "HTTP 401 is not retryable");
  for (int status : {400, 403, 404, 413, 422})
    CHECK_FALSE(decide_retry(s, 1, http(status), 0).retry);
  CHECK(decide_retry(s, 1, kind(failure_kind::first_byte_timeout), 0).reason
        == "a first-byte timeout is not retryable");
  CHECK_FALSE(decide_retry(s, 1, kind(failure_kind::idle_timeout), 0).retry);
  CHECK_FALSE(decide_retry(s, 1, kind(failure_kind::connection_lost), 0).retry);
  CHECK(decide_retry(s, 1, kind(failure_kind::cancelled), 0).reason
        == "the request was cancelled");
}

TEST_CASE("nothing is retried once a token was received") {
  auto f = http(503);
  f.token_received = true;
  auto d = decide_retry({}, 1, f, 0.5);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "HTTP 503 after the first token is not retried");
}

TEST_CASE("at most max_retries retries, 3 by default") {
  retry_settings s;
  CHECK(s.max_retries == 3);
  CHECK(decide_retry(s, 3, http(500), 1).retry);
  auto d = decide_retry(s, 4, http(500), 1);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "gave up after 3 retries");
  s.max_retries = 0;
  CHECK(decide_retry(s, 1, http(500), 1).reason == "gave up after 0 retries");
}

TEST_CASE("delays grow exponentially up to the cap, scaled by jitter") {
  retry_settings s;  // 500 ms base, 8 s cap
  CHECK(decide_retry(s, 1, http(500), 1.0).delay == milliseconds{500});
  CHECK(decide_retry(s, 2, http(500), 1.0).delay == milliseconds{1000});
  CHECK(decide_retry(s, 3, http(500), 1.0).delay == milliseconds{2000});
  s.max_retries = 10;
  CHECK(decide_retry(s, 6, http(500), 1.0).delay == milliseconds{8000});
  CHECK(decide_retry(s, 10, http(500), 1.0).delay == milliseconds{8000});
  CHECK(decide_retry(s, 1, http(500), 0.0).delay == milliseconds{250});
  CHECK(decide_retry(s, 2, http(500), 0.5).delay == milliseconds{750});
  // out-of-range jitter is clamped
  CHECK(decide_retry(s, 1, http(500), 7.0).delay == milliseconds{500});
  CHECK(decide_retry(s, 1, http(500), -1.0).delay == milliseconds{250});
}

TEST_CASE("a retry-after hint replaces the computed delay") {
  auto f = http(429);
  f.retry_after = milliseconds{3000};
  auto d = decide_retry({}, 1, f, 0.0);
  CHECK(d.retry);
  CHECK(d.delay == milliseconds{3000});
  f.retry_after = milliseconds{120000};
  auto far = decide_retry({}, 1, f, 0.0);
  CHECK_FALSE(far.retry);
  CHECK(far.reason
        == "the provider asked to retry after 120000 ms, over the 60000 ms "
           "limit");
}

TEST_CASE("retry-after headers parse as seconds or milliseconds") {
  CHECK(parse_retry_after("2") == milliseconds{2000});
  CHECK(parse_retry_after(" 1.5 ") == milliseconds{1500});
  CHECK(parse_retry_after("0") == milliseconds{0});
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after(""));
  CHECK_FALSE(parse_retry_after("-1"));
  CHECK_FALSE(parse_retry_after("."));
  CHECK(parse_retry_after_ms("250") == milliseconds{250});
  CHECK(parse_retry_after_ms("12.6") == milliseconds{13});
  CHECK_FALSE(parse_retry_after_ms("abc"));
}

}
