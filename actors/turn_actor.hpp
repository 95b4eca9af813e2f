// Echo turns. With a delay, a turn actor executes the echo model's plan and
// reports to its session (`turn_delta`* then `turn_completed`), timed with
// CAF timers (deterministic under the test coordinator); it stops when its
// session goes down, and cancelling it = killing its actor (the session
// ignores anything that arrives from a turn it no longer runs). Without a
// delay the whole reply is known at once: it goes back in the agent's answer
// and no actor is spawned.
#pragma once

#include <caf/actor_system.hpp>

#include "actors/handles.hpp"
#include "protocol/config.hpp"

namespace wingman::actors {

/// Starts the echo turn for `req` with the agent's echo settings: the
/// answer itself when the plan has no wait between chunks (`delay_ms` of 0,
/// or shorter than one millisecond per chunk), else a spawned turn actor.
turn_started start_echo_turn(caf::actor_system& sys, start_turn req,
                             protocol::echo_options opts);

} // namespace wingman::actors
