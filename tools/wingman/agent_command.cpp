#include "tools/wingman/agent_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <caf/all.hpp>

#include "actors/agent_actor.hpp"
#include "protocol/client_view.hpp"
#include "protocol/codec.hpp"
#include "protocol/records.hpp"
#include "transport/client.hpp"

namespace wingman::tools {

namespace {

std::string quote(const std::string& s) { return protocol::json_string(s); }

int run_local(const protocol::gateway_config& cfg, const agent_options& o) {
  const protocol::agent_config* agent = nullptr;
  auto want = o.agent.empty() ? cfg.default_agent : o.agent;
  for (auto& a : cfg.agents)
    if (a.id == want)
      agent = &a;
  if (!agent) {
    std::cerr << "wingman: agent \"" << want << "\" not found\n";
    return 1;
  }
  caf::actor_system_config sc;
  sc.set("scheduler.max-threads", size_t{1});
  caf::actor_system sys{sc};
  auto handle = actors::spawn_agent(sys, *agent);
  caf::scoped_actor self{sys};
  actors::start_turn req{1, "local", o.session, o.prompt, {},
                         caf::actor_cast<caf::actor_addr>(self), {}};
  self->send(handle, std::move(req));
  int rc = 0;
  bool done = false;
  while (!done) {
    self->receive(
      [&](actors::turn_delta& d) { std::cout << d.text << std::flush; },
      [&](actors::turn_completed&) { done = true; },
      [&](actors::turn_failed& f) {
        std::cerr << "\nwingman: agent error: " << f.message << "\n";
        rc = 1;
        done = true;
      },
      [&](actors::turn_started& t) {  // the reply to start_turn
        if (!t.answered)
          return;  // a turn actor streams the reply
        for (auto& chunk : t.chunks)
          std::cout << chunk;
        done = true;
      },
      caf::after(std::chrono::seconds{o.timeout_s}) >> [&] {
        std::cerr << "\nwingman: timed out\n";
        rc = 1;
        done = true;
      });
  }
  std::cout << "\n";
  self->send_exit(handle, caf::exit_reason::kill);
  return rc;
}

} // namespace

int run_agent_command(const protocol::gateway_config& cfg, const agent_options& o) {
  if (o.prompt.empty()) {
    std::cerr << "wingman: a prompt is required\n";
    return 2;
  }
  if (o.local)
    return run_local(cfg, o);
  std::string url = o.gateway_url;
  if (url.empty()) {
    long port = cfg.port;
    std::ifstream pf{cfg.state_dir + "/gateway.port"};
    pf >> port;
    url = "ws://" + cfg.host + ":" + std::to_string(port) + "/ws";
  }
  auto parts = transport::parse_url(url);
  if (!parts) {
    std::cerr << "wingman: invalid gateway URL " << url << "\n";
    return 2;
  }
  transport::ws_client ws;
  if (auto err = ws.connect(parts->host, parts->port, parts->target); !err.empty()) {
    std::cerr << "wingman: cannot connect to " << url << ": " << err << "\n";
    return 1;
  }
  auto token = !o.token.empty() ? o.token : cfg.token;
  auto password = !o.password.empty() ? o.password : cfg.password;
  std::string auth = "{";
  if (!token.empty())
    auth += "\"token\":" + quote(token);
  if (!password.empty())
    auth += std::string{token.empty() ? "" : ","} + "\"password\":" + quote(password);
  auth += "}";
  auto instance = "cli-" + std::to_string(::getpid());
  auto now = std::to_string(protocol::now_ms());
  ws.send("{\"type\":\"connect\",\"id\":\"c1\",\"client\":{\"instanceId\":"
          + quote(instance) + ",\"clientType\":\"cli\",\"version\":"
          + quote(WINGMAN_VERSION) + "},\"auth\":" + auth
          + ",\"timestamp\":" + now + "}");
  std::string payload = "{\"content\":" + quote(o.prompt);
  if (!o.agent.empty())
    payload += ",\"agentId\":" + quote(o.agent);
  if (!o.session.empty())
    payload += ",\"sessionKey\":" + quote(o.session);
  payload += "}";
  ws.send("{\"type\":\"req:agent\",\"id\":\"r1\",\"payload\":" + payload
          + ",\"timestamp\":" + now + "}");
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::seconds{o.timeout_s};
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = ws.receive(std::chrono::seconds{1});
    if (!frame) {
      if (ws.closed()) {
        std::cerr << "\nwingman: connection closed (code " << ws.close_code()
                  << ")\n";
        return 1;
      }
      continue;
    }
    auto v = protocol::view_frame(*frame);
    if (!v)
      continue;
    if (v->type == "res" && v->id == "c1") {
      if (v->ok && !*v->ok) {
        std::cerr << "wingman: connect refused: " << v->payload_text << "\n";
        return 1;
      }
      continue;
    }
    if (v->type == "error") {
      std::cerr << "wingman: error " << v->code << ": " << v->message << "\n";
      return 1;
    }
    if (v->type != "event:agent" || v->id != "r1")
      continue;
    if (v->event == "agent-stream") {
      std::cout << v->text << std::flush;
    } else if (v->event == "agent-complete") {
      std::cout << "\n";
      ws.close();
      return 0;
    } else if (v->event == "agent-error") {
      std::cerr << "\nwingman: agent error: " << v->message << "\n";
      ws.close();
      return 1;
    }
  }
  std::cerr << "\nwingman: timed out waiting for the reply\n";
  return 1;
}

} // namespace wingman::tools
