// Private pieces of the agent file parser shared by protocol/agent_file.cpp
// (front matter, dispatch) and protocol/agent_file_json.cpp (agent.json).
//
// Not part of the library's interface: include it only from protocol/*.cpp.
#pragma once

#include <string>
#include <string_view>

#include "protocol/agent_file.hpp"
#include "protocol/expected.hpp"

namespace wingman::protocol::detail {

/// Parses an `agent.json` text. Requires: `id` passed `validate_agent_id`.
expected<agent_file> parse_agent_json(std::string_view text,
                                      std::string_view id,
                                      std::string_view file_name);

/// The message for a `model` value that fails `is_model_string`.
inline std::string model_form() {
  return "expected provider:model (e.g. lmstudio:qwen2.5-7b-instruct) or "
         "echo";
}

/// `"<text>"`, JSON-escaped and cut to about 60 characters, for messages.
std::string quote_value(std::string_view text);

} // namespace wingman::protocol::detail
