// Finds and loads the configuration: `--config`, then
// `./.wingman/wingman.config.json`, then `~/.wingman/wingman.config.json`,
// then the embedded default. Applies command-line overrides and the
// `WINGMAN_GATEWAY_TOKEN` environment variable.
#pragma once

#include <optional>
#include <string>

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

/// `$HOME`, or the passwd entry's home.
std::string home_dir();

} // namespace wingman::tools
