// `POST /webhooks/<id>`: external systems invoking an agent. Fails closed:
// no secret configured refuses every call. The secret comes from the
// `x-wingman-secret` header or `?secret=` (constant-time compare); the
// `github` preset instead verifies `X-Hub-Signature-256` (HMAC-SHA256 of the
// raw body with the secret) and ignores replays of a seen
// `X-GitHub-Delivery` (remembered in storage, so also across restarts). Failed authentication is rate limited per address.
// An accepted call becomes a request in the webhook's session (through the
// router and the session queue, like any chat); the answer is immediate, or
// waits for the reply with `?wait=true`.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "actors/auth.hpp"
#include "actors/http_context.hpp"
#include "protocol/automation.hpp"
#include "storage/store.hpp"

namespace wingman::actors {

/// State shared by webhook calls (thread-safe).
class webhook_intake {
 public:
  /// `failures_per_minute`: failed-auth budget per address.
  explicit webhook_intake(int failures_per_minute) : limiter_(failures_per_minute) {}

  /// Handles `/webhooks/...`; false when the path is not one.
  bool handle(const http_context& ctx, const transport::http_request& req,
              transport::http_responder& respond);

  /// Most GitHub delivery ids cached in memory (the store holds them all).
  static constexpr size_t max_cached_deliveries = 10000;
  /// Stored deliveries older than this are pruned (GitHub redelivers for
  /// at most 3 days).
  static constexpr int64_t delivery_retention_ms = 7LL * 24 * 3600 * 1000;
  /// A prune runs at the first delivery after start, then every this many.
  static constexpr size_t prune_every = 1000;

 private:
  /// True if delivery `d` was seen before, in memory or in the store;
  /// remembers it in memory otherwise (the caller stores it).
  bool seen(const http_context& ctx, const protocol::webhook_delivery& d);

  /// Ops erasing stored deliveries older than the retention, when a prune
  /// is due (takes mtx_ only to count).
  std::vector<storage::write_op> prune_ops(const http_context& ctx, int64_t now);

  failure_limiter limiter_;
  std::mutex mtx_;
  std::unordered_set<std::string> deliveries_;  // guarded by mtx_
  std::deque<std::string> delivery_order_;      // guarded by mtx_ (eviction)
  size_t since_prune_ = prune_every;            // guarded by mtx_
};

/// Appends to `ops` the erasure of every stored GitHub delivery whose id
/// starts with `prefix` ("" = all, "<webhookId>/" = one webhook's) and that
/// was seen before `seen_before` (Unix ms).
void erase_deliveries(storage::store& store, const std::string& prefix,
                      int64_t seen_before, std::vector<storage::write_op>& ops);

/// `sha256=` + lowercase hex HMAC-SHA256 of `body` with `secret`.
std::string github_signature(const std::string& secret, const std::string& body);

} // namespace wingman::actors
