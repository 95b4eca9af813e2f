// The storage actor: the single writer of the durable store (C16).
//
// Writes that arrive together are applied in one transaction (group commit):
// each `write_request` is parked and a `flush_atom` is sent to self; because
// the mailbox is FIFO, every write that arrived before the flush is committed
// by it, with one fsync, and then every parked request gets its `write_ack`
// in arrival order. Spawned detached in production (commits block on fsync),
// scheduled in deterministic tests.
#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "actors/handles.hpp"
#include "actors/metrics.hpp"
#include "storage/store.hpp"

namespace wingman::actors {

/// Dependencies of the storage actor.
struct storage_config {
  std::shared_ptr<storage::store> store;
  std::shared_ptr<gateway_metrics> metrics;  ///< May be null.
  bool detached = true;  ///< Own thread (production); false in actor tests.
};

/// Spawns the storage actor.
storage_actor spawn_storage(caf::actor_system& sys, storage_config cfg);

} // namespace wingman::actors
