#include "tools/wingman/automation_command.hpp"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "protocol/automation.hpp"
#include "protocol/body.hpp"
#include "protocol/records.hpp"
#include "transport/client.hpp"

namespace wingman::tools {

namespace {

using protocol::json_string;

/// The gateway's HTTP API, authenticated.
class api_client {
 public:
  api_client(const protocol::gateway_config& cfg, const api_options& o) {
    std::string url = o.gateway_url;
    if (url.empty()) {
      long port = cfg.port;
      std::ifstream pf{cfg.state_dir + "/gateway.port"};
      pf >> port;
      url = "http://" + cfg.host + ":" + std::to_string(port);
    }
    url_ = url;
    if (auto parts = transport::parse_url(url)) {
      host_ = parts->host;
      port_ = parts->port;
    }
    std::string token = o.token;
    if (token.empty())
      if (const char* env = std::getenv("WINGMAN_GATEWAY_TOKEN"))
        token = env;
    if (token.empty())
      token = cfg.token;
    auto password = o.password.empty() ? cfg.password : o.password;
    if (!token.empty())
      headers_.emplace_back("Authorization", "Bearer " + token);
    if (!password.empty())
      headers_.emplace_back("X-Wingman-Password", password);
    headers_.emplace_back("Content-Type", "application/json");
  }

  bool valid() const { return port_ != 0; }
  const std::string& url() const { return url_; }

  /// Calls the API; on failure prints why and returns nullopt.
  std::optional<std::string> call(const std::string& method, const std::string& target,
                                  const std::string& body = {},
                                  std::chrono::seconds timeout = std::chrono::seconds{30}) {
    auto r = transport::http_call(host_, port_, method, target, headers_, body,
                                  timeout);
    if (!r.error.empty()) {
      std::cerr << "wingman: cannot reach the gateway at " << url_ << ": " << r.error
                << "\n";
      return std::nullopt;
    }
    if (r.status < 200 || r.status >= 300) {
      auto fields = protocol::decode_string_fields(r.body, {"error"});
      std::string why = fields && fields->count("error") && (*fields)["error"]
                          ? *(*fields)["error"]
                          : r.body;
      std::cerr << "wingman: " << method << " " << target << ": HTTP " << r.status
                << ": " << why << "\n";
      return std::nullopt;
    }
    return r.body;
  }

 private:
  std::string url_;
  std::string host_;
  uint16_t port_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
};

std::string when(int64_t ms) {
  if (ms <= 0)
    return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M");
  return out.str();
}

/// Prints rows as left-aligned columns.
void table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      width.resize(std::max(width.size(), row.size()));
      width[i] = std::max(width[i], row[i].size());
    }
  for (auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i)
      std::cout << row[i]
                << (i + 1 < row.size() ? std::string(width[i] - row[i].size() + 2, ' ')
                                       : "\n");
  }
}

int usage(const std::string& what) {
  std::cerr << "wingman: " << what << "\n";
  return 2;
}

/// `,"key":"value"` when value is not empty.
std::string member(const char* key, const std::string& value) {
  return value.empty() ? "" : std::string{",\""} + key + "\":" + json_string(value);
}

int list_webhooks(api_client& api, bool json) {
  auto body = api.call("GET", "/api/webhooks");
  if (!body)
    return 1;
  if (json) {
    std::cout << *body << "\n";
    return 0;
  }
  auto items = protocol::split_json_array(*body);
  if (!items) {
    std::cerr << "wingman: unexpected answer: " << items.error().message << "\n";
    return 1;
  }
  std::vector<std::vector<std::string>> rows{
    {"ID", "NAME", "AGENT", "ENABLED", "PRESET", "LAST TRIGGER", "URL"}};
  for (auto& item : *items) {
    auto w = protocol::decode_webhook(item);
    if (!w)
      continue;
    rows.push_back({w->id, w->name, w->agent_id, w->enabled ? "yes" : "no",
                    w->preset.empty() ? "-" : w->preset, when(w->last_triggered_at),
                    api.url() + "/webhooks/" + w->id});
  }
  table(rows);
  return 0;
}

void print_secret(api_client& api, const std::string& body) {
  auto w = protocol::decode_webhook(body);
  if (!w)
    return;
  std::cout << "webhook " << w->id << " (" << w->name << ")\n"
            << "  url:    " << api.url() << "/webhooks/" << w->id << "\n"
            << "  secret: " << w->secret << "\n"
            << "The secret is shown only now; send it in the x-wingman-secret header.\n";
}

int list_routines(api_client& api, bool json) {
  auto body = api.call("GET", "/api/routines");
  if (!body)
    return 1;
  if (json) {
    std::cout << *body << "\n";
    return 0;
  }
  auto items = protocol::split_json_array(*body);
  if (!items) {
    std::cerr << "wingman: unexpected answer: " << items.error().message << "\n";
    return 1;
  }
  std::vector<std::vector<std::string>> rows{
    {"ID", "NAME", "AGENT", "CRON", "TZ", "ENABLED", "NEXT RUN", "LAST RUN"}};
  for (auto& item : *items) {
    auto r = protocol::decode_routine(item);
    if (!r)
      continue;
    rows.push_back({r->id, r->name, r->agent_id, r->cron,
                    r->timezone.empty() ? "UTC" : r->timezone, r->enabled ? "yes" : "no",
                    when(r->next_run_at), when(r->last_run_at)});
  }
  table(rows);
  return 0;
}

} // namespace

int run_webhooks_command(const protocol::gateway_config& cfg, const api_options& opts,
                         const webhook_options& o) {
  api_client api{cfg, opts};
  if (!api.valid())
    return usage("invalid gateway URL " + api.url());
  if (o.action == "list")
    return list_webhooks(api, opts.json);
  if (o.action == "create") {
    if (o.name.empty() || o.agent.empty())
      return usage("webhooks create needs --name and --agent");
    std::string body = "{\"name\":" + json_string(o.name)
                       + ",\"agentId\":" + json_string(o.agent)
                       + member("preset", o.preset) + member("eventLabel", o.event_label)
                       + member("sessionId", o.session);
    if (!o.allowlist.empty()) {
      std::vector<std::string> cidrs;
      for (auto& c : o.allowlist)
        cidrs.push_back(json_string(c));
      body += ",\"allowlist\":" + protocol::json_array(cidrs);
    }
    body += "}";
    auto made = api.call("POST", "/api/webhooks", body);
    if (!made)
      return 1;
    opts.json ? void(std::cout << *made << "\n") : print_secret(api, *made);
    return 0;
  }
  if (o.id.empty())
    return usage("webhooks " + o.action + " needs the webhook id");
  if (o.action == "delete") {
    auto done = api.call("DELETE", "/api/webhooks/" + o.id);
    if (!done)
      return 1;
    std::cout << (opts.json ? *done : "deleted " + o.id) << "\n";
    return 0;
  }
  if (o.action == "rotate") {
    auto rotated = api.call("POST", "/api/webhooks/" + o.id + "/rotate");
    if (!rotated)
      return 1;
    opts.json ? void(std::cout << *rotated << "\n") : print_secret(api, *rotated);
    return 0;
  }
  return usage("unknown webhooks action " + o.action);
}

int run_routines_command(const protocol::gateway_config& cfg, const api_options& opts,
                         const routine_options& o) {
  api_client api{cfg, opts};
  if (!api.valid())
    return usage("invalid gateway URL " + api.url());
  if (o.action == "list")
    return list_routines(api, opts.json);
  if (o.action == "create") {
    if (o.name.empty() || o.agent.empty() || o.cron.empty() || o.prompt.empty())
      return usage("routines create needs --name, --agent, --cron and --prompt");
    std::string body = "{\"name\":" + json_string(o.name)
                       + ",\"agentId\":" + json_string(o.agent)
                       + ",\"cron\":" + json_string(o.cron)
                       + ",\"prompt\":" + json_string(o.prompt)
                       + member("timezone", o.timezone)
                       + member("missedRunPolicy", o.missed_policy)
                       + member("sessionId", o.session)
                       + (o.disabled ? ",\"enabled\":false" : "") + "}";
    auto made = api.call("POST", "/api/routines", body);
    if (!made)
      return 1;
    if (opts.json) {
      std::cout << *made << "\n";
      return 0;
    }
    if (auto r = protocol::decode_routine(*made))
      std::cout << "routine " << r->id << " (" << r->name << "), next run "
                << when(r->next_run_at) << "\n";
    return 0;
  }
  if (o.id.empty())
    return usage("routines " + o.action + " needs the routine id");
  if (o.action == "delete") {
    auto done = api.call("DELETE", "/api/routines/" + o.id);
    if (!done)
      return 1;
    std::cout << (opts.json ? *done : "deleted " + o.id) << "\n";
    return 0;
  }
  if (o.action == "run") {
    auto target = "/api/routines/" + o.id + "/run" + (o.wait ? "?wait=true" : "");
    auto ran = api.call("POST", target, {}, std::chrono::seconds{o.wait ? 600 : 30});
    if (!ran)
      return 1;
    if (opts.json) {
      std::cout << *ran << "\n";
      return 0;
    }
    if (o.wait) {
      auto run = protocol::decode_routine_run(*ran);
      if (run)
        std::cout << "run " << run->request_id << ": " << run->status << " in "
                  << (run->finished_at - run->started_at) << " ms (session "
                  << run->session_id << ")\n";
      return 0;
    }
    auto fields = protocol::decode_string_fields(*ran, {"requestId", "sessionId"});
    if (fields && (*fields)["requestId"] && (*fields)["sessionId"])
      std::cout << "queued " << *(*fields)["requestId"] << " in session "
                << *(*fields)["sessionId"] << "\n";
    return 0;
  }
  return usage("unknown routines action " + o.action);
}

} // namespace wingman::tools
