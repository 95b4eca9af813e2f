// The client directory: which connected clients are Control UIs (`webui`,
// `desktop`) and so receive `session-message` echoes for sessions they are
// not subscribed to (PROTOCOL.md §2). Clients are monitored and forgotten
// when they go away.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <caf/actor_system.hpp>

#include "actors/handles.hpp"

namespace wingman::actors {

/// The directory actor plus how many connected clients are Control UIs.
/// Client actors keep the count (each adds itself when it becomes a UI
/// client, before it sends `register_ui`, and takes itself off when it stops
/// being one), so it is never below what the directory holds. Sessions read
/// it to skip building and sending an echo nobody would receive.
struct client_directory {
  directory_actor actor;
  std::shared_ptr<std::atomic<int64_t>> ui_clients =
    std::make_shared<std::atomic<int64_t>>(0);

  bool has_ui() const noexcept {
    return ui_clients->load(std::memory_order_acquire) > 0;
  }
};

/// Spawns the directory actor.
client_directory spawn_directory(caf::actor_system& sys);

} // namespace wingman::actors
