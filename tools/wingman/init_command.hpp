// `wingman init [--dir D] [--agent id] [--model m] [--force]`: writes a
// starter config `<D>/wingman.config.json` and a starter agent
// `<D>/agents/<id>/agent.md`, then prints what it wrote and the command to
// run next. `D` defaults to `~/.wingman`, where the gateway looks for its
// config when there is no `--config` and no `./.wingman/`. Existing files
// are kept unless `--force`.
#pragma once

#include <string>

namespace wingman::tools {

/// Options of `wingman init`.
struct init_options {
  std::string dir;              ///< Empty: `~/.wingman`.
  std::string agent = "main";   ///< The starter agent's id (folder name).
  std::string model = "echo";   ///< Its model: `echo` or `provider:model`.
  bool force = false;           ///< Overwrite existing files.
};

/// The starter config file text (no agents: they come from agent files).
std::string starter_config();

/// The starter `agent.md` for agent `id` on `model`.
std::string starter_agent(const std::string& id, const std::string& model);

/// Runs the command. Returns the exit code (0 written, 1 refused or failed).
int run_init_command(const init_options& o);

} // namespace wingman::tools
