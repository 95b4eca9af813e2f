// The file tools `ls`, `read_file`, `write_file` and `edit_file`, each
// confined to the call's working folder through `confined_dir`. Called on an
// executor thread (see tool_executor.hpp), one call per thread.
#pragma once

#include <string>
#include <string_view>

#include "providers/tools/tool_registry.hpp"

namespace wingman::tools {

/// Adds `ls`, `read_file`, `write_file` and `edit_file` to `reg`.
void add_file_tools(tool_registry& reg);

/// True when the first 8 KiB of `data` hold a NUL byte (how every tool
/// tells binary files from text).
bool looks_binary(std::string_view data) noexcept;

} // namespace wingman::tools
