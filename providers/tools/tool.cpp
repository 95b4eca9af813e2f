#include "providers/tools/tool.hpp"

#include <utility>

namespace wingman::tools {

tool_result tool_error(std::string message) {
  tool_result r;
  r.is_error = true;
  r.summary = message.substr(0, 200);
  r.content = std::move(message);
  return r;
}

} // namespace wingman::tools
