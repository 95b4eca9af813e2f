// Agent files: an agent defined by its own file under the config folder,
// `<configDir>/agents/<id>/agent.md` (front matter plus prompt) or
// `<configDir>/agents/<id>/agent.json`. The folder name is the agent id.
//
// `parse_agent_file` is pure and thread-safe: the caller reads the file
// (tools/wingman/config_loader.cpp) and passes the agents to `parse_config`,
// which adds them after `agents.list` and fills the path defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/expected.hpp"

namespace wingman::protocol {

/// Largest agent file accepted, in bytes (larger files are an error).
inline constexpr size_t max_agent_file_bytes = size_t{1} << 20;

/// The two agent file formats.
enum class agent_file_format : uint8_t {
  md,    ///< `agent.md`: `---` front matter, then the prompt.
  json,  ///< `agent.json`: one object.
};

/// A parsed agent file.
struct agent_file {
  /// `id`, `name`, `description`, `model`, `tools`, `prompt`, `is_default`
  /// and `source_file` are set; `workspace` and `agent_dir` stay empty
  /// (`parse_config` fills them as for `agents.list` entries).
  agent_config agent;
  /// E.g. `agent.md:3: unknown key "color" (ignored)`.
  std::vector<std::string> warnings;
};

/// Parses the agent file `file_name` (used in messages and kept as
/// `source_file`) of agent `id` (its folder name).
///
/// `agent.md`: the file starts with a `---` line (after an optional UTF-8
/// BOM); lines up to the next `---` line are the front matter, the rest,
/// trimmed, is the prompt. Front matter lines are `key: value`, blank, or
/// `# comment`. Keys: `name`, `description`, `model`, `tools`, `default`
/// (`true`/`false`) and `id` (must equal the folder name); other keys are
/// warnings. Values are plain (a ` #` starts a comment), `"double"` (with
/// `\"`, `\\`, `\n`, `\t` escapes) or `'single'` quoted; `|` and `>` start a
/// block of more-indented lines (kept as lines / folded into one). `tools`
/// is a flow list `[a, "b c"]` or block list lines `- a` under `tools:`.
///
/// `agent.json`: an object with the same keys plus `prompt` (strings,
/// `tools` an array of strings, `default` a bool).
///
/// `model` is `echo` (the default) or `provider:model` with both parts
/// non-empty and no spaces; whether the provider exists is checked when the
/// gateway starts, as for `agents.list`.
///
/// Errors (`config_invalid`) read `<file>:<line>: <field>: <what>` (no line
/// for JSON), e.g. `a/agent.md:4: tools: expected a list ([a, b] or "- a"
/// lines), got "shell"`; an invalid `id` reads `<file>: agent id "x y"
/// (the folder name): ...`.
expected<agent_file> parse_agent_file(std::string_view text,
                                      agent_file_format format,
                                      std::string_view id,
                                      std::string_view file_name);

/// True for `echo` and for `provider:model` with both parts non-empty and
/// no whitespace or control characters.
bool is_model_string(std::string_view model) noexcept;

} // namespace wingman::protocol
