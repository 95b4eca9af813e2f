// The client directory: which connected clients are Control UIs (`webui`,
// `desktop`) and so receive `session-message` echoes for sessions they are
// not subscribed to (PROTOCOL.md §2). Clients are monitored and forgotten
// when they go away.
#pragma once

#include <caf/actor_system.hpp>

#include "actors/handles.hpp"

namespace wingman::actors {

/// Spawns the directory actor.
directory_actor spawn_directory(caf::actor_system& sys);

} // namespace wingman::actors
