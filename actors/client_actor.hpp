// One client actor per WebSocket connection: decodes frames, runs the
// connect/auth handshake (token, password, none; constant-time compare;
// failures rate limited per address), and dispatches requests to the router.
// Frames for this client are written straight to its connection by whoever
// produces them (session, router); the client actor only answers what it
// handles itself (res, pong, errors).
#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "actors/auth.hpp"
#include "actors/directory_actor.hpp"
#include "actors/handles.hpp"
#include "actors/metrics.hpp"
#include "transport/server.hpp"

namespace wingman::actors {

/// Shared dependencies of every client actor.
struct client_config {
  router_actor router;
  client_directory directory;
  auth_policy auth;
  std::shared_ptr<failure_limiter> limiter;
  std::shared_ptr<gateway_metrics> metrics;  ///< May be null.
  size_t max_subscriptions = 1000;           ///< Per connection.
};

/// Spawns the client actor for `conn`.
client_actor spawn_client(caf::actor_system& sys,
                          std::shared_ptr<const client_config> cfg,
                          std::weak_ptr<transport::connection> conn);

/// The transport's sink factory: one client actor per connection, stopped
/// when the connection ends.
transport::sink_factory
make_client_sinks(caf::actor_system& sys,
                  std::shared_ptr<const client_config> cfg);

} // namespace wingman::actors
