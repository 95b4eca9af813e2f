// What a client needs to read from a gateway frame, decoded without exposing
// RapidJSON: used by the CLI (`wingman agent`) and the load tools. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wingman::protocol {

/// The fields of an outbound frame a client acts on.
struct client_view {
  std::string type;           ///< Envelope `type`.
  std::string id;             ///< Envelope `id`.
  std::optional<bool> ok;     ///< `res.ok`.
  std::string payload_text;   ///< `payload` when it is a string (res).
  std::string event;          ///< `payload.type` of event:agent / `payload.status` of ack.
  std::string text;           ///< Text delta of an agent-stream chunk.
  std::string message;        ///< `payload.error` (agent-error) or `payload.message` (error).
  std::string code;           ///< `payload.code`.
  std::string response;       ///< `payload.result.response` (agent-complete).
};

/// Decodes `frame`; nullopt if it is not a JSON object with a string `type`.
std::optional<client_view> view_frame(std::string_view frame);

} // namespace wingman::protocol
