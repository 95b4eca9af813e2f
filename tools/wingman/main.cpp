// `wingman`: the gateway daemon and its CLI in one binary.
//
//   wingman gateway run|start|stop|restart|status|health|token --generate
//   wingman agent [--agent id] [--session key] [--gateway url] [--token t] "prompt"
//   wingman agent --local "prompt"
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/wingman/agent_command.hpp"
#include "tools/wingman/config_loader.hpp"
#include "tools/wingman/daemon.hpp"

namespace {

using namespace wingman;

/// Adds the flags shared by every gateway subcommand.
void add_gateway_flags(CLI::App* cmd, tools::config_overrides& o,
                       std::optional<int>& port) {
  cmd->add_option("--config", o.config_path, "Path to wingman.config.json");
  cmd->add_option("--host", o.host, "Bind address (default 127.0.0.1)");
  cmd->add_option("--port", port, "Port (default 18789; 0 = any free port)");
  cmd->add_option("--auth-mode", o.auth_mode, "token | password | none");
  cmd->add_option("--token", o.token, "Auth token (token mode)");
  cmd->add_option("--password", o.password, "Auth password (password mode)");
  cmd->add_option("--state-dir", o.state_dir, "State folder (default ~/.wingman)");
}

/// Loads the config or prints the error; nullopt means "exit 1".
std::optional<protocol::gateway_config> config_or_report(tools::config_overrides o,
                                                         std::optional<int> port) {
  o.port = port;
  auto cfg = tools::load_config(o);
  if (!cfg) {
    std::cerr << "wingman: config error: " << cfg.error().message << "\n";
    return std::nullopt;
  }
  return std::move(*cfg);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"wingman: the Wingman gateway for AI agents, and its CLI"};
  app.require_subcommand(1);
  app.set_version_flag("--version", WINGMAN_VERSION);

  tools::config_overrides o;
  std::optional<int> port;
  std::string log_level = "info";
  bool generate = false;

  auto* gw = app.add_subcommand("gateway", "Run and manage the gateway");
  gw->require_subcommand(1);
  auto* run = gw->add_subcommand("run", "Run the gateway in the foreground");
  auto* start = gw->add_subcommand("start", "Start the gateway as a daemon");
  auto* stop = gw->add_subcommand("stop", "Stop the daemon");
  auto* restart = gw->add_subcommand("restart", "Restart the daemon");
  auto* status = gw->add_subcommand("status", "Show whether the daemon runs");
  auto* health = gw->add_subcommand("health", "GET /health from a gateway");
  auto* token = gw->add_subcommand("token", "Token utilities");
  token->add_flag("--generate", generate, "Print a new random token");
  for (auto* cmd : {run, start, stop, restart, status, health}) {
    add_gateway_flags(cmd, o, port);
    cmd->add_option("--log-level", log_level,
                    "trace | debug | info | warn | error (default info)");
  }

  tools::agent_options ao;
  auto* agent = app.add_subcommand("agent", "Send a prompt to an agent");
  agent->add_option("--agent", ao.agent, "Agent id (default: by bindings)");
  agent->add_option("--session", ao.session, "Session key");
  agent->add_option("--gateway", ao.gateway_url, "Gateway URL (ws://host:port/ws)");
  agent->add_option("--token", ao.token, "Auth token");
  agent->add_option("--password", ao.password, "Auth password");
  agent->add_option("--timeout", ao.timeout_s, "Seconds to wait for the reply");
  agent->add_flag("--local", ao.local, "Run the turn in-process, without a gateway");
  agent->add_option("--config", o.config_path, "Path to wingman.config.json");
  agent->add_option("prompt", ao.prompt, "The prompt")->required();

  CLI11_PARSE(app, argc, argv);

  if (token->parsed()) {
    if (!generate) {
      std::cerr << "wingman: use `wingman gateway token --generate`\n";
      return 2;
    }
    std::cout << tools::generate_token() << "\n";
    return 0;
  }
  auto cfg = config_or_report(o, port);
  if (!cfg)
    return 1;
  if (agent->parsed())
    return tools::run_agent_command(*cfg, ao);
  if (run->parsed())
    return tools::run_gateway(*cfg, log_level);
  if (start->parsed())
    return tools::start_daemon(*cfg, log_level);
  if (stop->parsed())
    return tools::stop_daemon(*cfg);
  if (restart->parsed()) {
    tools::stop_daemon(*cfg);
    return tools::start_daemon(*cfg, log_level);
  }
  if (status->parsed())
    return tools::daemon_status(*cfg);
  if (health->parsed())
    return tools::check_health(cfg->host, cfg->port);
  return 2;
}
