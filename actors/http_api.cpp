#include "actors/http_api.hpp"

#include <algorithm>
#include <cstdio>

#include <unistd.h>

#include <caf/send.hpp>

#include "actors/auth.hpp"
#include "actors/http_admin.hpp"
#include "actors/http_automations.hpp"
#include "actors/webhook_intake.hpp"
#include "protocol/body.hpp"
#include "protocol/codec.hpp"
#include "protocol/records.hpp"
#include "protocol/routing.hpp"
#include "providers/tools/fs_guard.hpp"
#include "transport/http_util.hpp"
#include "ui/assets.hpp"

namespace wingman::actors {

using transport::http_request;
using transport::http_responder;
using transport::http_response;
using tools::fs_guard;
using tools::fs_verdict;

transport::http_response http_json(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

transport::http_response http_error(unsigned status, const std::string& message) {
  return http_json(status, "{\"error\":" + protocol::json_string(message) + "}");
}

std::string query_param(const http_request& req, const std::string& name) {
  for (auto& [k, v] : transport::parse_query(req.query))
    if (k == name)
      return v;
  return {};
}

namespace {

std::string num(int64_t v) { return std::to_string(v); }
std::string num(uint64_t v) { return std::to_string(v); }

/// This process's resident set size in bytes (/proc/self/statm), 0 if unknown.
uint64_t resident_bytes() {
  unsigned long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  int got = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return got == 2 ? uint64_t{resident} * static_cast<uint64_t>(sysconf(_SC_PAGESIZE))
                  : 0;
}

http_response method_not_allowed(const http_request& req, const char* allow) {
  auto r = http_error(405, "Method " + req.method + " not allowed on " + req.path);
  r.headers.emplace_back("Allow", allow);
  return r;
}

/// A random UUID v4 for sessions created over HTTP.
std::string uuid4() {
  auto h = random_hex(16);
  h[12] = '4';                                      // version 4
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];  // variant 10xx
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-"
         + h.substr(16, 4) + "-" + h.substr(20, 12);
}

class api final : public transport::http_handler {
 public:
  explicit api(http_context ctx) : ctx_(std::move(ctx)) {
    auto& c = *ctx_.config;
    for (auto port : {c.port, c.control_ui_port})
      for (auto host : {c.host, std::string{"127.0.0.1"}, std::string{"localhost"}})
        origins_.push_back("http://" + host + ":" + std::to_string(port));
    origins_.insert(origins_.end(), c.cors_origins.begin(), c.cors_origins.end());
  }

  void handle(http_request req, http_responder respond) override {
    auto cors = cors_headers(req);
    // Every answer carries the CORS headers of its origin.
    http_responder reply = [respond = std::move(respond),
                            cors](http_response r) mutable {
      r.headers.insert(r.headers.end(), cors.begin(), cors.end());
      respond(std::move(r));
    };
    route(req, reply);
  }

 private:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  header_list cors_headers(const http_request& req) const {
    auto* origin = req.header("origin");
    if (!origin || std::find(origins_.begin(), origins_.end(), *origin) == origins_.end())
      return {};
    return {{"Access-Control-Allow-Origin", *origin},
            {"Vary", "Origin"},
            {"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"},
            {"Access-Control-Allow-Headers",
             "Authorization, Content-Type, X-Wingman-Token, X-Wingman-Password"},
            {"Access-Control-Max-Age", "600"}};
  }

  void route(const http_request& req, http_responder& respond) {
    const auto& p = req.path;
    bool is_api = p.rfind("/api/", 0) == 0;
    if (req.method == "OPTIONS" && is_api) {
      auto* origin = req.header("origin");
      if (origin && cors_headers(req).empty())
        return respond(http_error(403, "Origin not allowed: " + *origin));
      return respond(http_json(204, {}));
    }
    if (p.rfind("/webhooks/", 0) == 0 && intake_.handle(ctx_, req, respond))
      return;  // authenticated by the webhook's own secret
    if (p == "/health" || p == "/api/health")
      return get_only(req, respond, [&] { return health(); });
    if (p == "/api/config")
      return get_only(req, respond, [&] { return config(); });
    if ((is_api || p == "/stats") && !authorized(req))
      return respond(http_error(401, "Unauthorized: send Authorization: Bearer "
                                     "<token>, X-Wingman-Token or X-Wingman-Password"));
    if (p == "/stats" || p == "/api/stats")
      return get_only(req, respond, [&] { return stats(); });
    if (p == "/api/sessions")
      return sessions(req, respond);
    static const std::string prefix = "/api/sessions/";
    if (p.rfind(prefix, 0) == 0)
      return session_routes(req, p.substr(prefix.size()), respond);
    if (is_api && handle_admin(ctx_, req, respond))
      return;
    if (is_api && handle_automations(ctx_, req, respond))
      return;
    if (!is_api && (req.method == "GET" || req.method == "HEAD"))
      if (auto* a = ui::find_asset(p)) {  // the Control UI, embedded
        http_response r;
        r.content_type = std::string{a->content_type};
        r.body = std::string{a->body};
        r.headers.emplace_back("Cache-Control", "no-cache");
        return respond(std::move(r));
      }
    respond(http_error(404, "Not found: " + p));
  }

  template <class F>
  void get_only(const http_request& req, http_responder& respond, F f) {
    if (req.method != "GET" && req.method != "HEAD")
      return respond(method_not_allowed(req, "GET"));
    respond(f());
  }

  bool authorized(const http_request& req) const {
    if (!ctx_.auth.required())
      return true;
    if (ctx_.config->allow_unauthenticated_loopback && req.remote_is_loopback)
      return true;
    if (auto* h = req.header("authorization")) {
      static const std::string bearer = "Bearer ";
      if (h->rfind(bearer, 0) == 0
          && ctx_.auth.check_secret(std::string_view{*h}.substr(bearer.size())))
        return true;
    }
    if (auto* h = req.header("x-wingman-token"))
      if (ctx_.auth.mode() == protocol::auth_mode::token && ctx_.auth.check_secret(*h))
        return true;
    if (auto* h = req.header("x-wingman-password"))
      if (ctx_.auth.mode() == protocol::auth_mode::password
          && ctx_.auth.check_secret(*h))
        return true;
    return false;
  }

  // -- core -------------------------------------------------------------------

  std::string uptime() const {
    return num(protocol::now_ms() - ctx_.metrics->started_at_ms);
  }

  http_response health() const {
    auto& m = *ctx_.metrics;
    return http_json(200,
                     std::string{"{\"status\":\"healthy\",\"version\":"}
                       + protocol::json_string(WINGMAN_VERSION) + ",\"stats\":{"
                       + "\"uptime\":" + uptime() + ",\"totalNodes\":0"
                       + ",\"totalGroups\":0,\"messagesProcessed\":"
                       + num(m.messages_processed.load()) + ",\"startedAt\":"
                       + num(m.started_at_ms) + ",\"activeSessions\":"
                       + num(m.active_sessions.load()) + "},\"timestamp\":"
                       + num(protocol::now_ms()) + "}");
  }

  http_response stats() const {
    auto& m = *ctx_.metrics;
    transport::server_stats s;
    if (ctx_.server_stats)
      s = ctx_.server_stats();
    std::string g = "{\"uptime\":" + uptime()
                    + ",\"startedAt\":" + num(m.started_at_ms)
                    + ",\"totalNodes\":0,\"totalGroups\":0"
                    + ",\"messagesProcessed\":" + num(m.messages_processed.load())
                    + ",\"connections\":" + num(s.connections_open)
                    + ",\"connectionsTotal\":" + num(s.connections_total)
                    + ",\"clients\":" + num(m.clients.load())
                    + ",\"authenticatedClients\":" + num(m.authenticated.load())
                    + ",\"activeSessions\":" + num(m.active_sessions.load())
                    + ",\"requestsAccepted\":" + num(m.requests_accepted.load())
                    + ",\"requestsRecovered\":" + num(m.requests_recovered.load())
                    + ",\"turnsCompleted\":" + num(m.turns_completed.load())
                    + ",\"turnsFailed\":" + num(m.turns_failed.load())
                    + ",\"framesIn\":" + num(s.frames_in)
                    + ",\"framesOut\":" + num(s.frames_out)
                    + ",\"slowConsumerCloses\":" + num(s.slow_consumer_closes)
                    + ",\"storageBatches\":" + num(m.storage_batches.load())
                    + ",\"storageOps\":" + num(m.storage_ops.load())
                    + ",\"rssBytes\":" + num(resident_bytes()) + "}";
    return http_json(200, "{\"gateway\":" + g
                            + ",\"nodes\":{\"totalNodes\":0,\"nodes\":[]}"
                            + ",\"groups\":{\"totalGroups\":0,\"groups\":[]}"
                            + ",\"voice\":" + current_voice_json(ctx_) + "}");
  }

  http_response config() const {
    auto& c = *ctx_.config;
    auto def = ctx_.agents->default_agent();
    std::string agents;
    for (auto& a : ctx_.agents->list()) {
      if (!agents.empty())
        agents += ',';
      agents += "{\"id\":" + protocol::json_string(a.id) + ",\"name\":"
                + protocol::json_string(a.name.empty() ? a.id : a.name)
                + ",\"default\":" + (a.id == def ? "true" : "false") + "}";
    }
    return http_json(200, "{\"gatewayHost\":" + protocol::json_string(c.host)
                            + ",\"gatewayPort\":" + std::to_string(c.port)
                            + ",\"requireAuth\":"
                            + (ctx_.auth.required() ? "true" : "false")
                            + ",\"authMode\":"
                            + (c.auth == protocol::auth_mode::password ? "\"password\""
                               : c.auth == protocol::auth_mode::token  ? "\"token\""
                                                                       : "\"none\"")
                            + ",\"defaultAgentId\":" + protocol::json_string(def)
                            + ",\"outputRoot\":"
                            + protocol::json_string(c.state_dir + "/outputs")
                            + ",\"dynamicUiEnabled\":false"
                            + ",\"voice\":" + current_voice_json(ctx_)
                            + ",\"agents\":[" + agents + "]}");
  }

  // -- sessions ---------------------------------------------------------------

  /// The agent a session route is about: `?agentId=`, else the key's
  /// `agent:<id>:` prefix, else the default agent.
  std::string agent_for(const http_request& req, const std::string& key) const {
    auto agent = query_param(req, "agentId");
    if (agent.empty())
      agent = protocol::agent_of_session_key(key);
    if (agent.empty())
      agent = ctx_.agents->default_agent();
    return agent;
  }

  void admin(session_admin m, http_responder& respond) {
    m.respond = std::move(respond);
    caf::anon_send(ctx_.router, std::move(m));
  }

  void sessions(const http_request& req, http_responder& respond) {
    if (req.method == "GET")
      return respond(list_sessions(req));
    if (req.method != "POST")
      return respond(method_not_allowed(req, "GET, POST"));
    auto body = protocol::decode_string_fields(req.body, {"agentId", "name", "sessionId"});
    if (!body)
      return respond(http_error(400, body.error().message));
    auto field = [&](const char* k) {
      auto i = body->find(k);
      return i != body->end() && i->second ? *i->second : std::string{};
    };
    auto agent = field("agentId");
    if (agent.empty())
      agent = ctx_.agents->default_agent();
    if (!ctx_.agents->get(agent))
      return respond(http_error(404, "Agent not found: " + agent));
    auto key = field("sessionId");
    if (key.empty())
      key = "agent:" + agent + ":webui:thread:" + uuid4();
    if (auto err = protocol::validate_session_key(key); !err.empty())
      return respond(http_error(400, "Invalid sessionId: " + err));
    session_admin m;
    m.what = session_admin::op::create;
    m.agent_id = agent;
    m.session_key = key;
    m.name = field("name");
    admin(std::move(m), respond);
  }

  http_response list_sessions(const http_request& req) const {
    storage::session_query q;
    q.agent_id = query_param(req, "agentId");
    auto limit = query_param(req, "limit");
    if (!limit.empty()) {
      char* end = nullptr;
      auto n = std::strtol(limit.c_str(), &end, 10);
      if (*end != '\0' || n < 0)
        return http_error(400, "limit must be a non-negative integer");
      q.limit = static_cast<size_t>(n);
    }
    auto list = ctx_.store->list_sessions(q);
    if (!list)
      return http_error(500, list.error().message);
    std::vector<std::string> out;
    out.reserve(list->size());
    for (auto& r : *list)
      out.push_back(protocol::encode_session_record(r));
    return http_json(200, protocol::json_array(out));
  }

  /// `/api/sessions/<id>`, `/<id>/messages`, `/<id>/workdir`.
  void session_routes(const http_request& req, std::string rest,
                      http_responder& respond) {
    std::string sub;
    for (auto suffix : {"/messages", "/workdir"}) {
      std::string s = suffix;
      if (rest.size() > s.size() && rest.compare(rest.size() - s.size(), s.size(), s) == 0) {
        sub = s;
        rest.resize(rest.size() - s.size());
        break;
      }
    }
    const auto& key = rest;
    if (auto err = protocol::validate_session_key(key); !err.empty())
      return respond(http_error(400, "Invalid session id: " + err));
    auto agent = agent_for(req, key);
    session_admin m;
    m.agent_id = agent;
    m.session_key = key;
    if (sub == "/messages") {
      if (req.method == "GET")
        return respond(messages(agent, key));
      if (req.method != "DELETE")
        return respond(method_not_allowed(req, "GET, DELETE"));
      m.what = session_admin::op::clear;
      return admin(std::move(m), respond);
    }
    if (sub == "/workdir") {
      if (req.method != "POST" && req.method != "PUT")
        return respond(method_not_allowed(req, "POST"));
      auto body = protocol::decode_string_fields(req.body, {"workdir"});
      if (!body)
        return respond(http_error(400, body.error().message));
      auto i = body->find("workdir");
      if (i == body->end())
        return respond(http_error(400, "workdir is required (a path or null)"));
      if (i->second) {
        auto checked = fs_.check_dir(*i->second);
        switch (checked.verdict) {
          case fs_verdict::ok:
            break;
          case fs_verdict::missing:
            return respond(http_error(404, "No such folder: " + *i->second));
          case fs_verdict::invalid:
            return respond(http_error(400, "Not a folder: " + *i->second));
          default:
            return respond(http_error(403, "path is outside the allowed roots"));
        }
        if (auto owner = ctx_.agents->other_agent_owning(checked.path, agent); !owner.empty())
          return respond(http_error(
            403, "workdir overlaps the folders of agent \"" + owner
                   + "\" (an agent's tools cannot reach another agent's folders)"));
        m.workdir = checked.path;
      }
      m.what = session_admin::op::set_workdir;
      return admin(std::move(m), respond);
    }
    if (req.method == "GET")
      return respond(session(agent, key));
    if (req.method == "PUT") {
      auto body = protocol::decode_string_fields(req.body, {"name"});
      if (!body)
        return respond(http_error(400, body.error().message));
      auto i = body->find("name");
      if (i == body->end() || !i->second || i->second->empty())
        return respond(http_error(400, "name is required"));
      m.what = session_admin::op::rename;
      m.name = *i->second;
      return admin(std::move(m), respond);
    }
    if (req.method == "DELETE") {
      m.what = session_admin::op::remove;
      return admin(std::move(m), respond);
    }
    respond(method_not_allowed(req, "GET, PUT, DELETE"));
  }

  http_response session(const std::string& agent, const std::string& key) const {
    auto rec = ctx_.store->get_session(agent, key);
    if (!rec)
      return http_error(500, rec.error().message);
    if (!*rec)
      return http_error(404, "Session not found: " + key + " (agent " + agent + ")");
    return http_json(200, protocol::encode_session_record(**rec));
  }

  http_response messages(const std::string& agent, const std::string& key) const {
    auto rec = ctx_.store->get_session(agent, key);
    if (!rec)
      return http_error(500, rec.error().message);
    if (!*rec)
      return http_error(404, "Session not found: " + key + " (agent " + agent + ")");
    auto list = ctx_.store->list_message_json(agent, key);
    if (!list)
      return http_error(500, list.error().message);
    return http_json(200, protocol::json_array(*list));
  }

  http_context ctx_;
  fs_guard fs_{ctx_.config->fs_roots};
  webhook_intake intake_{ctx_.config->limits.auth_failures_per_minute};
  std::vector<std::string> origins_;
};

} // namespace

std::shared_ptr<transport::http_handler> make_http_api(http_context ctx) {
  return std::make_shared<api>(std::move(ctx));
}

} // namespace wingman::actors
