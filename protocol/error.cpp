#include "protocol/error.hpp"

namespace wingman::protocol {

std::string_view wire_name(error_code code) noexcept {
  switch (code) {
    case error_code::none:
      return "NONE";
    case error_code::invalid_message:
      return "INVALID_MESSAGE";
    case error_code::invalid_connect:
      return "INVALID_CONNECT";
    case error_code::invalid_request:
      return "INVALID_REQUEST";
    case error_code::unknown_message_type:
      return "UNKNOWN_MESSAGE_TYPE";
    case error_code::rate_limited:
      return "RATE_LIMITED";
    case error_code::payload_too_large:
      return "PAYLOAD_TOO_LARGE";
    case error_code::auth_failed:
      return "AUTH_FAILED";
    case error_code::auth_required:
      return "AUTH_REQUIRED";
    case error_code::forbidden:
      return "FORBIDDEN";
    case error_code::not_registered:
      return "NOT_REGISTERED";
    case error_code::group_not_found:
      return "GROUP_NOT_FOUND";
    case error_code::node_not_found:
      return "NODE_NOT_FOUND";
    case error_code::node_not_approved:
      return "NODE_NOT_APPROVED";
    case error_code::max_nodes_reached:
      return "MAX_NODES_REACHED";
    case error_code::unavailable:
      return "UNAVAILABLE";
    case error_code::internal:
      return "INTERNAL";
    case error_code::queue_full:
      return "QUEUE_FULL";
    case error_code::agent_not_found:
      return "AGENT_NOT_FOUND";
    case error_code::session_busy:
      return "SESSION_BUSY";
    case error_code::cancelled:
      return "CANCELLED";
    case error_code::storage_failure:
      return "STORAGE_FAILURE";
    case error_code::config_invalid:
      return "CONFIG_INVALID";
  }
  // A value outside the enum (e.g. a number read from a newer peer).
  return "INTERNAL";
}

} // namespace wingman::protocol
