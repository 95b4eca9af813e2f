// One configured agent: runs each turn with its model. The built-in `echo`
// model runs in a `turn` actor on CAF timers; any other `provider:model` is
// resolved against the provider registry (credentials from the environment
// or `<stateDir>/credentials.json`, read at each turn so a key saved in
// Settings applies at once) and runs as a provider turn.
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/local_actor.hpp>

#include "actors/handles.hpp"
#include "actors/provider_turn.hpp"
#include "protocol/config.hpp"

namespace wingman::actors {

/// What agents need to run provider turns. Default: echo only.
struct agent_env {
  std::shared_ptr<const providers::provider_registry> providers;  ///< Null: echo only.
  provider_turn_env turns;   ///< `turns.http` null: echo only.
  std::string state_dir;     ///< For `credentials.json`.
};

/// Spawns the actor for `cfg`.
agent_actor spawn_agent(caf::actor_system& sys, protocol::agent_config cfg,
                        agent_env env = {});

/// Spawns the actor for `cfg` linked to `parent` (agents added at run time
/// by the router stop with it).
agent_actor spawn_linked_agent(caf::local_actor* parent, protocol::agent_config cfg,
                               agent_env env = {});

/// The error text for a model this gateway cannot run (malformed, or an
/// unknown provider), or "" if it can. `registry` null: echo only.
std::string unsupported_model_error(const std::string& model,
                                    const providers::provider_registry* registry);

} // namespace wingman::actors
