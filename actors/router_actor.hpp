// The router: picks the agent for each request (bindings, most specific
// first), derives the session key, and forwards to the session actor,
// spawning it on first use. It also keeps the request registry (which
// session runs which request, and who owns it) for cancel and its FORBIDDEN
// rule. At start it spawns every session that has durable queue entries, so
// requests accepted before a crash run again, in order.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/agent_actor.hpp"
#include "actors/directory_actor.hpp"
#include "actors/handles.hpp"
#include "actors/metrics.hpp"
#include "protocol/config.hpp"
#include "storage/store.hpp"

namespace wingman::actors {

/// An agent as the router knows it.
struct agent_entry {
  protocol::agent_config config;
  agent_actor handle;
};

/// Dependencies of the router.
struct router_config {
  std::vector<agent_entry> agents;
  std::vector<protocol::binding> bindings;
  std::string default_agent;
  size_t session_queue_depth = 100;
  /// `session_config::history_tail` for sessions of non-echo agents.
  size_t history_tail = 0;
  std::chrono::seconds session_idle_timeout{60};
  storage_actor storage;
  client_directory directory;
  std::shared_ptr<storage::store> store;
  std::shared_ptr<gateway_metrics> metrics;
  agent_env agents_env;  ///< For agents added at run time.
};

/// Spawns the router and starts recovery of durable queues.
router_actor spawn_router(caf::actor_system& sys, router_config cfg);

} // namespace wingman::actors
