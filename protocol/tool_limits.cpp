#include "protocol/tool_limits.hpp"

namespace wingman::protocol {

std::vector<std::string> default_block_list() {
  return {
    "rm -rf /",      "rm -fr /",   "rm -r -f /", "rm -f -r /",
    "rm -rf ~",      "rm -fr ~",   "rm -rf $HOME",
    "rm --no-preserve-root",       "mkfs",       "shutdown",
    "reboot",        "poweroff",   "halt",       "init 0",
    "init 6",        ":(){ :|:& };:",            "chmod -R 777 /",
  };
}

} // namespace wingman::protocol
