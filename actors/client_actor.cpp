#include "actors/client_actor.hpp"

#include <set>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "protocol/codec.hpp"

namespace wingman::actors {

namespace {

using protocol::error_code;
using protocol::frame_type;

struct client_state {
  std::shared_ptr<const client_config> cfg;
  std::weak_ptr<transport::connection> conn;
  uint64_t conn_id = 0;
  std::string address;
  bool authenticated = false;
  bool is_ui = false;
  protocol::client_info info;
  std::set<std::pair<std::string, std::string>> subscriptions;  // agent, key
  static inline const char* name = "client";

  client_state() = default;
  client_state(const client_state&) = delete;
  client_state& operator=(const client_state&) = delete;

  // Cleanup lives here, not in attach_functor: CAF 0.17 runs attached
  // functors after it destroyed the state.
  ~client_state() {
    if (is_ui)
      count_as_ui(false);
    if (cfg && cfg->metrics) {
      bump(cfg->metrics->clients, -1);
      if (authenticated)
        bump(cfg->metrics->authenticated, -1);
    }
  }

  /// Adds this client to (or takes it off) the directory's UI count; done
  /// before `register_ui` is sent, so the count is never below the
  /// directory's list and no session skips an echo a UI should get.
  void count_as_ui(bool ui) const {
    cfg->directory.ui_clients->fetch_add(ui ? 1 : -1, std::memory_order_release);
  }

  void reply(std::string bytes) const {
    if (auto c = conn.lock())
      c->send(transport::make_frame(std::move(bytes)));
  }

  void error(const std::string& id, error_code code, const std::string& msg,
             int64_t retry_after_ms = -1) const {
    reply(protocol::encode_error(id, code, msg, protocol::now_ms(),
                                 retry_after_ms));
  }

  void close(uint16_t code, std::string reason) const {
    if (auto c = conn.lock())
      c->close(code, std::move(reason));
  }

  /// Owner identity: the instanceId, or the connection when there is none.
  std::string owner() const {
    return info.instance_id.empty() ? "conn-" + std::to_string(conn_id)
                                    : info.instance_id;
  }
};

using client_pointer = client_actor::stateful_pointer<client_state>;

peer self_peer(client_pointer self) {
  auto& st = self->state;
  return peer{caf::actor_cast<caf::actor_addr>(self), st.conn, st.owner(),
              st.info.client_type};
}

void on_connect(client_pointer self, const protocol::inbound_frame& f,
                const protocol::connect_body& body) {
  auto& st = self->state;
  auto now = failure_limiter::clock::now();
  if (auto wait = st.cfg->limiter->retry_after_ms(st.address, now); wait > 0) {
    st.error(f.id, error_code::rate_limited,
             "Too many failed connection attempts; retry later", wait);
    if (!st.authenticated)  // an authenticated socket keeps its session
      st.close(transport::close_code::policy, "rate limited");
    return;
  }
  if (!body.client) {
    st.reply(protocol::encode_res(f.id, false, "missing client info",
                                  protocol::now_ms()));
    return;
  }
  if (!st.cfg->auth.check(body.auth)) {
    st.cfg->limiter->record_failure(st.address, now);
    log::actors()->warn("auth failed conn={} addr={}", st.conn_id, st.address);
    if (st.authenticated && st.cfg->metrics)
      bump(st.cfg->metrics->authenticated, -1);
    st.authenticated = false;
    st.reply(protocol::encode_res(f.id, false, "authentication failed",
                                  protocol::now_ms()));
    st.close(transport::close_code::policy, "authentication failed");
    return;
  }
  if (st.cfg->auth.required())
    st.cfg->limiter->reset(st.address);
  if (!st.authenticated && st.cfg->metrics)
    bump(st.cfg->metrics->authenticated, 1);
  st.authenticated = true;
  st.info = *body.client;
  bool ui = st.info.client_type == "webui" || st.info.client_type == "desktop";
  if (ui != st.is_ui)
    st.count_as_ui(ui);
  if (ui)
    self->send(st.cfg->directory.actor, register_ui{self_peer(self)});
  else if (st.is_ui)
    self->send(st.cfg->directory.actor,
               unregister_ui{caf::actor_cast<caf::actor_addr>(self)});
  st.is_ui = ui;
  st.reply(protocol::encode_res(f.id, true, "gateway-ready", protocol::now_ms()));
}

void on_subscribe(client_pointer self, const protocol::inbound_frame& f,
                  const protocol::subscribe_body& body, bool subscribe) {
  auto& st = self->state;
  auto sub_key = std::make_pair(body.agent_id, body.session_id);
  if (subscribe) {
    if (!st.subscriptions.count(sub_key)
        && st.subscriptions.size() >= st.cfg->max_subscriptions) {
      st.error(f.id, error_code::rate_limited,
               "Too many subscriptions on this connection (limit "
                 + std::to_string(st.cfg->max_subscriptions) + ")");
      return;
    }
    st.subscriptions.insert(sub_key);
  } else {
    st.subscriptions.erase(sub_key);
  }
  self->send(st.cfg->router, subscribe_request{f.id, body.session_id,
                                               body.agent_id, subscribe,
                                               self_peer(self)});
}

void dispatch(client_pointer self, protocol::inbound_frame& f) {
  auto& st = self->state;
  switch (f.type) {
    case frame_type::ping:
      st.reply(protocol::encode_pong(f.id, protocol::now_ms()));
      return;
    case frame_type::pong:
      return;
    case frame_type::connect:
      return on_connect(self, f, std::get<protocol::connect_body>(f.body));
    default:
      break;
  }
  if (!st.authenticated) {
    st.error(f.id, error_code::auth_required,
             "Send a successful connect first");
    return;
  }
  switch (f.type) {
    case frame_type::req_agent:
      self->send(st.cfg->router,
                 route_request{f.id,
                               std::move(std::get<protocol::agent_request>(f.body)),
                               self_peer(self)});
      return;
    case frame_type::req_agent_cancel:
      self->send(st.cfg->router,
                 cancel_request{f.id,
                                std::get<protocol::cancel_body>(f.body).request_id,
                                st.owner(), self_peer(self)});
      return;
    case frame_type::session_subscribe:
    case frame_type::session_unsubscribe:
      return on_subscribe(self, f, std::get<protocol::subscribe_body>(f.body),
                          f.type == frame_type::session_subscribe);
    default:
      // Rooms, node pairing and node invocation are not in this build yet:
      // answered in-protocol, the connection stays usable (README status).
      st.error(f.id, error_code::unavailable,
               std::string{"\""} + protocol::wire_name(f.type)
                 + "\" is not available in this gateway build yet");
  }
}

client_actor::behavior_type client_behavior(client_pointer self,
                                            std::shared_ptr<const client_config> cfg,
                                            std::weak_ptr<transport::connection> conn) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.conn = std::move(conn);
  if (auto c = st.conn.lock()) {
    st.conn_id = c->id();
    st.address = c->remote_address();
  }
  if (st.cfg->metrics)
    bump(st.cfg->metrics->clients, 1);
  return {
    [=](inbound_text& in) {
      auto& st = self->state;
      if (st.cfg->metrics)
        bump(st.cfg->metrics->messages_processed, 1);
      auto res = protocol::decode_inbound(in.text);
      if (!res.ok)
        return st.error(res.error.id, res.error.code, res.error.message);
      dispatch(self, res.frame);
    },
  };
}

/// Owned by the transport's connection: forwards frames to the client actor
/// and stops it when the connection ends.
class client_sink final : public transport::frame_sink {
 public:
  explicit client_sink(client_actor actor) : actor_(std::move(actor)) {}
  ~client_sink() override {
    caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  }
  void on_frame(std::string text) override {
    caf::anon_send(actor_, inbound_text{std::move(text)});
  }

 private:
  client_actor actor_;
};

} // namespace

client_actor spawn_client(caf::actor_system& sys,
                          std::shared_ptr<const client_config> cfg,
                          std::weak_ptr<transport::connection> conn) {
  return sys.spawn(client_behavior, std::move(cfg), std::move(conn));
}

transport::sink_factory
make_client_sinks(caf::actor_system& sys,
                  std::shared_ptr<const client_config> cfg) {
  return [&sys, cfg](std::weak_ptr<transport::connection> conn)
           -> std::unique_ptr<transport::frame_sink> {
    return std::make_unique<client_sink>(spawn_client(sys, cfg, std::move(conn)));
  };
}

} // namespace wingman::actors
