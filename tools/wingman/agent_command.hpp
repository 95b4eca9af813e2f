// `wingman agent [--agent id] [--session key] [--gateway url] [--token t]
// "prompt"`: sends one request and streams the reply text to stdout. Exit
// code 0 on agent-complete, 1 on agent-error or connection failure.
// `--local` runs the turn in-process without a gateway.
#pragma once

#include <string>

#include "protocol/config.hpp"

namespace wingman::tools {

/// Options of `wingman agent`.
struct agent_options {
  std::string agent;
  std::string session;
  std::string gateway_url;  ///< Empty: ws://<config host>:<port file or config port>/ws.
  std::string token;
  std::string password;
  std::string prompt;
  bool local = false;
  int timeout_s = 600;
};

/// Runs the command. Returns the exit code.
int run_agent_command(const protocol::gateway_config& cfg, const agent_options& o);

} // namespace wingman::tools
