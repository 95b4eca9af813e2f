#include "actors/router_actor.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include <caf/all.hpp>

#include "actors/agent_actor.hpp"
#include "actors/log.hpp"
#include "actors/session_actor.hpp"
#include "protocol/codec.hpp"
#include "protocol/records.hpp"
#include "protocol/routing.hpp"

namespace wingman::actors {

namespace {

using protocol::error_code;
using session_id = std::pair<std::string, std::string>;  // agent, key

/// Which session runs a request, and whose it is.
struct request_owner {
  std::string owner;
  session_actor session;
};

struct router_state {
  router_config cfg;
  protocol::binding_table table;
  std::unordered_map<std::string, size_t> agent_index;  // id -> cfg.agents[i]
  std::map<session_id, session_actor> sessions;
  std::map<caf::actor_addr, session_id> session_of;     // for exits
  std::map<caf::actor_addr, uint64_t> sent;             // messages forwarded
  std::unordered_multimap<std::string, request_owner> requests;
  std::map<session_id, std::vector<caf::actor_clock::time_point>> restarts;  // crash times
  uint64_t recovered = 0;  // durable requests found at start
  static inline const char* name = "router";

  /// At most `max_restarts` respawns of one session per minute (C12).
  static constexpr size_t max_restarts = 3;

  bool may_restart(const session_id& sid, caf::actor_clock::time_point now) {
    auto& times = restarts[sid];
    auto horizon = now - std::chrono::minutes{1};
    times.erase(std::remove_if(times.begin(), times.end(),
                               [&](caf::actor_clock::time_point t) { return t < horizon; }),
                times.end());
    if (times.size() >= max_restarts)
      return false;
    times.push_back(now);
    return true;
  }

  const agent_entry* agent(const std::string& id) const {
    auto i = agent_index.find(id);
    return i == agent_index.end() ? nullptr : &cfg.agents[i->second];
  }

  bool has_request(const std::string& id, const std::string& owner) const {
    auto [b, e] = requests.equal_range(id);
    for (auto i = b; i != e; ++i)
      if (i->second.owner == owner)
        return true;
    return false;
  }

  void forget_request(const std::string& id, const std::string& owner) {
    auto [b, e] = requests.equal_range(id);
    for (auto i = b; i != e; ++i)
      if (i->second.owner == owner) {
        requests.erase(i);
        return;
      }
  }
};

using router_pointer = router_actor::stateful_pointer<router_state>;

/// Sends `msg` to a session, counting it for the passivation handshake.
template <class Msg>
void forward(router_pointer self, const session_actor& s, Msg&& msg) {
  self->state.sent[caf::actor_cast<caf::actor_addr>(s)]++;
  self->send(s, std::forward<Msg>(msg));
}

session_actor session_for(router_pointer self, const agent_entry& a,
                          const std::string& key) {
  auto& st = self->state;
  session_id sid{a.config.id, key};
  if (auto i = st.sessions.find(sid); i != st.sessions.end())
    return i->second;
  session_config sc;
  sc.agent_id = a.config.id;
  sc.agent_name = a.config.name.empty() ? a.config.id : a.config.name;
  sc.model = a.config.model;
  sc.session_key = key;
  sc.queue_depth = st.cfg.session_queue_depth;
  sc.history_tail = a.config.model == "echo" ? 0 : st.cfg.history_tail;
  sc.idle_timeout = st.cfg.session_idle_timeout;
  sc.agent = a.handle;
  sc.storage = st.cfg.storage;
  sc.router = self;
  sc.directory = st.cfg.directory;
  sc.store = st.cfg.store;
  sc.metrics = st.cfg.metrics;
  auto s = spawn_session(self, std::move(sc));
  st.sessions.emplace(sid, s);
  st.session_of.emplace(caf::actor_cast<caf::actor_addr>(s), sid);
  return s;
}

void send_frame(const peer& p, std::string bytes) {
  if (p.valid())
    p.send(transport::make_frame(std::move(bytes)));
}

/// An agent-error for a request that never reached a session.
void reject(const route_request& r, const std::string& agent_id,
            const std::string& key, const std::string& message,
            error_code code) {
  protocol::event_context c{r.request_id, r.from.instance_id, key, agent_id,
                            protocol::now_ms()};
  send_frame(r.from, protocol::encode_agent_error(c, message, code));
}

void on_route(router_pointer self, route_request& r) {
  auto& st = self->state;
  const agent_entry* a = nullptr;
  if (!r.req.agent_id.empty()) {
    a = st.agent(r.req.agent_id);
    if (!a)
      return reject(r, r.req.agent_id, r.req.session_key,
                    "Agent \"" + r.req.agent_id + "\" not found",
                    error_code::agent_not_found);
  } else {
    a = st.agent(st.table.resolve(r.req.routing).agent_id);
    if (!a)  // the bound agent was removed at run time
      a = st.agent(st.cfg.default_agent);
    if (!a)
      return reject(r, {}, r.req.session_key, "No agent is configured",
                    error_code::agent_not_found);
  }
  auto key = r.req.session_key.empty()
               ? protocol::derive_session_key(a->config.id, r.req.routing)
               : r.req.session_key;
  if (auto err = protocol::check_agent_request(r.req); !err.empty())
    return reject(r, a->config.id, key, err, error_code::invalid_request);
  auto owner = r.from.instance_id;
  if (st.has_request(r.request_id, owner)) {
    send_frame(r.from, protocol::encode_error(
                         r.request_id, error_code::invalid_request,
                         "Duplicate request id \"" + r.request_id
                           + "\": a request with this id is still pending",
                         protocol::now_ms()));
    return;
  }
  auto s = session_for(self, *a, key);
  st.requests.emplace(r.request_id, request_owner{owner, s});
  forward(self, s, enqueue_request{std::move(r.request_id), std::move(owner),
                                std::move(r.req), std::move(r.from),
                                std::move(r.session_name)});
}

void on_cancel(router_pointer self, cancel_request& c) {
  auto& st = self->state;
  auto [b, e] = st.requests.equal_range(c.request_id);
  if (b == e) {
    send_frame(c.from, protocol::encode_ack_cancel(c.ack_id, c.request_id,
                                                   "not_found",
                                                   protocol::now_ms()));
    return;
  }
  for (auto i = b; i != e; ++i)
    if (i->second.owner == c.owner) {
      forward(self, i->second.session, std::move(c));
      return;
    }
  send_frame(c.from, protocol::encode_error(
                       c.ack_id, error_code::forbidden,
                       "Request \"" + c.request_id
                         + "\" belongs to another client",
                       protocol::now_ms()));
}

void on_subscribe(router_pointer self, subscribe_request& s) {
  auto& st = self->state;
  auto agent_id = !s.agent_id.empty()
                    ? s.agent_id
                    : protocol::agent_of_session_key(s.session_id);
  const agent_entry* a = agent_id.empty() ? st.agent(st.cfg.default_agent)
                                          : st.agent(agent_id);
  if (!a) {
    send_frame(s.from, protocol::encode_error(
                         s.ack_id, error_code::invalid_request,
                         "Agent \"" + agent_id + "\" not found",
                         protocol::now_ms()));
    return;
  }
  s.agent_id = a->config.id;
  forward(self, session_for(self, *a, s.session_id), std::move(s));
}

void on_session_admin(router_pointer self, session_admin& m) {
  auto& st = self->state;
  const agent_entry* a = st.agent(m.agent_id);
  if (!a) {
    transport::http_response r;
    r.status = 404;
    r.body = "{\"error\":" + protocol::json_string("Agent not found: " + m.agent_id)
             + "}";
    m.respond(std::move(r));
    return;
  }
  forward(self, session_for(self, *a, m.session_key), std::move(m));
}

/// Stops an idle session if nothing was sent to it since it became idle.
void on_session_idle(router_pointer self, const session_idle& m) {
  auto& st = self->state;
  auto i = st.sessions.find(session_id{m.agent_id, m.session_key});
  if (i == st.sessions.end())
    return;
  auto addr = caf::actor_cast<caf::actor_addr>(i->second);
  if (st.sent[addr] != m.received)
    return;  // a message is on its way: it is not idle any more
  self->send(i->second, stop_atom::value);
  st.sessions.erase(i);
  st.session_of.erase(addr);
  st.sent.erase(addr);
}

void on_upsert_agent(router_pointer self, upsert_agent& u) {
  auto& st = self->state;
  auto id = u.config.id;
  if (auto i = st.agent_index.find(id); i != st.agent_index.end()) {
    auto& entry = st.cfg.agents[i->second];
    entry.config = u.config;
    self->send(entry.handle, std::move(u));
    return;
  }
  auto handle = spawn_linked_agent(self, u.config, st.cfg.agents_env);
  st.cfg.agents.push_back(agent_entry{std::move(u.config), handle});
  st.agent_index.emplace(id, st.cfg.agents.size() - 1);
  log::actors()->info("agent added agent={}", id);
}

void on_remove_agent(router_pointer self, const remove_agent& r) {
  auto& st = self->state;
  auto i = st.agent_index.find(r.agent_id);
  if (i == st.agent_index.end())
    return;
  // Live sessions keep their agent actor until they are done; new requests
  // no longer route to it. The actor stops with the router.
  st.cfg.agents.erase(st.cfg.agents.begin() + static_cast<long>(i->second));
  st.agent_index.clear();
  for (size_t k = 0; k < st.cfg.agents.size(); ++k)
    st.agent_index.emplace(st.cfg.agents[k].config.id, k);
  log::actors()->info("agent removed agent={}", r.agent_id);
}

/// Spawns every session that has durable queue entries.
void recover(router_pointer self) {
  auto& st = self->state;
  auto pending = st.cfg.store->list_all_pending();
  if (!pending) {
    log::actors()->error("recovery failed error={}", pending.error().message);
    return;
  }
  size_t count = 0;
  for (auto& p : *pending) {
    auto* a = st.agent(p.agent_id);
    if (!a) {
      log::actors()->warn("recovery skips request of removed agent agent={} "
                          "session={} request={}", p.agent_id, p.session_key,
                          p.request_id);
      continue;
    }
    auto s = session_for(self, *a, p.session_key);
    st.requests.emplace(p.request_id, request_owner{p.owner, s});
    ++count;
  }
  st.recovered = count;
  if (st.cfg.metrics)
    bump(st.cfg.metrics->requests_recovered, count);
  if (count > 0)
    log::actors()->info("recovery sessions={} requests={}", st.sessions.size(),
                        count);
}

router_actor::behavior_type router_behavior(router_pointer self,
                                            router_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  for (size_t i = 0; i < st.cfg.agents.size(); ++i)
    st.agent_index.emplace(st.cfg.agents[i].config.id, i);
  st.table = protocol::binding_table{st.cfg.bindings, st.cfg.default_agent};
  // Sessions are linked: they die with the router (shutdown uses kill, which
  // cannot be trapped). A session that dies alone is forgotten here; its
  // durable queue is picked up by the next incarnation.
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& st = self->state;
    auto i = st.session_of.find(em.source);
    if (i == st.session_of.end())
      return;  // an agent spawned at run time, or an unknown link
    st.sent.erase(em.source);
    if (!em.reason) {  // a session that ended normally
      st.sessions.erase(i->second);
      st.session_of.erase(i);
      return;
    }
    log::actors()->error("session stopped agent={} session={} reason={}",
                         i->second.first, i->second.second,
                         self->system().render(em.reason));
    auto sid = i->second;
    st.sessions.erase(sid);
    st.session_of.erase(i);
    for (auto r = st.requests.begin(); r != st.requests.end();)
      if (caf::actor_cast<caf::actor_addr>(r->second.session) == em.source)
        r = st.requests.erase(r);
      else
        ++r;
    auto* a = st.agent(sid.first);
    if (!a)
      return;
    if (!st.may_restart(sid, self->clock().now())) {
      log::actors()->error("session not restarted (3 crashes in a minute) "
                           "agent={} session={}", sid.first, sid.second);
      return;
    }
    // Respawn to resume its durable queue, and re-register its requests.
    auto s = session_for(self, *a, sid.second);
    if (auto pending = st.cfg.store->list_pending(sid.first, sid.second))
      for (auto& p : *pending)
        st.requests.emplace(p.request_id, request_owner{p.owner, s});
  });
  recover(self);
  return {
    [=](route_request& r) { on_route(self, r); },
    [=](cancel_request& c) { on_cancel(self, c); },
    [=](subscribe_request& s) { on_subscribe(self, s); },
    [=](const request_finished& f) {
      self->state.forget_request(f.request_id, f.owner);
    },
    [=](ready_atom) { return self->state.recovered; },
    [=](session_admin& m) { on_session_admin(self, m); },
    [=](const session_idle& m) { on_session_idle(self, m); },
    [=](upsert_agent& u) { on_upsert_agent(self, u); },
    [=](const remove_agent& r) { on_remove_agent(self, r); },
  };
}

} // namespace

router_actor spawn_router(caf::actor_system& sys, router_config cfg) {
  return sys.spawn(router_behavior, std::move(cfg));
}

} // namespace wingman::actors
