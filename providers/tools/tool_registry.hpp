// The table of tools by name: their specs for the model and their handlers,
// plus the allow-list rule of an agent's `tools` setting. Filled once at
// startup (`add`), then read-only: `execute` may run on several threads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/tools/cancel_flag.hpp"
#include "providers/tools/tool.hpp"
#include "providers/tools/tool_args.hpp"

namespace wingman::tools {

/// Runs one call with parsed arguments. Must not throw; must return soon
/// after `cancel` is set.
using tool_handler = std::function<tool_result(
  const tool_args& args, const tool_context& ctx, const cancel_flag& cancel)>;

/// True when the `tools` list `allowed` permits `name`: an empty list permits
/// nothing, `*` permits every tool, otherwise the exact name must be listed.
bool is_allowed(const std::vector<std::string>& allowed, std::string_view name);

/// Tools by name.
class tool_registry {
 public:
  /// Adds a tool. Requires: no tool of the same name yet.
  void add(tool_spec spec, tool_handler handler);

  /// Every tool's spec, in the order added.
  const std::vector<tool_spec>& specs() const noexcept { return specs_; }

  /// The specs the `tools` list `allowed` permits (what the model is shown).
  std::vector<tool_spec>
  specs_for(const std::vector<std::string>& allowed) const;

  /// Runs tool `name` with `arguments_json` (a JSON object). Unknown tool,
  /// tool not in `ctx.allowed_tools`, arguments that are not an object or
  /// have a missing or wrongly typed field, and a call cancelled before it
  /// starts all give `is_error` results naming the problem. The result's
  /// content and summary are valid UTF-8.
  tool_result execute(std::string_view name, std::string_view arguments_json,
                      const tool_context& ctx,
                      const cancel_flag& cancel) const;

 private:
  std::vector<tool_spec> specs_;
  std::vector<tool_handler> handlers_;  ///< Parallel to `specs_`.
};

/// The names of the tools `allowed` permits in `reg`, minus the ones that
/// run processes (`command_execute`, `background_terminal`): the tools list
/// of a turn whose prompt is untrusted (a webhook's).
std::vector<std::string> without_command_tools(const tool_registry& reg,
                                               const std::vector<std::string>& allowed);

} // namespace wingman::tools
