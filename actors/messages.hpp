// Every message type exchanged between the gateway's actors: the table of
// contents of the system (C7). In-process only: the types carry handles to
// connections (weak_ptr) and are declared CAF_ALLOW_UNSAFE_MESSAGE_TYPE; the
// cluster work (DESIGN.md §9) will give the ones that cross processes an
// `inspect` overload and a registered name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "protocol/automation.hpp"
#include "protocol/codec.hpp"
#include "protocol/config.hpp"
#include "protocol/frames.hpp"
#include "protocol/records.hpp"
#include "storage/store.hpp"
#include "transport/server.hpp"

namespace wingman::actors {

// -- recipients ---------------------------------------------------------------

/// A connected client as the actors that write to it see it. Frames go
/// straight to the connection (posted to its strand); `client` identifies the
/// client actor for de-duplication and monitoring.
struct peer {
  caf::actor_addr client;
  std::weak_ptr<transport::connection> conn;
  std::string instance_id;  ///< Owner identity of its requests.
  std::string client_type;

  /// Sends `frame` if the connection is still open; returns false otherwise.
  bool send(const transport::shared_frame& frame) const {
    if (auto c = conn.lock()) {
      c->send(frame);
      return true;
    }
    return false;
  }

  /// True if this peer designates a client (recovered requests have none).
  bool valid() const noexcept { return static_cast<bool>(client); }
};

// -- client -> router -> session ----------------------------------------------

/// A `req:agent` frame from an authenticated client (client -> router).
struct route_request {
  std::string request_id;
  protocol::agent_request req;
  peer from;
  /// The session's name if this request creates it (webhook and routine
  /// threads); empty: the session key.
  std::string session_name = {};
};

/// A routed request for one session (router -> session).
struct enqueue_request {
  std::string request_id;
  std::string owner;  ///< Requester identity (instanceId or connection id).
  protocol::agent_request req;
  peer from;
  std::string session_name = {};  ///< See `route_request::session_name`.
};

/// `req:agent:cancel` (client -> router -> session). The session (or the
/// router for not_found/FORBIDDEN) writes the ack frame itself, so the ack
/// precedes the request's terminal event on the wire.
struct cancel_request {
  std::string ack_id;
  std::string request_id;
  std::string owner;
  peer from;
};

/// `session_subscribe` / `session_unsubscribe` (client -> router -> session).
struct subscribe_request {
  std::string ack_id;
  std::string session_id;
  std::string agent_id;  ///< Resolved by the router.
  bool subscribe = true;
  peer from;
};

/// The session has been idle (no turn, queue, subscriber or write) since it
/// had received `received` messages from the router (session -> router).
struct session_idle {
  std::string agent_id;
  std::string session_key;
  uint64_t received = 0;
};

/// A request reached its terminal event or was refused (session -> router).
struct request_finished {
  std::string request_id;
  std::string owner;
};

// -- HTTP administration -------------------------------------------------------

/// An HTTP operation on one session (http -> router -> session). The session
/// answers `respond` with the JSON record (or `{"ok":true}` for remove).
struct session_admin {
  enum class op : uint8_t { create, rename, remove, clear, set_workdir };
  op what = op::create;
  std::string agent_id;
  std::string session_key;
  std::string name;     ///< create, rename.
  std::string workdir;  ///< set_workdir; empty = clear it. Already validated.
  transport::http_responder respond;
};

/// Add an agent or replace its configuration (http -> router -> agent).
struct upsert_agent {
  protocol::agent_config config;
};

/// Remove an agent: new requests for it get "not found" (http -> router).
struct remove_agent {
  std::string agent_id;
};

// -- session <-> agent <-> turn -----------------------------------------------

/// Ask an agent to run one turn (session -> agent); the reply is the turn.
struct start_turn {
  uint64_t turn_seq = 0;   ///< Session-local turn number (matches events).
  std::string run_id;      ///< Turn id on the wire (`run_id`).
  std::string session_key;
  std::string content;
  std::vector<protocol::attachment> attachments;
  caf::actor_addr reply_to;  ///< The session; events go there.
  std::string workdir;       ///< The session's working folder; "" = the agent's.
  std::string request_id = {};  ///< Of the request being answered (its user message).
  std::string channel = {};     ///< `routing.channel` of the request (`webhook`, ...).
  /// The session's newest messages, decoded (null: read the store).
  std::shared_ptr<const std::vector<protocol::message_record>> history = {};
};

/// A text delta of a running turn (turn -> session).
struct turn_delta {
  uint64_t turn_seq = 0;
  std::string text;
};

/// A tool call of the running turn started or ended (turn -> session, which
/// streams `tool-start`/`tool-end` and their chunks).
struct turn_tool {
  uint64_t turn_seq = 0;
  protocol::tool_phase phase = protocol::tool_phase::start;
  std::string call_id;
  std::string name;
  std::string input_json;  ///< start: the arguments object.
  std::string output;      ///< end: the result; error: why.
};

/// One tool round of the running turn is over (turn -> session): the
/// assistant message that made the calls and the results, stored in order
/// so the session's history keeps the whole exchange.
struct turn_step {
  uint64_t turn_seq = 0;
  std::string assistant_text;
  std::vector<protocol::tool_call_record> calls;
  std::vector<protocol::message_record> results;  ///< role, content, tool fields.
};

/// A turn finished (turn -> session).
struct turn_completed {
  uint64_t turn_seq = 0;
  std::string response;
  protocol::usage_info usage;
};

/// A turn failed (turn or agent -> session).
struct turn_failed {
  uint64_t turn_seq = 0;
  std::string message;
  protocol::error_code code = protocol::error_code::internal;
};

// -- routines -----------------------------------------------------------------

/// Create or replace a routine (http -> routines -> routine). Only the
/// settings of `record` are taken (the engine owns lastRunAt/nextRunAt);
/// `reschedule` drops the pending fire time (new, re-enabled, new cron or
/// time zone) so that nothing counts as missed.
struct routine_put {
  protocol::routine_record record;
  bool created = false;
  bool reschedule = false;
};

/// Fire a routine now, enabled or not (http -> routines -> routine). The
/// answer comes once the run is queued, or with `wait` once it has finished
/// and its outcome is stored.
struct routine_run_now {
  std::string routine_id;
  bool wait = false;
};

/// Delete a routine and its run history (http -> routines -> routine).
struct routine_erase {
  std::string routine_id;
};

/// The answer to a routine operation, ready for HTTP: status and JSON body.
struct routine_outcome {
  uint16_t status = 200;
  std::string body;
};

/// A frame about one of a routine's runs (run watcher -> routine).
struct routine_run_event {
  std::string request_id;
  std::string event;    ///< agent-start, agent-complete, agent-error or refused.
  std::string message;  ///< Error text.
};

// -- storage ------------------------------------------------------------------

/// A batch to apply atomically (any actor -> storage).
struct write_request {
  storage::write_batch batch;
};

/// Outcome of a `write_request`.
struct write_ack {
  bool ok = false;
  std::string error;
};

// -- client directory (Control UI echoes) -------------------------------------

/// A `webui`/`desktop` client that gets `session-message` echoes.
struct register_ui {
  peer who;
};

/// The client stopped being a UI client (re-connect with another type).
struct unregister_ui {
  caf::actor_addr client;
};

/// Send `frame` to every UI client not in `exclude`.
struct echo_to_ui {
  transport::shared_frame frame;
  std::vector<caf::actor_addr> exclude;
};

// -- atoms --------------------------------------------------------------------

using tick_atom = caf::atom_constant<caf::atom("tick")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
/// Asks the router whether start-up recovery is done; the reply is the
/// number of durable requests it found.
using ready_atom = caf::atom_constant<caf::atom("ready")>;
/// Router -> idle session: stop now (nothing is in flight to it).
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// Session -> self: re-check idleness after the idle timeout.
using idle_atom = caf::atom_constant<caf::atom("idle")>;

/// One inbound WebSocket message (transport -> client actor).
struct inbound_text {
  std::string text;
};

} // namespace wingman::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::route_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::enqueue_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::cancel_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::subscribe_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::request_finished)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::session_idle)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::session_admin)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::upsert_agent)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::remove_agent)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::start_turn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::turn_delta)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::turn_tool)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::turn_step)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::turn_completed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::turn_failed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::routine_put)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::routine_run_now)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::routine_erase)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::routine_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::routine_run_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::write_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::write_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::register_ui)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::unregister_ui)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::echo_to_ui)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::inbound_text)
