// The session actor: one per live `agentId + sessionKey`. Its mailbox
// serialises the session; it runs at most one turn at a time and queues the
// rest in arrival order (PROTOCOL.md §3.3), persists the user message before
// `agent-start` and the assistant message before `agent-complete`, and fans
// every event, encoded once, out to the requester and the subscribers.
//
// On spawn it loads its record and any durable queue entries (requests
// accepted before a crash or restart) and runs them in order.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/local_actor.hpp>

#include "actors/directory_actor.hpp"
#include "actors/handles.hpp"
#include "actors/metrics.hpp"
#include "storage/store.hpp"

namespace wingman::actors {

/// Dependencies and identity of one session actor.
struct session_config {
  std::string agent_id;
  std::string agent_name;
  std::string model;  ///< Shown as the chunk's `name`.
  std::string session_key;
  size_t queue_depth = 100;
  /// Messages kept decoded for provider turns (`history_tail`); 0: none.
  size_t history_tail = 0;
  std::chrono::seconds idle_timeout{60};  ///< Idle this long: ask to stop.
  agent_actor agent;
  storage_actor storage;
  router_actor router;
  client_directory directory;
  std::shared_ptr<storage::store> store;     ///< Reads only.
  std::shared_ptr<gateway_metrics> metrics;  ///< May be null.
};

/// Spawns a session actor linked to `parent` (the router).
session_actor spawn_session(caf::local_actor* parent, session_config cfg);

/// The agent-error text for `queueIfBusy:false` on a busy session.
inline constexpr const char* session_busy_message =
  "Session already has an in-flight request. Set queueIfBusy=true to enqueue.";

} // namespace wingman::actors
