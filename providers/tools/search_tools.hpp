// The search tools `glob` and `grep`, confined to the call's working folder:
// both walk folders from a descriptor (`openat` + `O_NOFOLLOW`) and never
// descend into a symlinked folder. Called on an executor thread.
#pragma once

#include <string_view>

#include "providers/tools/tool_registry.hpp"

namespace wingman::tools {

/// Adds `glob` and `grep` to `reg`.
void add_search_tools(tool_registry& reg);

/// True when `path` (components separated by `/`) matches the glob
/// `pattern`: `*` matches any run of characters except `/`, `?` one
/// character except `/`, `[abc]`, `[a-z]` and `[!a-z]` (or `[^a-z]`) one
/// character of a class, and a `**` component any number of components
/// (including none). Everything else matches itself; `\` escapes the next
/// character.
bool glob_match(std::string_view pattern, std::string_view path) noexcept;

} // namespace wingman::tools
