#include "protocol/config.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <filesystem>
#include <initializer_list>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rapidjson/error/en.h>

#include "protocol/codec.hpp"
#include "protocol/json_internal.hpp"

namespace wingman::protocol {

namespace detail {

std::string describe(const rapidjson::Value& v) {
  if (v.IsArray())
    return "an array";
  if (v.IsObject())
    return "an object";
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  v.Accept(w);
  std::string text{buf.GetString(), buf.GetSize()};
  if (text.size() > 64)
    text = preview(text, 60) + "...";
  return text;
}

} // namespace detail

namespace {

using rapidjson::Value;
using detail::describe;

constexpr int64_t int_max = INT_MAX;
constexpr int64_t max_bytes = int64_t{1} << 40;


/// `s` as a JSON string literal, for error messages.
std::string quote_text(std::string_view s) {
  rapidjson::StringBuffer buf;
  detail::json_writer w{buf};
  detail::write_string(w, preview(s, 60));
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string member_path(std::string_view path, std::string_view key) {
  return detail::join_path(path, key);
}

std::string index_path(std::string_view path, size_t i) {
  return std::string{path} + '[' + std::to_string(i) + ']';
}

/// Walks the config document. Keeps the first error; collects warnings.
class config_parser {
 public:
  config_parser(std::string_view file, const path_context& ctx,
                std::string_view env_token,
                const std::vector<agent_config>& file_agents,
                gateway_config& cfg)
    : file_(file), ctx_(ctx), env_token_(env_token),
      file_agents_(file_agents), cfg_(cfg) {}

  bool ok() const noexcept { return error_.empty(); }
  const std::string& error_message() const noexcept { return error_; }

  /// Records `<file>: <path>: <what>` unless an error is already recorded.
  /// Always returns false, so callers can `return fail(...)`.
  bool fail(std::string_view path, std::string_view what) {
    if (ok()) {
      error_ = std::string{file_} + ": " + std::string{path} + ": "
               + std::string{what};
    }
    return false;
  }

  bool expected_form(std::string_view path, std::string_view form,
                     const Value& got) {
    return fail(path, "expected " + std::string{form} + ", got "
                        + describe(got));
  }

  /// Adds one warning per member of `obj` whose name is not in `known`.
  void warn_unknown(const Value& obj, std::string_view path,
                    std::initializer_list<std::string_view> known) {
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      auto name = detail::view_of(it->name);
      if (std::find(known.begin(), known.end(), name) == known.end())
        cfg_.warnings.push_back("unknown key " + member_path(path, name)
                                + " (ignored)");
    }
  }

  /// Member `key` of `obj`, or null when absent or JSON null.
  static const Value* find(const Value& obj, const char* key) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || it->value.IsNull())
      return nullptr;
    return &it->value;
  }

  /// Member `key` as an object; null when absent (or on a type error).
  const Value* object(const Value& obj, const char* key,
                      std::string_view path) {
    const Value* v = find(obj, key);
    if (v && !v->IsObject()) {
      expected_form(member_path(path, key), "an object", *v);
      return nullptr;
    }
    return v;
  }

  bool string(const Value& obj, const char* key, std::string_view path,
              std::string& out, bool non_empty = false) {
    const Value* v = find(obj, key);
    if (!v)
      return true;
    if (!v->IsString() || (non_empty && v->GetStringLength() == 0))
      return expected_form(member_path(path, key),
                           non_empty ? "a non-empty string" : "a string", *v);
    out.assign(v->GetString(), v->GetStringLength());
    return true;
  }

  /// Like `string`, then expands the path.
  bool path_value(const Value& obj, const char* key, std::string_view path,
                  std::string& out) {
    std::string raw;
    if (!string(obj, key, path, raw, true))
      return false;
    if (!raw.empty())
      out = expand_path(raw, ctx_);
    return true;
  }

  bool boolean(const Value& obj, const char* key, std::string_view path,
               bool& out) {
    const Value* v = find(obj, key);
    if (!v)
      return true;
    if (!v->IsBool())
      return expected_form(member_path(path, key), "true or false", *v);
    out = v->GetBool();
    return true;
  }

  template <class Int>
  bool integer(const Value& obj, const char* key, std::string_view path,
               int64_t min, int64_t max, Int& out) {
    const Value* v = find(obj, key);
    if (!v)
      return true;
    if (!v->IsInt64() || v->GetInt64() < min || v->GetInt64() > max)
      return expected_form(member_path(path, key),
                           "an integer from " + std::to_string(min) + " to "
                             + std::to_string(max),
                           *v);
    out = static_cast<Int>(v->GetInt64());
    return true;
  }

  /// An integer count of `unit`s into `out`.
  template <class Unit>
  bool duration(const Value& obj, const char* key, std::string_view path,
                int64_t min, int64_t max, std::chrono::milliseconds& out) {
    int64_t n = -1;
    if (!integer(obj, key, path, min, max, n))
      return false;
    if (n >= 0)
      out = std::chrono::duration_cast<std::chrono::milliseconds>(Unit{n});
    return true;
  }

  bool string_list(const Value& obj, const char* key, std::string_view path,
                   std::vector<std::string>& out, bool expand) {
    const Value* v = find(obj, key);
    if (!v)
      return true;
    auto list_path = member_path(path, key);
    if (!v->IsArray())
      return expected_form(list_path, "an array of strings", *v);
    out.clear();
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const Value& item = (*v)[i];
      if (!item.IsString() || item.GetStringLength() == 0)
        return expected_form(index_path(list_path, i), "a non-empty string",
                             item);
      std::string s{detail::view_of(item)};
      out.push_back(expand ? expand_path(s, ctx_) : std::move(s));
    }
    return true;
  }

  // -- sections ---------------------------------------------------------------

  bool parse_root(const Value& root);
  bool parse_gateway(const Value& gw);
  bool parse_auth(const Value& auth);
  bool parse_control_ui(const Value& ui);
  bool parse_limits(const Value& limits);
  bool parse_storage(const Value& storage);
  bool parse_tools(const Value& tools);
  bool parse_terminal(const Value& terminal);
  bool parse_turns(const Value& turns);
  bool parse_agents(const Value* agents);
  bool parse_agent(const Value& item, const std::string& path,
                   agent_config& agent);
  bool add_file_agents();
  bool parse_bindings(const Value& list, std::string_view path);
  bool parse_match(const Value& match, const std::string& path,
                   binding_match& out);
  bool resolve_default(const Value& root);
  bool check_auth();
  bool parse_providers(const Value& providers);
  bool parse_provider(const Value& item, const std::string& path,
                      provider_config& out);

 private:
  std::string_view file_;
  const path_context& ctx_;
  std::string_view env_token_;  // WINGMAN_GATEWAY_TOKEN; may be empty
  const std::vector<agent_config>& file_agents_;  // from agent files
  gateway_config& cfg_;
  std::string error_;
  bool auth_mode_set_ = false;  // gateway.auth.mode was given
};

bool config_parser::parse_root(const Value& root) {
  warn_unknown(root, {},
               {"gateway", "agents", "defaultAgent", "voice", "providers"});
  const Value* gw = object(root, "gateway", {});
  if (!ok())
    return false;
  const Value* voice = object(root, "voice", {});
  if (!ok())
    return false;
  if (voice) {
    rapidjson::StringBuffer buf;
    detail::json_writer w{buf};
    voice->Accept(w);
    cfg_.voice_json.assign(buf.GetString(), buf.GetSize());
  }
  if (gw && !parse_gateway(*gw))
    return false;
  if (!cfg_.state_dir.empty() && cfg_.fs_roots.empty()
      && !(gw && find(*gw, "fsRoots")))
    cfg_.fs_roots.push_back(cfg_.state_dir + "/outputs");
  if (!check_auth())
    return false;
  const Value* providers = object(root, "providers", {});
  if (!ok() || (providers && !parse_providers(*providers)))
    return false;
  const Value* agents = object(root, "agents", {});
  if (!ok() || !parse_agents(agents))
    return false;
  return resolve_default(root);
}

bool config_parser::parse_gateway(const Value& gw) {
  constexpr std::string_view p = "gateway";
  warn_unknown(gw, p,
               {"host", "port", "stateDir", "fsRoots", "auth", "controlUi",
                "ioThreads", "workerThreads", "limits", "storage", "tools",
                "turns"});
  if (!string(gw, "host", p, cfg_.host, true)
      || !integer(gw, "port", p, 0, 65535, cfg_.port)
      || !path_value(gw, "stateDir", p, cfg_.state_dir)
      || !string_list(gw, "fsRoots", p, cfg_.fs_roots, true)
      || !integer(gw, "ioThreads", p, 1, 256, cfg_.io_threads)
      || !integer(gw, "workerThreads", p, 0, 1024, cfg_.worker_threads))
    return false;
  const Value* auth = object(gw, "auth", p);
  if (!ok() || (auth && !parse_auth(*auth)))
    return false;
  const Value* ui = object(gw, "controlUi", p);
  if (!ok() || (ui && !parse_control_ui(*ui)))
    return false;
  const Value* limits = object(gw, "limits", p);
  if (!ok() || (limits && !parse_limits(*limits)))
    return false;
  const Value* storage = object(gw, "storage", p);
  if (!ok() || (storage && !parse_storage(*storage)))
    return false;
  const Value* tools = object(gw, "tools", p);
  if (!ok() || (tools && !parse_tools(*tools)))
    return false;
  const Value* turns = object(gw, "turns", p);
  return ok() && (!turns || parse_turns(*turns));
}

bool config_parser::parse_auth(const Value& auth) {
  constexpr std::string_view p = "gateway.auth";
  warn_unknown(auth, p, {"mode", "token", "password", "allowTailscale"});
  bool tailscale = false;  // accepted for compatibility, not used
  if (!string(auth, "token", p, cfg_.token)
      || !string(auth, "password", p, cfg_.password)
      || !boolean(auth, "allowTailscale", p, tailscale))
    return false;
  const Value* mode = find(auth, "mode");
  if (!mode)
    return true;
  auto name = mode->IsString() ? detail::view_of(*mode) : std::string_view{};
  if (name == "token")
    cfg_.auth = auth_mode::token;
  else if (name == "password")
    cfg_.auth = auth_mode::password;
  else if (name == "none")
    cfg_.auth = auth_mode::none;
  else
    return expected_form("gateway.auth.mode",
                         "one of \"token\", \"password\", \"none\"", *mode);
  auth_mode_set_ = true;
  return true;
}

bool config_parser::check_auth() {
  if (!env_token_.empty())
    cfg_.token = std::string{env_token_};
  if (!auth_mode_set_) {
    // Unset mode: on as soon as a secret is configured.
    if (!cfg_.token.empty())
      cfg_.auth = auth_mode::token;
    else if (!cfg_.password.empty())
      cfg_.auth = auth_mode::password;
    else
      cfg_.auth = auth_mode::none;
  }
  switch (cfg_.auth) {
    case auth_mode::token:
      if (cfg_.token.empty())
        return fail("gateway.auth.token",
                    "auth mode token needs a token (set gateway.auth.token "
                    "or WINGMAN_GATEWAY_TOKEN)");
      break;
    case auth_mode::password:
      if (cfg_.password.empty())
        return fail("gateway.auth.password",
                    "auth mode password needs a password");
      break;
    case auth_mode::none:
      if (!is_loopback_host(cfg_.host))
        return fail("gateway.auth.mode",
                    "auth mode none is only allowed on a loopback host");
      break;
  }
  return true;
}

bool config_parser::parse_control_ui(const Value& ui) {
  constexpr std::string_view p = "gateway.controlUi";
  warn_unknown(ui, p,
               {"enabled", "port", "pairingRequired", "allowInsecureAuth",
                "allowUnauthenticatedLoopback", "allowedOrigins"});
  // pairingRequired and allowInsecureAuth are accepted and type-checked;
  // gateway_config has no member for them yet.
  bool unused = false;
  return boolean(ui, "enabled", p, cfg_.control_ui_enabled)
         && integer(ui, "port", p, 0, 65535, cfg_.control_ui_port)
         && boolean(ui, "pairingRequired", p, unused)
         && boolean(ui, "allowInsecureAuth", p, unused)
         && boolean(ui, "allowUnauthenticatedLoopback", p,
                    cfg_.allow_unauthenticated_loopback)
         && string_list(ui, "allowedOrigins", p, cfg_.cors_origins, false);
}

bool config_parser::parse_limits(const Value& limits) {
  constexpr std::string_view p = "gateway.limits";
  auto& l = cfg_.limits;
  warn_unknown(limits, p,
               {"maxFrameBytes", "writeQueueBytes", "sessionQueueDepth",
                "pingIntervalSeconds", "idleTimeoutSeconds", "maxHttpBodyBytes",
                "authFailuresPerMinute", "httpTimeoutSeconds",
                "sessionIdleSeconds"});
  return integer(limits, "maxFrameBytes", p, 1, max_bytes, l.max_frame_bytes)
         && integer(limits, "writeQueueBytes", p, 1, max_bytes,
                    l.write_queue_bytes)
         && integer(limits, "sessionQueueDepth", p, 1, 1'000'000,
                    l.session_queue_depth)
         && integer(limits, "pingIntervalSeconds", p, 1, int_max,
                    l.ping_interval_s)
         && integer(limits, "idleTimeoutSeconds", p, 1, int_max,
                    l.idle_timeout_s)
         && integer(limits, "maxHttpBodyBytes", p, 1, max_bytes,
                    l.max_http_body_bytes)
         && integer(limits, "authFailuresPerMinute", p, 1, int_max,
                    l.auth_failures_per_minute)
         && integer(limits, "httpTimeoutSeconds", p, 1, int_max,
                    l.http_timeout_s)
         && integer(limits, "sessionIdleSeconds", p, 1, int_max,
                    l.session_idle_s);
}

bool config_parser::parse_tools(const Value& tools) {
  constexpr std::string_view p = "gateway.tools";
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  auto& t = cfg_.tools;
  warn_unknown(tools, p,
               {"maxArgumentBytes", "lsMaxEntries", "readMaxBytes", "writeMaxBytes",
                "walkMaxEntries", "globMaxResults", "grepMaxMatches",
                "grepMaxOutputBytes", "grepMaxFileBytes", "grepMaxLineBytes",
                "maxPatternBytes", "commandTimeoutSeconds", "commandMaxTimeoutSeconds",
                "maxOutputBytes", "killGraceMs", "blockList", "terminal",
                "executorThreads", "webhookCommands"});
  constexpr int64_t max_bytes = int64_t{1} << 40;
  constexpr int64_t max_count = int64_t{1} << 32;
  constexpr int64_t day_s = 86'400;
  if (!(integer(tools, "maxArgumentBytes", p, 1, max_bytes, t.max_argument_bytes)
        && integer(tools, "lsMaxEntries", p, 1, max_count, t.ls_max_entries)
        && integer(tools, "readMaxBytes", p, 1, max_bytes, t.read_max_bytes)
        && integer(tools, "writeMaxBytes", p, 1, max_bytes, t.write_max_bytes)
        && integer(tools, "walkMaxEntries", p, 1, max_count, t.walk_max_entries)
        && integer(tools, "globMaxResults", p, 1, max_count, t.glob_max_results)
        && integer(tools, "grepMaxMatches", p, 1, max_count, t.grep_max_matches)
        && integer(tools, "grepMaxOutputBytes", p, 1, max_bytes, t.grep_max_output_bytes)
        && integer(tools, "grepMaxFileBytes", p, 1, max_bytes, t.grep_max_file_bytes)
        && integer(tools, "grepMaxLineBytes", p, 1, max_bytes, t.grep_max_line_bytes)
        && integer(tools, "maxPatternBytes", p, 1, max_bytes, t.max_pattern_bytes)
        && duration<seconds>(tools, "commandTimeoutSeconds", p, 1, day_s, t.command_timeout)
        && duration<seconds>(tools, "commandMaxTimeoutSeconds", p, 1, day_s,
                             t.command_max_timeout)
        && integer(tools, "maxOutputBytes", p, 1, max_bytes, t.command_max_output_bytes)
        && duration<milliseconds>(tools, "killGraceMs", p, 0, day_s * 1000, t.kill_grace)
        && string_list(tools, "blockList", p, t.block_list, false)
        && integer(tools, "executorThreads", p, 1, 256, t.executor_threads)
        && boolean(tools, "webhookCommands", p, t.webhook_commands)))
    return false;
  if (t.command_timeout > t.command_max_timeout)
    return fail(member_path(p, "commandTimeoutSeconds"),
                "must not exceed commandMaxTimeoutSeconds");
  const Value* terminal = object(tools, "terminal", p);
  return ok() && (!terminal || parse_terminal(*terminal));
}

bool config_parser::parse_terminal(const Value& terminal) {
  constexpr std::string_view p = "gateway.tools.terminal";
  auto& t = cfg_.tools;
  warn_unknown(terminal, p,
               {"maxPerOwner", "maxTotal", "bufferBytes", "idleMinutes", "maxInputBytes"});
  return integer(terminal, "maxPerOwner", p, 1, 10'000, t.terminal_max_per_owner)
         && integer(terminal, "maxTotal", p, 1, 100'000, t.terminal_max_total)
         && integer(terminal, "bufferBytes", p, 1, int64_t{1} << 32, t.terminal_buffer_bytes)
         && duration<std::chrono::minutes>(terminal, "idleMinutes", p, 1, 525'600,
                                           t.terminal_idle)
         && integer(terminal, "maxInputBytes", p, 1, int64_t{1} << 32,
                    t.terminal_max_input_bytes);
}

bool config_parser::parse_turns(const Value& turns) {
  constexpr std::string_view p = "gateway.turns";
  auto& t = cfg_.turns;
  warn_unknown(turns, p, {"maxToolSteps", "historyMaxMessages", "historyMaxChars",
                          "pdfMaxBytes", "pdfMaxPages", "pdfMaxChars"});
  return integer(turns, "maxToolSteps", p, 1, 1000, t.max_tool_steps)
         && integer(turns, "historyMaxMessages", p, 1, 1'000'000, t.history_max_messages)
         && integer(turns, "historyMaxChars", p, 1, int64_t{1} << 32, t.history_max_chars)
         && integer(turns, "pdfMaxBytes", p, 1, int64_t{1} << 32, t.pdf_max_bytes)
         && integer(turns, "pdfMaxPages", p, 1, 100'000, t.pdf_max_pages)
         && integer(turns, "pdfMaxChars", p, 1, int64_t{1} << 32, t.pdf_max_chars);
}

bool config_parser::parse_storage(const Value& storage) {
  constexpr std::string_view p = "gateway.storage";
  warn_unknown(storage, p, {"mapSizeMb", "sync"});
  int64_t map_mb = 0;
  if (!integer(storage, "mapSizeMb", p, 1, int64_t{1} << 24, map_mb)
      || !boolean(storage, "sync", p, cfg_.storage.sync))
    return false;
  if (map_mb > 0)
    cfg_.storage.map_size_bytes = static_cast<uint64_t>(map_mb) << 20;
  return true;
}

bool config_parser::parse_agents(const Value* agents) {
  if (agents)
    warn_unknown(*agents, "agents", {"list", "bindings"});
  const Value* list = agents ? find(*agents, "list") : nullptr;
  if (list && !list->IsArray())
    return expected_form("agents.list", "an array of agents", *list);
  if (list) {
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      agent_config agent;
      if (!parse_agent((*list)[i], index_path("agents.list", i), agent))
        return false;
      cfg_.agents.push_back(std::move(agent));
    }
  }
  if (!add_file_agents())
    return false;
  if (cfg_.agents.empty()) {
    agent_config main;
    main.id = "main";
    cfg_.agents.push_back(std::move(main));
  }
  for (auto& agent : cfg_.agents) {
    if (agent.name.empty())
      agent.name = agent.id;
    if (agent.workspace.empty())
      agent.workspace = cfg_.state_dir + "/outputs/" + agent.id;
    if (agent.agent_dir.empty())
      agent.agent_dir = cfg_.state_dir + "/agents/" + agent.id;
  }
  const Value* bindings = agents ? find(*agents, "bindings") : nullptr;
  if (!bindings)
    return true;
  if (!bindings->IsArray())
    return expected_form("agents.bindings", "an array of bindings",
                         *bindings);
  return parse_bindings(*bindings, "agents.bindings");
}

bool config_parser::add_file_agents() {
  for (const auto& agent : file_agents_) {
    for (size_t i = 0; i < cfg_.agents.size(); ++i) {
      if (cfg_.agents[i].id != agent.id)
        continue;
      auto where = cfg_.agents[i].source_file;
      return fail(where.empty() ? index_path("agents.list", i) + ".id"
                                : std::string{"agents"},
                  "agent " + quote_text(agent.id) + " is also defined in "
                    + agent.source_file
                    + (where.empty() ? std::string{} : " and " + where)
                    + " (define each agent in one place)");
    }
    cfg_.agents.push_back(agent);
  }
  return true;
}

bool config_parser::parse_agent(const Value& item, const std::string& p,
                                agent_config& agent) {
  if (!item.IsObject())
    return expected_form(p, "an object", item);
  warn_unknown(item, p,
               {"id", "name", "description", "default", "workspace",
                "agentDir", "model", "prompt", "tools", "echo"});
  const Value* id = find(item, "id");
  auto id_path = member_path(p, "id");
  if (!id)
    return fail(id_path, "required key is missing");
  if (!id->IsString() || !validate_agent_id(detail::view_of(*id)).empty())
    return expected_form(
      id_path, "an agent id (1 to 64 characters of A-Z a-z 0-9 _ . -)", *id);
  agent.id = std::string{detail::view_of(*id)};
  for (const auto& other : cfg_.agents)
    if (other.id == agent.id)
      return fail(id_path, "duplicate agent id " + quote_text(agent.id));
  if (!string(item, "name", p, agent.name)
      || !string(item, "description", p, agent.description)
      || !boolean(item, "default", p, agent.is_default)
      || !path_value(item, "workspace", p, agent.workspace)
      || !path_value(item, "agentDir", p, agent.agent_dir)
      || !string(item, "model", p, agent.model, true)
      || !string(item, "prompt", p, agent.prompt)
      || !string_list(item, "tools", p, agent.tools, false))
    return false;
  const Value* echo = object(item, "echo", p);
  if (!ok())
    return false;
  if (!echo)
    return true;
  auto echo_path = member_path(p, "echo");
  warn_unknown(*echo, echo_path, {"delayMs", "chunks"});
  return integer(*echo, "delayMs", echo_path, 0, int_max, agent.echo.delay_ms)
         && integer(*echo, "chunks", echo_path, 1, 1000, agent.echo.chunks);
}

bool config_parser::parse_bindings(const Value& list, std::string_view path) {
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const Value& item = list[i];
    auto p = index_path(path, i);
    if (!item.IsObject())
      return expected_form(p, "an object", item);
    warn_unknown(item, p, {"agentId", "match"});
    binding b;
    const Value* agent = find(item, "agentId");
    if (!agent)
      return fail(member_path(p, "agentId"), "required key is missing");
    if (!agent->IsString())
      return expected_form(member_path(p, "agentId"), "an agent id", *agent);
    b.agent_id = std::string{detail::view_of(*agent)};
    auto known = [&](const agent_config& a) { return a.id == b.agent_id; };
    if (std::none_of(cfg_.agents.begin(), cfg_.agents.end(), known))
      return fail(member_path(p, "agentId"),
                  "unknown agent " + quote_text(b.agent_id));
    const Value* match = object(item, "match", p);
    if (!ok())
      return false;
    if (!match)
      return fail(member_path(p, "match"), "required key is missing");
    if (!parse_match(*match, member_path(p, "match"), b.match))
      return false;
    cfg_.bindings.push_back(std::move(b));
  }
  return true;
}

bool config_parser::parse_match(const Value& match, const std::string& p,
                                binding_match& out) {
  warn_unknown(match, p,
               {"channel", "accountId", "guildId", "teamId", "peer"});
  if (!find(match, "channel"))
    return fail(member_path(p, "channel"), "required key is missing");
  if (!string(match, "channel", p, out.channel, true)
      || !string(match, "accountId", p, out.account_id)
      || !string(match, "guildId", p, out.guild_id)
      || !string(match, "teamId", p, out.team_id))
    return false;
  const Value* peer = object(match, "peer", p);
  if (!ok())
    return false;
  if (!peer)
    return true;
  auto peer_path = member_path(p, "peer");
  warn_unknown(*peer, peer_path, {"kind", "id"});
  peer_ref ref;
  for (auto [key, slot] : {std::pair{"kind", &ref.kind},
                           std::pair{"id", &ref.id}}) {
    if (!find(*peer, key))
      return fail(member_path(peer_path, key), "required key is missing");
    if (!string(*peer, key, peer_path, *slot, true))
      return false;
  }
  out.peer = std::move(ref);
  return true;
}

// -- providers ----------------------------------------------------------------

/// 1 to 64 characters from `extra` plus ASCII letters and digits.
bool is_name(std::string_view s, std::string_view extra, bool digit_first) {
  if (s.empty() || s.size() > 64)
    return false;
  if (!digit_first && std::isdigit(static_cast<unsigned char>(s.front())))
    return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c))
           || extra.find(c) != std::string_view::npos;
  });
}

bool is_http_url(std::string_view s) {
  for (std::string_view scheme : {"http://", "https://"})
    if (s.size() > scheme.size() && s.substr(0, scheme.size()) == scheme)
      return s.find_first_of(" \t\r\n") == std::string_view::npos;
  return false;
}

bool config_parser::parse_providers(const Value& providers) {
  for (auto it = providers.MemberBegin(); it != providers.MemberEnd(); ++it) {
    provider_config entry;
    entry.name = std::string{detail::view_of(it->name)};
    auto p = member_path("providers", entry.name);
    if (!is_name(entry.name, "_.-", true))
      return fail(p, "expected a provider name of 1 to 64 characters of "
                     "A-Z a-z 0-9 _ . -");
    if (!parse_provider(it->value, p, entry))
      return false;
    cfg_.providers.push_back(std::move(entry));
  }
  return true;
}

bool config_parser::parse_provider(const Value& item, const std::string& p,
                                   provider_config& out) {
  if (!item.IsObject())
    return expected_form(p, "an object", item);
  warn_unknown(item, p,
               {"type", "baseUrl", "apiKeyEnv", "apiKey", "headers",
                "connectTimeoutMs", "firstByteTimeoutMs", "idleTimeoutMs",
                "maxRetries", "maxEventBytes", "maxToolArgsBytes",
                "maxToolCalls", "nativePdf"});
  if (find(item, "apiKey"))
    return fail(member_path(p, "apiKey"),
                "API keys are not allowed in the config file (use apiKeyEnv, "
                "or Settings, which stores keys in <stateDir>/credentials.json)");
  if (!string(item, "type", p, out.type) || !string(item, "baseUrl", p,
                                                    out.base_url)
      || !string(item, "apiKeyEnv", p, out.api_key_env))
    return false;
  if (!out.type.empty() && out.type != "openai" && out.type != "anthropic")
    return expected_form(member_path(p, "type"),
                         "\"openai\" or \"anthropic\"", *find(item, "type"));
  if (find(item, "baseUrl") && !is_http_url(out.base_url))
    return expected_form(member_path(p, "baseUrl"),
                         "an http:// or https:// URL", *find(item, "baseUrl"));
  if (find(item, "apiKeyEnv") && !is_name(out.api_key_env, "_", false))
    return expected_form(member_path(p, "apiKeyEnv"),
                         "an environment variable name (A-Z a-z 0-9 _)",
                         *find(item, "apiKeyEnv"));
  if (!integer(item, "connectTimeoutMs", p, 1, int_max, out.connect_timeout_ms)
      || !integer(item, "firstByteTimeoutMs", p, 1, int_max,
                  out.first_byte_timeout_ms)
      || !integer(item, "idleTimeoutMs", p, 1, int_max, out.idle_timeout_ms)
      || !integer(item, "maxRetries", p, 0, 10, out.max_retries)
      || !integer(item, "maxEventBytes", p, 1, max_bytes, out.max_event_bytes)
      || !integer(item, "maxToolArgsBytes", p, 1, max_bytes,
                  out.max_tool_args_bytes)
      || !integer(item, "maxToolCalls", p, 1, 100'000, out.max_tool_calls))
    return false;
  if (find(item, "nativePdf")) {
    bool native = false;
    if (!boolean(item, "nativePdf", p, native))
      return false;
    out.native_pdf = native;
  }
  const Value* headers = object(item, "headers", p);
  if (!ok())
    return false;
  if (!headers)
    return true;
  auto headers_path = member_path(p, "headers");
  for (auto it = headers->MemberBegin(); it != headers->MemberEnd(); ++it) {
    auto name = detail::view_of(it->name);
    auto h = member_path(headers_path, name);
    if (!is_name(name, "!#$%&'*+-.^_`|~", true))
      return fail(h, "expected an HTTP header name");
    if (!it->value.IsString())
      return expected_form(h, "a string", it->value);
    auto value = detail::view_of(it->value);
    if (value.find_first_of(std::string_view{"\r\n\0", 3})
        != std::string_view::npos)
      return fail(h, "a header value cannot contain CR, LF or NUL");
    out.headers.emplace_back(std::string{name}, std::string{value});
  }
  return true;
}

bool config_parser::resolve_default(const Value& root) {
  const Value* named = find(root, "defaultAgent");
  if (named) {
    if (!named->IsString() || named->GetStringLength() == 0)
      return expected_form("defaultAgent", "an agent id", *named);
    cfg_.default_agent = std::string{detail::view_of(*named)};
    auto known = [&](const agent_config& a) {
      return a.id == cfg_.default_agent;
    };
    if (std::none_of(cfg_.agents.begin(), cfg_.agents.end(), known))
      return fail("defaultAgent",
                  "unknown agent " + quote_text(cfg_.default_agent));
    return true;
  }
  std::string marked;
  for (size_t i = 0; i < cfg_.agents.size(); ++i) {
    if (!cfg_.agents[i].is_default)
      continue;
    if (marked.empty())
      marked = cfg_.agents[i].id;
    else
      cfg_.warnings.push_back(
        (cfg_.agents[i].source_file.empty()
           ? index_path("agents.list", i) + ".default"
           : cfg_.agents[i].source_file + ": default")
        + ": another agent is already the default (using "
        + quote_text(marked) + ")");
  }
  cfg_.default_agent = marked.empty() ? cfg_.agents.front().id : marked;
  return true;
}

} // namespace

std::string expand_path(std::string_view path, const path_context& ctx) {
  namespace fs = std::filesystem;
  if (path.empty() || path.front() == '/')
    return std::string{path};
  fs::path joined;
  if (path == "~" || path.substr(0, 2) == "~/") {
    if (ctx.home.empty())
      return std::string{path};
    auto rest = path.substr(path.size() > 1 ? 2 : 1);
    joined = fs::path{ctx.home} / std::string{rest};
  } else {
    if (ctx.config_dir.empty())
      return std::string{path};
    joined = fs::path{ctx.config_dir} / std::string{path};
  }
  std::string out = joined.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  return out;
}

void set_state_dir(gateway_config& cfg, std::string dir) {
  const std::string old = cfg.state_dir;
  auto move = [&](std::string& path, const std::string& suffix) {
    if (path == old + suffix)
      path = dir + suffix;
  };
  for (auto& root : cfg.fs_roots)
    move(root, "/outputs");
  for (auto& a : cfg.agents) {
    move(a.workspace, "/outputs/" + a.id);
    move(a.agent_dir, "/agents/" + a.id);
  }
  cfg.state_dir = std::move(dir);
}

gateway_config default_config(const path_context& ctx) {
  gateway_config cfg;
  cfg.state_dir = expand_path("~/.wingman", ctx);
  cfg.fs_roots.push_back(cfg.state_dir + "/outputs");
  agent_config main;
  main.id = "main";
  main.name = "main";
  main.workspace = cfg.state_dir + "/outputs/main";
  main.agent_dir = cfg.state_dir + "/agents/main";
  cfg.agents.push_back(std::move(main));
  cfg.default_agent = "main";
  return cfg;
}

expected<gateway_config> parse_config(
  std::string_view text, std::string_view file_name, const path_context& ctx,
  std::string_view env_token, const std::vector<agent_config>& file_agents) {
  auto fail = [&](std::string message) -> expected<gateway_config> {
    return protocol::error{error_code::config_invalid,
                           std::string{file_name} + ": " + message};
  };
  rapidjson::Document doc;
  doc.Parse<detail::parse_flags>(text.data(), text.size());
  if (doc.HasParseError())
    return fail("invalid JSON at offset " + std::to_string(doc.GetErrorOffset())
                + ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject())
    return fail("top level: expected an object, got " + describe(doc));
  gateway_config cfg;
  cfg.source = std::string{file_name};
  cfg.state_dir = expand_path("~/.wingman", ctx);
  config_parser parser{file_name, ctx, env_token, file_agents, cfg};
  if (!parser.parse_root(doc))
    return protocol::error{error_code::config_invalid,
                           parser.error_message()};
  return cfg;
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host.size() > 63)
    return false;
  char buf[64];
  std::fill(std::begin(buf), std::end(buf), '\0');
  for (size_t i = 0; i < host.size(); ++i)
    buf[i] = static_cast<char>(
      std::tolower(static_cast<unsigned char>(host[i])));
  std::string_view lower{buf, host.size()};
  if (lower == "localhost" || lower == "localhost.")
    return true;
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) != 1)
    return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6))
    return true;
  // IPv4-mapped 127.0.0.0/8 (::ffff:127.x.y.z).
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

} // namespace wingman::protocol
