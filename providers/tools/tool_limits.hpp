// The limits of the agent's built-in tools. They are plain config data, so
// they live in `protocol/tool_limits.hpp` (filled from `gateway.tools.*` by
// `parse_config`); this header names them in the tools' namespace.
#pragma once

#include "protocol/tool_limits.hpp"

namespace wingman::tools {

using protocol::default_block_list;
using protocol::tool_limits;

} // namespace wingman::tools
