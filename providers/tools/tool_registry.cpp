#include "providers/tools/tool_registry.hpp"

#include <algorithm>
#include <cassert>

namespace wingman::tools {

bool is_allowed(const std::vector<std::string>& allowed,
                std::string_view name) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const auto& a) {
    return a == "*" || a == name;
  });
}

void tool_registry::add(tool_spec spec, tool_handler handler) {
  assert(std::none_of(specs_.begin(), specs_.end(),
                      [&](const tool_spec& s) { return s.name == spec.name; }));
  specs_.push_back(std::move(spec));
  handlers_.push_back(std::move(handler));
}

std::vector<tool_spec>
tool_registry::specs_for(const std::vector<std::string>& allowed) const {
  std::vector<tool_spec> out;
  for (const auto& s : specs_)
    if (is_allowed(allowed, s.name))
      out.push_back(s);
  return out;
}

tool_result tool_registry::execute(std::string_view name,
                                   std::string_view arguments_json,
                                   const tool_context& ctx,
                                   const cancel_flag& cancel) const {
  auto i = std::find_if(specs_.begin(), specs_.end(),
                        [&](const tool_spec& s) { return s.name == name; });
  if (i == specs_.end()) {
    std::string names;
    for (const auto& s : specs_for(ctx.allowed_tools))
      names += (names.empty() ? "" : ", ") + s.name;
    return tool_error("unknown tool \"" + std::string{name}
                      + "\"; available tools: "
                      + (names.empty() ? "none" : names));
  }
  if (!is_allowed(ctx.allowed_tools, name))
    return tool_error("tool \"" + std::string{name}
                      + "\" is not enabled for this agent");
  if (cancel.cancelled())
    return tool_error("cancelled");
  auto args = tool_args::parse(arguments_json, ctx.limits.max_argument_bytes);
  if (!args)
    return tool_error("invalid arguments for " + std::string{name} + ": "
                      + args.error().message);
  auto& handler = handlers_[static_cast<size_t>(i - specs_.begin())];
  auto result = handler(*args, ctx, cancel);
  result.content = to_valid_utf8(result.content);
  result.summary = to_valid_utf8(result.summary);
  return result;
}

std::vector<std::string> without_command_tools(const tool_registry& reg,
                                               const std::vector<std::string>& allowed) {
  std::vector<std::string> out;
  for (const auto& spec : reg.specs_for(allowed))
    if (spec.name != "command_execute" && spec.name != "background_terminal")
      out.push_back(spec.name);
  return out;
}

} // namespace wingman::tools
