// `wingman webhooks list|create|delete|rotate` and `wingman routines
// list|create|delete|run`: the automation registries over the gateway's
// HTTP API (docs/http_api.md). Output is a readable table, or the API's JSON
// with `--json`. Exit code 0 on success, 1 when the gateway refuses (its
// error message is printed) or cannot be reached, 2 on bad usage.
#pragma once

#include <string>
#include <vector>

#include "protocol/config.hpp"

namespace wingman::tools {

/// Where the gateway is and how to authenticate (shared by both commands).
struct api_options {
  std::string gateway_url;  ///< Empty: http://<config host>:<port file or config port>.
  std::string token;        ///< Empty: WINGMAN_GATEWAY_TOKEN, else the config's.
  std::string password;     ///< Empty: the config's.
  bool json = false;        ///< Print the API's JSON instead of a table.
};

/// Options of `wingman webhooks ...`.
struct webhook_options {
  std::string action;  ///< list, create, delete, rotate.
  std::string id;      ///< delete, rotate.
  std::string name;
  std::string agent;
  std::string preset;
  std::string event_label;
  std::string session;
  std::vector<std::string> allowlist;
};

/// Options of `wingman routines ...`.
struct routine_options {
  std::string action;  ///< list, create, delete, run.
  std::string id;      ///< delete, run.
  std::string name;
  std::string agent;
  std::string cron;
  std::string prompt;
  std::string timezone;
  std::string missed_policy;  ///< skip | run-once; empty = server default.
  std::string session;
  bool disabled = false;
  bool wait = false;   ///< run: wait for the run to finish.
};

int run_webhooks_command(const protocol::gateway_config& cfg, const api_options& api,
                         const webhook_options& o);
int run_routines_command(const protocol::gateway_config& cfg, const api_options& api,
                         const routine_options& o);

} // namespace wingman::tools
