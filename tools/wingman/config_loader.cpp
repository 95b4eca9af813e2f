#include "tools/wingman/config_loader.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace wingman::tools {

namespace {

bool file_exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string cwd() {
  char buf[4096];
  return ::getcwd(buf, sizeof(buf)) ? std::string{buf} : std::string{"."};
}

protocol::error config_error(std::string msg) {
  return {protocol::error_code::config_invalid, std::move(msg)};
}

/// Reads a whole file, at most `max_bytes` (more is an error).
protocol::expected<std::string> read_text(const std::string& path,
                                          size_t max_bytes,
                                          std::string_view what) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return config_error(path + ": cannot read the " + std::string{what} + ": "
                        + std::strerror(errno));
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes)
      return config_error(path + ": the " + std::string{what}
                          + " is larger than " + std::to_string(max_bytes)
                          + " bytes");
  }
  if (in.bad())
    return config_error(path + ": cannot read the " + std::string{what});
  return text;
}

} // namespace

protocol::expected<std::vector<protocol::agent_file>>
load_agent_files(const std::string& config_dir) {
  namespace fs = std::filesystem;
  std::vector<protocol::agent_file> out;
  fs::path root = fs::path{config_dir} / "agents";
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return out;
  std::vector<std::string> names;
  for (fs::directory_iterator it{root, ec}, end; !ec && it != end;
       it.increment(ec)) {
    auto name = it->path().filename().string();
    std::error_code dir_ec;
    if (!name.empty() && name.front() != '.' && it->is_directory(dir_ec))
      names.push_back(std::move(name));
  }
  if (ec)
    return config_error(root.string() + ": cannot list the agents folder: "
                        + ec.message());
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    auto md = (root / name / "agent.md").string();
    auto json = (root / name / "agent.json").string();
    bool has_md = fs::exists(md, ec);
    bool has_json = fs::exists(json, ec);
    if (has_md && has_json)
      return config_error(md + " and " + json + " both define agent \"" + name
                          + "\"; keep one of them");
    if (!has_md && !has_json)
      continue;
    const auto& path = has_md ? md : json;
    auto text = read_text(path, protocol::max_agent_file_bytes, "agent file");
    if (!text)
      return text.error();
    auto parsed = protocol::parse_agent_file(
      *text,
      has_md ? protocol::agent_file_format::md
             : protocol::agent_file_format::json,
      name, path);
    if (!parsed)
      return parsed.error();
    out.push_back(std::move(*parsed));
  }
  return out;
}

std::string default_config_dir() { return home_dir() + "/.wingman"; }

std::string home_dir() {
  if (const char* h = std::getenv("HOME"); h && *h)
    return h;
  if (auto* pw = ::getpwuid(::getuid()); pw && pw->pw_dir)
    return pw->pw_dir;
  return "/";
}

protocol::expected<protocol::gateway_config>
load_config(const config_overrides& o) {
  std::string path = o.config_path;
  if (path.empty()) {
    for (auto candidate : {cwd() + "/.wingman/wingman.config.json",
                           home_dir() + "/.wingman/wingman.config.json"})
      if (file_exists(candidate)) {
        path = candidate;
        break;
      }
  }
  const char* env = std::getenv("WINGMAN_GATEWAY_TOKEN");
  std::string env_token = env ? env : "";
  if (!o.token.empty())
    env_token = o.token;  // --token wins over file and environment
  protocol::path_context ctx{home_dir(), cwd()};
  protocol::gateway_config cfg;
  if (path.empty()) {
    cfg = protocol::default_config(ctx);
    if (!env_token.empty()) {
      cfg.token = env_token;
      cfg.auth = protocol::auth_mode::token;
    }
  } else {
    std::ifstream in{path};
    if (!in)
      return config_error(path + ": cannot read the config file");
    std::stringstream text;
    text << in.rdbuf();
    ctx.config_dir = dir_of(path);
    auto files = load_agent_files(ctx.config_dir);
    if (!files)
      return files.error();
    std::vector<protocol::agent_config> file_agents;
    for (const auto& f : *files)
      file_agents.push_back(f.agent);
    auto parsed = protocol::parse_config(text.str(), path, ctx, env_token,
                                         file_agents);
    if (!parsed)
      return parsed.error();
    cfg = std::move(*parsed);
    cfg.source = path;
    for (const auto& f : *files)
      cfg.warnings.insert(cfg.warnings.end(), f.warnings.begin(),
                          f.warnings.end());
  }
  // Command-line overrides, validated like file values.
  if (!o.host.empty())
    cfg.host = o.host;
  if (o.port) {
    if (*o.port < 0 || *o.port > 65535)
      return config_error("--port: expected an integer from 0 to 65535");
    cfg.port = static_cast<uint16_t>(*o.port);
  }
  if (!o.state_dir.empty())
    protocol::set_state_dir(cfg, protocol::expand_path(o.state_dir, {home_dir(), cwd()}));
  if (!o.password.empty())
    cfg.password = o.password;
  if (!o.auth_mode.empty()) {
    if (o.auth_mode == "none")
      cfg.auth = protocol::auth_mode::none;
    else if (o.auth_mode == "token")
      cfg.auth = protocol::auth_mode::token;
    else if (o.auth_mode == "password")
      cfg.auth = protocol::auth_mode::password;
    else
      return config_error("--auth-mode: expected token, password or none, got \""
                          + o.auth_mode + "\"");
  } else if (!o.token.empty() && cfg.auth == protocol::auth_mode::none) {
    cfg.auth = protocol::auth_mode::token;
  } else if (!o.password.empty() && cfg.auth == protocol::auth_mode::none) {
    cfg.auth = protocol::auth_mode::password;
  }
  if (cfg.auth == protocol::auth_mode::token && cfg.token.empty())
    return config_error("auth mode token needs a token (--token, "
                        "gateway.auth.token or WINGMAN_GATEWAY_TOKEN)");
  if (cfg.auth == protocol::auth_mode::password && cfg.password.empty())
    return config_error("auth mode password needs a password (--password or "
                        "gateway.auth.password)");
  if (cfg.auth == protocol::auth_mode::none
      && !protocol::is_loopback_host(cfg.host))
    return config_error("auth mode none is only allowed on a loopback host (got "
                        + cfg.host + "); set --auth-mode token --token ...");
  return cfg;
}

} // namespace wingman::tools
