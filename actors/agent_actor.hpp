// One configured agent: owns its config and model, and starts turns for its
// sessions. Per-agent policy (concurrent turns, budgets, tools) lands here.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/local_actor.hpp>

#include "actors/handles.hpp"
#include "protocol/config.hpp"

namespace wingman::actors {

/// Spawns the actor for `cfg`.
agent_actor spawn_agent(caf::actor_system& sys, protocol::agent_config cfg);

/// Spawns the actor for `cfg` linked to `parent` (agents added at run time
/// by the router stop with it).
agent_actor spawn_linked_agent(caf::local_actor* parent,
                               protocol::agent_config cfg);

/// The error text for a model this build cannot run, or "" if it can.
std::string unsupported_model_error(const std::string& model);

} // namespace wingman::actors
