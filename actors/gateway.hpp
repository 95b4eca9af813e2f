// The gateway process: opens the store, builds the actor tree, binds the
// listener and runs until stopped. The only place where the layers are wired
// together (tools/wingman calls it; integration tests run the binary).
//
// Supervision tree (docs/architecture.md):
//   gateway ── storage (detached) ── directory ── agent:<id>... ── router
//                                                   └── session:<agent>:<key> (linked)
//   client:<conn> per connection (owned by its socket), turn per running turn.
#pragma once

#include <memory>
#include <string>

#include "protocol/config.hpp"

namespace wingman::actors {

/// One gateway instance.
class gateway {
 public:
  explicit gateway(protocol::gateway_config cfg);
  ~gateway();

  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// Opens the store, spawns the actors, binds the port(s). Returns an error
  /// message (naming the path or address) or "".
  std::string start();

  /// The bound gateway port (after `start`).
  uint16_t port() const noexcept;

  /// Serves until `stop`; blocks the caller.
  void run();

  /// Stops serving: closes connections (1001), stops the actors. Thread-safe.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace wingman::actors
