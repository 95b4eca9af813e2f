// Finds and loads the configuration: `--config`, then
// `./.wingman/wingman.config.json`, then `~/.wingman/wingman.config.json`,
// then the embedded default. With a config file, the agent files under
// `<configDir>/agents/<id>/` (configDir: the folder of that file) are loaded
// too. Applies command-line overrides and the `WINGMAN_GATEWAY_TOKEN`
// environment variable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocol/agent_file.hpp"
#include "protocol/config.hpp"
#include "protocol/expected.hpp"

namespace wingman::tools {

/// Command-line overrides (empty/unset = keep the file's value).
struct config_overrides {
  std::string config_path;
  std::string host;
  std::optional<int> port;
  std::string auth_mode;
  std::string token;
  std::string password;
  std::string state_dir;
};

/// Loads the effective configuration.
protocol::expected<protocol::gateway_config>
load_config(const config_overrides& o);

/// Reads the agent files `<config_dir>/agents/<id>/agent.md` or
/// `.../agent.json`, in folder name order. Folders with neither file (e.g.
/// an agent's state folder when configDir is the stateDir) and names
/// starting with `.` are skipped; a folder with both files, an unreadable
/// or oversized file and any parse error are errors naming the file. No
/// `agents` folder means no agent files.
protocol::expected<std::vector<protocol::agent_file>>
load_agent_files(const std::string& config_dir);

/// The folder `wingman init` writes to and the gateway reads last:
/// `~/.wingman`.
std::string default_config_dir();

/// `$HOME`, or the passwd entry's home.
std::string home_dir();

} // namespace wingman::tools
