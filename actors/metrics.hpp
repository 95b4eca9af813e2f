// Gateway-wide counters, shared by every actor and the HTTP API. Lock-free
// atomics with relaxed ordering: values are statistics, never used for
// control flow (listed in docs/locks.md as the only shared mutable state
// besides the auth failure limiter).
#pragma once

#include <atomic>
#include <cstdint>

namespace wingman::actors {

/// Counters read by `/health` and `/stats`.
struct gateway_metrics {
  int64_t started_at_ms = 0;                   ///< Set once before start.
  std::atomic<uint64_t> messages_processed{0}; ///< Inbound frames decoded.
  std::atomic<uint64_t> requests_accepted{0};  ///< Requests durably queued.
  std::atomic<uint64_t> requests_recovered{0}; ///< Found in the queue at start.
  std::atomic<uint64_t> turns_completed{0};
  std::atomic<uint64_t> turns_failed{0};
  std::atomic<int64_t> active_sessions{0};     ///< Live session actors.
  std::atomic<int64_t> clients{0};             ///< Live client actors.
  std::atomic<int64_t> authenticated{0};       ///< Clients past `connect`.
  std::atomic<uint64_t> storage_batches{0};
  std::atomic<uint64_t> storage_ops{0};
};

/// Relaxed increment helper.
template <class T, class U>
void bump(std::atomic<T>& counter, U by = 1) noexcept {
  counter.fetch_add(static_cast<T>(by), std::memory_order_relaxed);
}

} // namespace wingman::actors
