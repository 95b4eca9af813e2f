// What every HTTP route module gets: the configuration snapshot, the auth
// policy, the store (reads), the live agent catalog and the router (for
// anything that changes a session or an agent). Route modules are plain
// functions `bool handle_<area>(const http_context&, const http_request&,
// http_responder&)` that return true when they own the path (and will answer).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/agent_catalog.hpp"
#include "actors/auth.hpp"
#include "actors/handles.hpp"
#include "actors/metrics.hpp"
#include "protocol/config.hpp"
#include "storage/store.hpp"
#include "transport/server.hpp"

namespace wingman::actors {

/// Shared dependencies of the HTTP routes.
struct http_context {
  std::shared_ptr<const protocol::gateway_config> config;  ///< Startup snapshot.
  auth_policy auth;
  std::shared_ptr<storage::store> store;
  std::shared_ptr<gateway_metrics> metrics;
  std::shared_ptr<agent_catalog> agents;
  router_actor router;
  storage_actor storage;          ///< The single writer (webhooks CRUD).
  routines_actor routines;        ///< The routine engine (routines CRUD, runs).
  caf::actor_system* sys = nullptr;
  /// The config file that `/api/agents` and `/api/voice` rewrite: the file
  /// the gateway loaded, else `<stateDir>/wingman.config.json`.
  std::string config_path;
  std::function<transport::server_stats()> server_stats;  ///< May be empty.
};

/// JSON error response `{"error": message}` with `status`.
transport::http_response http_error(unsigned status, const std::string& message);

/// JSON response with `status` and `body`.
transport::http_response http_json(unsigned status, std::string body);

/// First value of query parameter `name` (decoded), or "".
std::string query_param(const transport::http_request& req, const std::string& name);

} // namespace wingman::actors
