// Stable wire error codes and the plain error value used below the actor layer.
//
// `error_code` numbers are published: a value never changes meaning or number.
// The actor layer registers this enum with CAF; this header stays CAF-free so
// protocol/, storage/ and transport/ can use it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wingman::protocol {

/// Error codes of the wire protocol (PROTOCOL.md §1) plus gateway-internal ones.
enum class error_code : uint8_t {
  none = 0,                  ///< No error.
  invalid_message = 1,       ///< Frame is not a JSON object or lacks `type`/`timestamp`.
  invalid_connect = 2,       ///< `connect` frame is malformed (e.g. no `id`).
  invalid_request = 3,       ///< A request frame is malformed (missing id, bad field type).
  unknown_message_type = 4,  ///< `type` names no inbound frame type.
  rate_limited = 5,          ///< Too many requests or failed logins; retry later.
  payload_too_large = 6,     ///< Frame or field over its configured limit.
  auth_failed = 7,           ///< Credentials did not match.
  auth_required = 8,         ///< Frame needs a successful `connect` first.
  forbidden = 9,             ///< Authenticated, but not allowed (another client's request).
  not_registered = 10,       ///< Node operation from a client that did not `register`.
  group_not_found = 11,      ///< Unknown broadcast group.
  node_not_found = 12,       ///< Unknown node id.
  node_not_approved = 13,    ///< Node has not been paired/approved.
  max_nodes_reached = 14,    ///< Node limit reached.
  unavailable = 15,          ///< Feature disabled or gateway shutting down.
  internal = 16,             ///< Unexpected failure inside the gateway.
  queue_full = 17,           ///< Per-session queue depth exceeded.
  agent_not_found = 18,      ///< Explicit `agentId` names no configured agent.
  session_busy = 19,         ///< `queueIfBusy:false` on a busy session.
  cancelled = 20,            ///< Request was cancelled by its owner.
  storage_failure = 21,      ///< The durable store refused a write or read.
  config_invalid = 22,       ///< Configuration file is malformed or has a bad value.
};

/// Returns the wire spelling, e.g. `"INVALID_MESSAGE"`.
std::string_view wire_name(error_code code) noexcept;

/// An error value: a code plus a human-readable message.
struct error {
  error_code code = error_code::none;
  std::string message;
};

} // namespace wingman::protocol
