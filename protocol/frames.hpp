// Inbound wire frames (PROTOCOL.md §1–3) as plain structs.
//
// `decode_inbound` (codec.hpp) produces an `inbound_frame` whose `body` holds
// the decoded payload for the frame types the gateway serves; frame types that
// are recognised but carry no decoded body (rooms, nodes) hold `std::monostate`.
// All strings are UTF-8 as received. Safe to use from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wingman::protocol {

/// The `type` field of an inbound frame.
enum class frame_type : uint8_t {
  connect,
  req_agent,
  req_agent_cancel,
  session_subscribe,
  session_unsubscribe,
  broadcast,
  register_node,
  unregister_node,
  join_group,
  leave_group,
  direct,
  req_node,
  event_node,
  res,
  ping,
  pong,
};

/// Returns the wire spelling of `t`, e.g. `"req:agent:cancel"`.
const char* wire_name(frame_type t) noexcept;

/// `connect.client`.
struct client_info {
  std::string instance_id;  ///< `instanceId`; may be empty.
  std::string client_type;  ///< `clientType`: cli, webui, desktop, node, adapter, bench.
  std::string version;
};

/// `connect.auth`; unset members were absent.
struct auth_info {
  std::optional<std::string> token;
  std::optional<std::string> password;
};

/// Body of a `connect` frame.
struct connect_body {
  std::optional<client_info> client;  ///< Absent: answered "missing client info".
  auth_info auth;
};

/// One attachment of a `req:agent` (PROTOCOL.md §3.1). `kind` is one of
/// `file`, `image`, `audio`; unused members are empty.
struct attachment {
  std::string kind;
  std::string name;
  std::string mime_type;
  std::string text_content;  ///< `textContent` (file).
  std::string data_url;      ///< `dataUrl` (image, audio, pdf).
};

/// `routing.peer`.
struct peer_ref {
  std::string kind;  ///< dm | group | channel
  std::string id;
};

/// `req:agent.payload.routing`: the normalized channel identity.
struct routing_info {
  std::string channel;
  std::string account_id;
  std::string guild_id;
  std::string team_id;
  std::optional<peer_ref> peer;
  std::string thread_id;
};

/// Body of `req:agent`.
struct agent_request {
  std::string agent_id;      ///< Empty: pick by bindings.
  std::string content;
  std::vector<attachment> attachments;
  std::optional<routing_info> routing;
  std::string session_key;   ///< Empty: derive from routing.
  bool queue_if_busy = true;
  std::string workspace;     ///< `execution.workspace`; empty if absent.
};

/// Body of `req:agent:cancel`.
struct cancel_body {
  std::string request_id;
};

/// Body of `session_subscribe` / `session_unsubscribe`.
struct subscribe_body {
  std::string session_id;
  std::string agent_id;  ///< Optional extension; empty means "any agent".
};

/// A decoded inbound frame.
struct inbound_frame {
  frame_type type = frame_type::ping;
  std::string id;              ///< Empty when absent.
  std::string client_id;
  std::string room_id;
  std::string target_node_id;
  int64_t timestamp = 0;
  std::variant<std::monostate, connect_body, agent_request, cancel_body,
               subscribe_body>
    body;
};

} // namespace wingman::protocol
