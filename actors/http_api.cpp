#include "actors/http_api.hpp"

#include <cstdlib>

#include "protocol/codec.hpp"
#include "transport/http_util.hpp"
#include "protocol/records.hpp"
#include "protocol/routing.hpp"

namespace wingman::actors {

namespace {

using transport::http_request;
using transport::http_response;

http_response json(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http_response error(unsigned status, const std::string& message) {
  return json(status, "{\"error\":" + protocol::json_string(message) + "}");
}

std::string query_value(const http_request& req, const std::string& name) {
  for (auto& [k, v] : transport::parse_query(req.query))
    if (k == name)
      return v;
  return {};
}

std::string num(int64_t v) { return std::to_string(v); }
std::string num(uint64_t v) { return std::to_string(v); }

class api final : public transport::http_handler {
 public:
  explicit api(http_api_config cfg) : cfg_(std::move(cfg)) {}

  void handle(http_request req, transport::http_responder respond) override {
    respond(route(req));
  }

 private:
  http_response route(const http_request& req) {
    const auto& p = req.path;
    if (p == "/health" || p == "/api/health")
      return get_only(req, [&] { return health(); });
    if (p == "/api/config")
      return get_only(req, [&] { return config(); });
    bool is_api = p.rfind("/api/", 0) == 0;
    if ((is_api || p == "/stats") && !authorized(req))
      return error(401, "Unauthorized: send Authorization: Bearer <token>, "
                        "X-Wingman-Token or X-Wingman-Password");
    if (p == "/stats" || p == "/api/stats")
      return get_only(req, [&] { return stats(); });
    if (p == "/api/sessions")
      return get_only(req, [&] { return sessions(req); });
    static const std::string prefix = "/api/sessions/";
    static const std::string suffix = "/messages";
    if (p.rfind(prefix, 0) == 0 && p.size() > prefix.size() + suffix.size()
        && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto id = p.substr(prefix.size(),
                         p.size() - prefix.size() - suffix.size());
      return get_only(req, [&] { return messages(req, id); });
    }
    return error(404, "Not found: " + p);
  }

  template <class F>
  http_response get_only(const http_request& req, F f) {
    if (req.method != "GET" && req.method != "HEAD") {
      auto r = error(405, "Method " + req.method + " not allowed on " + req.path);
      r.headers.emplace_back("Allow", "GET");
      return r;
    }
    return f();
  }

  bool authorized(const http_request& req) const {
    if (!cfg_.auth.required())
      return true;
    if (auto* h = req.header("authorization")) {
      static const std::string bearer = "Bearer ";
      if (h->rfind(bearer, 0) == 0
          && cfg_.auth.check_secret(std::string_view{*h}.substr(bearer.size())))
        return true;
    }
    if (auto* h = req.header("x-wingman-token"))
      if (cfg_.auth.mode() == protocol::auth_mode::token
          && cfg_.auth.check_secret(*h))
        return true;
    if (auto* h = req.header("x-wingman-password"))
      if (cfg_.auth.mode() == protocol::auth_mode::password
          && cfg_.auth.check_secret(*h))
        return true;
    return false;
  }

  std::string uptime() const {
    return num(protocol::now_ms() - cfg_.metrics->started_at_ms);
  }

  http_response health() const {
    auto& m = *cfg_.metrics;
    return json(200,
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
    auto& m = *cfg_.metrics;
    transport::server_stats s;
    if (cfg_.server_stats)
      s = cfg_.server_stats();
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
                    + ",\"storageOps\":" + num(m.storage_ops.load()) + "}";
    return json(200, "{\"gateway\":" + g
                       + ",\"nodes\":{\"totalNodes\":0,\"nodes\":[]}"
                       + ",\"groups\":{\"totalGroups\":0,\"groups\":[]}"
                       + ",\"voice\":{\"provider\":\"web_speech\","
                         "\"defaultPolicy\":\"off\"}}");
  }

  http_response config() const {
    auto& c = *cfg_.config;
    std::string agents;
    for (auto& a : c.agents) {
      if (!agents.empty())
        agents += ',';
      agents += "{\"id\":" + protocol::json_string(a.id) + ",\"name\":"
                + protocol::json_string(a.name.empty() ? a.id : a.name)
                + ",\"default\":" + (a.id == c.default_agent ? "true" : "false")
                + "}";
    }
    return json(200, "{\"gatewayHost\":" + protocol::json_string(c.host)
                       + ",\"gatewayPort\":" + std::to_string(c.port)
                       + ",\"requireAuth\":"
                       + (cfg_.auth.required() ? "true" : "false")
                       + ",\"defaultAgentId\":"
                       + protocol::json_string(c.default_agent)
                       + ",\"outputRoot\":"
                       + protocol::json_string(c.state_dir + "/outputs")
                       + ",\"dynamicUiEnabled\":false"
                       + ",\"voice\":{\"provider\":\"web_speech\","
                         "\"defaultPolicy\":\"off\"}"
                       + ",\"agents\":[" + agents + "]}");
  }

  http_response sessions(const http_request& req) const {
    storage::session_query q;
    q.agent_id = query_value(req, "agentId");
    auto limit = query_value(req, "limit");
    if (!limit.empty()) {
      char* end = nullptr;
      auto n = std::strtol(limit.c_str(), &end, 10);
      if (*end != '\0' || n < 0)
        return error(400, "limit must be a non-negative integer");
      q.limit = static_cast<size_t>(n);
    }
    auto list = cfg_.store->list_sessions(q);
    if (!list)
      return error(500, list.error().message);
    std::vector<std::string> out;
    out.reserve(list->size());
    for (auto& r : *list)
      out.push_back(protocol::encode_session_record(r));
    return json(200, protocol::json_array(out));
  }

  http_response messages(const http_request& req, const std::string& id) const {
    if (auto err = protocol::validate_session_key(id); !err.empty())
      return error(400, "Invalid session id: " + err);
    auto agent = query_value(req, "agentId");
    if (agent.empty())
      agent = protocol::agent_of_session_key(id);
    if (agent.empty())
      agent = cfg_.config->default_agent;
    auto rec = cfg_.store->get_session(agent, id);
    if (!rec)
      return error(500, rec.error().message);
    if (!*rec)
      return error(404, "Session not found: " + id + " (agent " + agent + ")");
    auto list = cfg_.store->list_message_json(agent, id);
    if (!list)
      return error(500, list.error().message);
    return json(200, protocol::json_array(*list));
  }

  http_api_config cfg_;
};

} // namespace

std::shared_ptr<transport::http_handler> make_http_api(http_api_config cfg) {
  return std::make_shared<api>(std::move(cfg));
}

} // namespace wingman::actors
