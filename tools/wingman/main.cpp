// `wingman`: the gateway daemon and its CLI in one binary.
//
//   wingman gateway run|start|stop|restart|status|health|token --generate
//   wingman agent [--agent id] [--session key] [--gateway url] [--token t] "prompt"
//   wingman agent --local "prompt"
//   wingman webhooks list|create|delete|rotate
//   wingman routines list|create|delete|run
//   wingman init [--dir D] [--agent id] [--model m] [--force]
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/wingman/agent_command.hpp"
#include "tools/wingman/automation_command.hpp"
#include "tools/wingman/config_loader.hpp"
#include "tools/wingman/daemon.hpp"
#include "tools/wingman/init_command.hpp"

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

  tools::api_options api;
  auto add_api_flags = [&](CLI::App* cmd) {
    cmd->add_option("--gateway", api.gateway_url, "Gateway URL (http://host:port)");
    cmd->add_option("--token", api.token, "Auth token (default WINGMAN_GATEWAY_TOKEN)");
    cmd->add_option("--password", api.password, "Auth password");
    cmd->add_option("--config", o.config_path, "Path to wingman.config.json");
    cmd->add_flag("--json", api.json, "Print the API's JSON");
  };

  tools::webhook_options wo;
  auto* hooks = app.add_subcommand("webhooks", "Manage webhooks (POST /webhooks/<id>)");
  hooks->require_subcommand(1);
  auto* hooks_list = hooks->add_subcommand("list", "List webhooks");
  auto* hooks_create = hooks->add_subcommand("create", "Create a webhook; prints its secret once");
  hooks_create->add_option("--name", wo.name, "Name")->required();
  hooks_create->add_option("--agent", wo.agent, "Agent id")->required();
  hooks_create->add_option("--preset", wo.preset, "gog-gmail | github");
  hooks_create->add_option("--event-label", wo.event_label, "Label shown to the agent");
  hooks_create->add_option("--session", wo.session, "Session key (default agent:<agent>:webhook:<id>)");
  hooks_create->add_option("--allow", wo.allowlist, "Allowed source CIDR (repeatable)");
  auto* hooks_delete = hooks->add_subcommand("delete", "Delete a webhook");
  auto* hooks_rotate = hooks->add_subcommand("rotate", "Issue a new secret; prints it once");
  for (auto* cmd : {hooks_delete, hooks_rotate})
    cmd->add_option("id", wo.id, "Webhook id")->required();
  for (auto* cmd : {hooks_list, hooks_create, hooks_delete, hooks_rotate})
    add_api_flags(cmd);

  tools::routine_options ro;
  auto* routines = app.add_subcommand("routines", "Manage cron routines");
  routines->require_subcommand(1);
  auto* routines_list = routines->add_subcommand("list", "List routines");
  auto* routines_create = routines->add_subcommand("create", "Create a routine");
  routines_create->add_option("--name", ro.name, "Name")->required();
  routines_create->add_option("--agent", ro.agent, "Agent id")->required();
  routines_create->add_option("--cron", ro.cron, "Cron expression, e.g. \"0 8 * * mon-fri\"")
    ->required();
  routines_create->add_option("--prompt", ro.prompt, "Prompt sent at each run")->required();
  routines_create->add_option("--timezone", ro.timezone, "IANA time zone (default UTC)");
  routines_create->add_option("--missed", ro.missed_policy, "skip | run-once (after downtime)");
  routines_create->add_option("--session", ro.session, "Session key (default agent:<agent>:routine:<id>)");
  routines_create->add_flag("--disabled", ro.disabled, "Create it disabled");
  auto* routines_delete = routines->add_subcommand("delete", "Delete a routine and its history");
  auto* routines_run = routines->add_subcommand("run", "Run a routine now");
  routines_run->add_flag("--wait", ro.wait,
                         "Wait for the run to finish (up to the gateway's HTTP timeout)");
  for (auto* cmd : {routines_delete, routines_run})
    cmd->add_option("id", ro.id, "Routine id")->required();
  for (auto* cmd : {routines_list, routines_create, routines_delete, routines_run})
    add_api_flags(cmd);

  tools::init_options io;
  auto* init = app.add_subcommand(
    "init", "Write a starter config and agent (default folder ~/.wingman)");
  init->add_option("--dir", io.dir,
                   "Folder for wingman.config.json and agents/ (default "
                   "~/.wingman)");
  init->add_option("--agent", io.agent, "Starter agent id (default main)");
  init->add_option("--model", io.model,
                   "Starter agent model: echo (default) or provider:model, "
                   "e.g. lmstudio:qwen2.5-7b-instruct");
  init->add_flag("--force", io.force, "Overwrite existing files");

  CLI11_PARSE(app, argc, argv);

  if (init->parsed())
    return tools::run_init_command(io);

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
  if (hooks->parsed()) {
    for (auto* cmd : hooks->get_subcommands())
      wo.action = cmd->get_name();
    return tools::run_webhooks_command(*cfg, api, wo);
  }
  if (routines->parsed()) {
    for (auto* cmd : routines->get_subcommands())
      ro.action = cmd->get_name();
    return tools::run_routines_command(*cfg, api, ro);
  }
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
