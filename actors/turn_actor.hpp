// One running turn: executes a model's stream plan and reports to its
// session (`turn_delta`* then `turn_completed`). Today the plan comes from the
// built-in echo model, timed with CAF timers (deterministic under the test
// coordinator). A turn stops when its session goes down. Cancelling a turn =
// killing its actor; the session ignores
// anything that arrives from a turn it no longer runs.
#pragma once

#include <caf/actor_system.hpp>

#include "actors/handles.hpp"
#include "protocol/config.hpp"

namespace wingman::actors {

/// Spawns the turn for `req` with the agent's echo settings.
turn_actor spawn_echo_turn(caf::actor_system& sys, start_turn req,
                           protocol::echo_options opts);

} // namespace wingman::actors
