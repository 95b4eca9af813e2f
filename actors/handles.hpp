// The typed interfaces of the gateway's long-lived actors (C8): each
// signature list is the public contract of one actor, so the compiler rejects
// a message its target does not accept. Factories live in `<name>_actor.hpp`.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"

namespace wingman::actors {

/// Owns the store's write side; batches writes into one transaction (group
/// commit). `flush_atom` is its own timer-free batching trigger.
using storage_actor =
  caf::typed_actor<caf::replies_to<write_request>::with<write_ack>,
                   caf::reacts_to<flush_atom>>;

/// One running turn: streams model output to its session.
using turn_actor = caf::typed_actor<caf::reacts_to<tick_atom>>;

/// The agent's answer to `start_turn`: usually the turn actor that streams
/// the reply. A model whose whole reply is known at once (echo without a
/// delay) answers here instead (`answered`), so no actor is spawned and no
/// message sent per chunk. Neither: the agent failed the turn, and its
/// `turn_failed` is on the way.
struct turn_started {
  turn_actor turn;
  bool answered = false;
  std::vector<std::string> chunks = {};  ///< The reply's deltas, in order.
  std::string response = {};             ///< The whole reply.
  protocol::usage_info usage = {};
};

/// One configured agent: runs turns with its model.
using agent_actor =
  caf::typed_actor<caf::replies_to<start_turn>::with<turn_started>,
                   caf::reacts_to<upsert_agent>>;

/// One live session (agentId + session key): the per-session FIFO queue.
using session_actor =
  caf::typed_actor<caf::reacts_to<enqueue_request>,
                   caf::reacts_to<cancel_request>,
                   caf::reacts_to<subscribe_request>,
                   caf::reacts_to<turn_delta>,
                   caf::reacts_to<turn_tool>,
                   caf::reacts_to<turn_step>,
                   caf::reacts_to<turn_completed>,
                   caf::reacts_to<turn_failed>,
                   caf::reacts_to<session_admin>,
                   caf::reacts_to<stop_atom>,
                   caf::reacts_to<idle_atom>>;

/// Bindings -> agent, session registry, request registry.
using router_actor =
  caf::typed_actor<caf::reacts_to<route_request>,
                   caf::reacts_to<cancel_request>,
                   caf::reacts_to<subscribe_request>,
                   caf::reacts_to<request_finished>,
                   caf::reacts_to<session_idle>,
                   caf::reacts_to<session_admin>,
                   caf::reacts_to<upsert_agent>,
                   caf::reacts_to<remove_agent>,
                   caf::replies_to<ready_atom>::with<uint64_t>>;

/// The UI clients that receive `session-message` echoes.
using directory_actor =
  caf::typed_actor<caf::reacts_to<register_ui>, caf::reacts_to<unregister_ui>,
                   caf::reacts_to<echo_to_ui>>;

/// One routine: its timer, its fires and its run history (the only writer
/// of its record). `tick_atom` carries the timer generation.
using routine_actor =
  caf::typed_actor<caf::replies_to<routine_put>::with<routine_outcome>,
                   caf::replies_to<routine_run_now>::with<routine_outcome>,
                   caf::replies_to<routine_erase>::with<routine_outcome>,
                   caf::reacts_to<tick_atom, uint64_t>,
                   caf::reacts_to<routine_run_event>>;

/// The routine engine: one `routine_actor` per routine, by id.
using routines_actor =
  caf::typed_actor<caf::replies_to<routine_put>::with<routine_outcome>,
                   caf::replies_to<routine_run_now>::with<routine_outcome>,
                   caf::replies_to<routine_erase>::with<routine_outcome>>;

/// One WebSocket connection: auth, decoding, dispatch.
using client_actor = caf::typed_actor<caf::reacts_to<inbound_text>>;

} // namespace wingman::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::turn_started)
