#include "providers/provider_registry.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "providers/wire_internal.hpp"

namespace wingman::providers {

namespace {

protocol::error config_error(std::string message) {
  return protocol::error{protocol::error_code::config_invalid,
                         std::move(message)};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

/// Sets header `name` (replacing a same-named one) to `value`.
void set_header(header_list& headers, std::string name, std::string value) {
  for (auto& h : headers) {
    if (iequals(h.first, name)) {
      h = {std::move(name), std::move(value)};
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

/// The stored `{apiKey, baseUrl}` of `name` in the credentials file.
struct stored_entry {
  std::string api_key;
  std::string base_url;
};

protocol::expected<stored_entry> read_stored(std::string_view text,
                                             std::string_view name) {
  stored_entry out;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return out;
  rapidjson::Document doc;
  if (auto err = detail::parse_json(text, doc); !err.empty())
    return config_error(std::string{name} + ": credentials file: " + err);
  if (!doc.IsObject())
    return config_error(std::string{name}
                        + ": credentials file: expected a JSON object");
  const auto* all = detail::find_member(doc, "providers");
  if (!all || !all->IsObject())
    return out;
  auto it = all->FindMember(rapidjson::Value{
    rapidjson::StringRef(name.data(),
                         static_cast<rapidjson::SizeType>(name.size()))});
  if (it == all->MemberEnd() || !it->value.IsObject())
    return out;
  out.api_key = std::string{detail::string_member(it->value, "apiKey")
                              .value_or("")};
  out.base_url = std::string{detail::string_member(it->value, "baseUrl")
                               .value_or("")};
  return out;
}

/// The problem of a configured entry that is not a built-in, if any.
protocol::status check_entry(const protocol::provider_config& c) {
  if (c.type.empty())
    return config_error("providers." + c.name
                        + ".type: required for a provider that is not "
                          "built in (\"openai\" or \"anthropic\")");
  if (c.base_url.empty())
    return config_error("providers." + c.name
                        + ".baseUrl: required for a provider that is not "
                          "built in");
  return protocol::ok();
}

/// The API key for `p` (empty: none), setting `p.key_source`.
protocol::expected<std::string> find_key(resolved_provider& p,
                                         const protocol::provider_config& cfg,
                                         const builtin_provider* builtin,
                                         const env_lookup& env,
                                         const std::string& stored_key) {
  std::string var = cfg.api_key_env;
  if (var.empty() && builtin)
    var = std::string{builtin->api_key_env};
  if (!var.empty() && env) {
    if (auto v = env(var); v && !v->empty()) {
      p.key_source = "env:" + var;
      return *v;
    }
  }
  if (!stored_key.empty()) {
    p.key_source = "credentials";
    return stored_key;
  }
  bool required = !cfg.api_key_env.empty()
                  || (builtin && builtin->key_required);
  if (required)
    return config_error(p.name + ": no API key: set "
                        + (var.empty() ? std::string{"an API key"} : var)
                        + " or add it in Settings");
  p.key_source = "none";
  return std::string{};
}

/// Content negotiation, auth for `type` (when `key` is set), then `extra`.
header_list request_headers(provider_type type, const std::string& key,
                            const header_list& extra) {
  header_list out{{"content-type", "application/json"},
                  {"accept", "text/event-stream"}};
  if (type == provider_type::anthropic) {
    if (!key.empty())
      out.emplace_back("x-api-key", key);
    out.emplace_back("anthropic-version", "2023-06-01");
  } else if (!key.empty()) {
    out.emplace_back("authorization", "Bearer " + key);
  }
  for (const auto& [name, value] : extra)
    set_header(out, name, value);
  return out;
}

std::string trim_slashes(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

} // namespace

const std::vector<builtin_provider>& builtin_providers() {
  static const std::vector<builtin_provider> list{
    {"openai", provider_type::openai, "https://api.openai.com/v1",
     "OPENAI_API_KEY", true},
    {"anthropic", provider_type::anthropic, "https://api.anthropic.com/v1",
     "ANTHROPIC_API_KEY", true},
    {"lmstudio", provider_type::openai, "http://localhost:1234/v1",
     "LMSTUDIO_API_KEY", false},
    {"ollama", provider_type::openai, "http://localhost:11434/v1", "", false},
    {"openrouter", provider_type::openai, "https://openrouter.ai/api/v1",
     "OPENROUTER_API_KEY", true},
    {"xai", provider_type::openai, "https://api.x.ai/v1", "XAI_API_KEY", true},
  };
  return list;
}

const builtin_provider* find_builtin_provider(std::string_view name) noexcept {
  for (const auto& p : builtin_providers())
    if (p.name == name)
      return &p;
  return nullptr;
}

std::optional<std::string> process_env(std::string_view name) {
  if (const char* v = std::getenv(std::string{name}.c_str()))
    return std::string{v};
  return std::nullopt;
}

provider_registry::provider_registry() = default;

provider_registry::provider_registry(
  std::vector<protocol::provider_config> configured)
  : configured_(std::move(configured)) {}

bool provider_registry::knows(std::string_view name) const noexcept {
  if (find_builtin_provider(name))
    return true;
  return std::any_of(configured_.begin(), configured_.end(),
                     [&](const auto& c) { return c.name == name; });
}

std::vector<std::string> provider_registry::names() const {
  std::vector<std::string> out;
  for (const auto& p : builtin_providers())
    out.emplace_back(p.name);
  for (const auto& c : configured_)
    if (!find_builtin_provider(c.name))
      out.push_back(c.name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

protocol::status provider_registry::check() const {
  for (const auto& c : configured_) {
    if (find_builtin_provider(c.name))
      continue;
    if (auto st = check_entry(c); !st)
      return st;
  }
  return protocol::ok();
}

protocol::expected<provider_registry::endpoint>
provider_registry::lookup(std::string_view name,
                          std::string_view credentials_json) const {
  endpoint out;
  out.builtin = find_builtin_provider(name);
  for (const auto& c : configured_)
    if (c.name == name)
      out.entry = &c;
  if (!out.builtin && !out.entry) {
    std::string known;
    for (const auto& n : names())
      known += (known.empty() ? "" : ", ") + n;
    return config_error("unknown model provider \"" + std::string{name}
                        + "\" (known: " + known
                        + "; others can be added under \"providers\" in the "
                          "config)");
  }
  if (!out.builtin)
    if (auto st = check_entry(*out.entry); !st)
      return st.error();
  static const protocol::provider_config defaults;
  const auto& cfg = out.entry ? *out.entry : defaults;
  out.type = out.builtin ? out.builtin->type : provider_type::openai;
  if (auto t = parse_provider_type(cfg.type))
    out.type = *t;
  auto stored = read_stored(credentials_json, name);
  if (!stored)
    return stored.error();
  std::string base = cfg.base_url;
  if (base.empty())
    base = stored->base_url;
  if (base.empty() && out.builtin)
    base = std::string{out.builtin->base_url};
  out.base_url = trim_slashes(std::move(base));
  out.stored_key = std::move(stored->api_key);
  return out;
}

protocol::expected<resolved_provider>
provider_registry::resolve(std::string_view model_string,
                           const env_lookup& env,
                           std::string_view credentials_json) const {
  auto spec = parse_model_spec(model_string);
  if (!spec)
    return protocol::error{protocol::error_code::invalid_request,
                           "invalid model \"" + std::string{model_string}
                             + "\" (expected provider:model)"};
  if (spec->provider == "echo")
    return protocol::error{protocol::error_code::invalid_request,
                           "echo is the built-in local model, not a network "
                           "provider"};
  auto ep = lookup(spec->provider, credentials_json);
  if (!ep)
    return ep.error();
  protocol::provider_config defaults;
  const auto& cfg = ep->entry ? *ep->entry : defaults;
  resolved_provider out;
  out.name = spec->provider;
  out.model = spec->model;
  out.type = ep->type;
  out.base_url = ep->base_url;
  out.endpoint = out.base_url
                 + (out.type == provider_type::anthropic ? "/messages"
                                                         : "/chat/completions");
  auto key = find_key(out, cfg, ep->builtin, env, ep->stored_key);
  if (!key)
    return key.error();
  out.headers = request_headers(out.type, *key, cfg.headers);
  out.connect_timeout = std::chrono::milliseconds{cfg.connect_timeout_ms};
  out.first_byte_timeout = std::chrono::milliseconds{cfg.first_byte_timeout_ms};
  out.idle_timeout = std::chrono::milliseconds{cfg.idle_timeout_ms};
  out.max_retries = cfg.max_retries;
  out.limits = stream_limits{cfg.max_event_bytes, cfg.max_tool_args_bytes,
                             cfg.max_tool_calls};
  out.native_pdf = cfg.native_pdf;
  return out;
}

protocol::expected<provider_summary>
provider_registry::describe(std::string_view name, const env_lookup& env,
                            std::string_view credentials_json) const {
  auto ep = lookup(name, credentials_json);
  if (!ep)
    return ep.error();
  protocol::provider_config defaults;
  const auto& cfg = ep->entry ? *ep->entry : defaults;
  provider_summary out;
  out.name = std::string{name};
  out.type = ep->type;
  out.base_url = ep->base_url;
  out.from_config = ep->entry != nullptr;
  resolved_provider probe;
  probe.name = out.name;
  auto key = find_key(probe, cfg, ep->builtin, env, ep->stored_key);
  out.ready = key.has_value();
  out.key_source = !key ? "none"
                   : probe.key_source.rfind("env:", 0) == 0 ? "env"
                                                            : probe.key_source;
  return out;
}

} // namespace wingman::providers
