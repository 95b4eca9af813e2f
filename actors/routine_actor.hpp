// The routine engine (issue 6): one `routine` actor per routine, under one
// `routines` registry actor.
//
// A routine actor is the only writer of its record and run history. It arms
// a timer for `nextRunAt` (re-checked at least once a minute against the
// wall clock, so a suspended machine or a changed clock cannot make it fire
// early), and a fire is:
//   1. one storage batch: the record with `lastRunAt` = the fire time and
//      the next `nextRunAt`, plus a run record `queued` (and the oldest runs
//      beyond the history cap erased);
//   2. only after that commit, a request into the routine's session
//      (`agent:<agentId>:routine:<id>` or `sessionId`) through the router,
//      so runs queue behind each other in the session's FIFO.
// A fire is therefore recorded before it is sent: a restart never repeats a
// fire (the next one is computed from the stored `nextRunAt`), and a crash
// in the instant between 1 and 2 leaves a run marked `interrupted` instead of
// sending it twice. The run's frames come back through a watcher connection
// and move the run to `running`, then `ok` or `error` with its duration.
//
// At start, a routine whose `nextRunAt` passed while the gateway was down
// applies `missedRunPolicy` (protocol/routine_plan.hpp): `run-once` fires one
// catch-up run, `skip` records a `skipped` run; runs left `queued`/`running`
// by the previous process become `interrupted` (the session itself resumes
// durable requests). The wall clock is injectable for tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/actor_system.hpp>

#include "actors/handles.hpp"
#include "storage/store.hpp"

namespace wingman::actors {

/// What routine actors need.
struct routine_env {
  router_actor router;
  storage_actor storage;
  std::shared_ptr<storage::store> store;  ///< Reads at start (history).
  std::function<int64_t()> now_ms;        ///< Wall clock, Unix ms.
  size_t max_runs = 100;                  ///< Run history kept per routine.
};

/// Spawns the actor of routine `rec` (as stored, or new).
routine_actor spawn_routine(caf::actor_system& sys, routine_env env,
                            protocol::routine_record rec);

/// Spawns the registry and one routine actor per stored routine. Spawn it
/// after the router's recovery so catch-up runs queue behind resumed
/// requests.
routines_actor spawn_routines(caf::actor_system& sys, routine_env env);

} // namespace wingman::actors
