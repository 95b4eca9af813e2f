// The vocabulary of the agent's built-in tools: what a call runs in
// (`tool_context`), what it gives back (`tool_result`) and how a tool is
// described to the model (`tool_spec`). Plain values; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "providers/tools/tool_limits.hpp"

namespace wingman::tools {

/// Where and for whom one tool call runs.
struct tool_context {
  /// Absolute working folder: `<stateDir>/outputs/<agentId>/` or the session
  /// workdir (already validated against `gateway.fsRoots` by the caller).
  /// File tools are confined to it; commands run in it. Created on first use.
  std::string working_dir;
  /// The agent running the turn.
  std::string agent_id;
  /// The session of the turn; with `agent_id`, the owner of terminals.
  std::string session_key;
  /// The agent config's `tools` list: empty allows no tool, `*` allows every
  /// built-in tool, any other entry allows the tool of that exact name.
  std::vector<std::string> allowed_tools;
  /// Per-call limits (caps, timeouts, block list).
  tool_limits limits;
};

/// The outcome of one tool call.
struct tool_result {
  /// True when the call failed; `content` then says why, so the model can
  /// correct its call.
  bool is_error = false;
  /// Text given back to the model (valid UTF-8 when it comes from
  /// `tool_registry::execute`).
  std::string content;
  /// One short line for UI tool cards (e.g. `read 120 lines of a.txt`).
  std::string summary;
};

/// A failed call whose summary and content are both `message`.
tool_result tool_error(std::string message);

/// `text` with every byte that is not part of a valid UTF-8 sequence
/// replaced by U+FFFD, so results can go into JSON as they are.
std::string to_valid_utf8(std::string_view text);

/// How a tool is offered to the model.
struct tool_spec {
  /// Unique name, e.g. `read_file`.
  std::string name;
  /// What the tool does, for the model.
  std::string description;
  /// JSON Schema (an object schema) of the arguments, as JSON text.
  std::string parameters_json_schema;
};

} // namespace wingman::tools
