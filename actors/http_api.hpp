// The gateway's HTTP routes (PROTOCOL.md §7) for the core: `/health`,
// `/api/health`, `/stats`, `/api/stats`, `/api/config`, `GET /api/sessions`
// and `GET /api/sessions/<id>/messages`. Every `/api/*` route except health
// and config requires the gateway secret (Bearer, X-Wingman-Token or
// X-Wingman-Password) when auth is on. Runs on the io thread: it only reads
// the store (LMDB read transactions, microseconds) and atomic counters.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "actors/auth.hpp"
#include "actors/metrics.hpp"
#include "protocol/config.hpp"
#include "storage/store.hpp"
#include "transport/server.hpp"

namespace wingman::actors {

/// Dependencies of the HTTP API.
struct http_api_config {
  std::shared_ptr<const protocol::gateway_config> config;
  auth_policy auth;
  std::shared_ptr<storage::store> store;
  std::shared_ptr<gateway_metrics> metrics;
  std::function<transport::server_stats()> server_stats;  ///< May be empty.
};

/// Creates the handler.
std::shared_ptr<transport::http_handler> make_http_api(http_api_config cfg);

} // namespace wingman::actors
