#include "actors/gateway.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/agent_actor.hpp"
#include "actors/client_actor.hpp"
#include "actors/directory_actor.hpp"
#include "actors/http_api.hpp"
#include "actors/log.hpp"
#include "actors/routine_actor.hpp"
#include "actors/router_actor.hpp"
#include "actors/storage_actor.hpp"
#include "protocol/codec.hpp"
#include "providers/tools/fs_guard.hpp"
#include "transport/server.hpp"

namespace wingman::actors {

using tools::make_dirs;

namespace {


caf::actor_system_config make_caf_config(const protocol::gateway_config& c) {
  caf::actor_system_config cfg;
  // Default: one worker per core but one. The transport's I/O thread and
  // the storage thread each keep a core busy under load; a worker on every
  // core made them compete (2 cores: 20 % more CPU per routed turn with two
  // workers than with one, docs/BENCHMARKS.md item 19).
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  auto threads = c.worker_threads > 0 ? static_cast<size_t>(c.worker_threads)
                                      : std::max<size_t>(1, cores - 1);
  cfg.set("scheduler.max-threads", threads);
  // Idle workers go from spinning to a condition variable instead of 50 µs
  // sleeps: halves lone-message latency (TOOLCHAIN.md §4), idles the CPU.
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  return cfg;
}

} // namespace

struct gateway::impl {
  explicit impl(protocol::gateway_config c)
    : cfg(std::make_shared<const protocol::gateway_config>(std::move(c))),
      caf_cfg(make_caf_config(*cfg)),
      sys(caf_cfg) {
    // Nothing else: start() does the work that can fail.
  }

  std::shared_ptr<const protocol::gateway_config> cfg;
  caf::actor_system_config caf_cfg;
  caf::actor_system sys;  // declared before the server: destroyed after it
  std::shared_ptr<storage::store> store;
  std::shared_ptr<gateway_metrics> metrics = std::make_shared<gateway_metrics>();
  storage_actor storage;
  client_directory directory;
  std::vector<agent_actor> agents;
  router_actor router;
  routines_actor routines;
  std::shared_ptr<transport::http_client> http;  ///< Provider requests.
  std::shared_ptr<tools::tool_executor> tools;   ///< Agent tool calls.
  std::unique_ptr<transport::server> server;
};

gateway::gateway(protocol::gateway_config cfg)
  : impl_(std::make_unique<impl>(std::move(cfg))) {
  // Nothing else.
}

gateway::~gateway() {
  auto& d = *impl_;
  stop();  // no more inbound frames; io threads have returned
  // Stop every actor that writes to connections (router, its linked
  // sessions, directory) and wait until they are gone *before* the server
  // and its io_context are destroyed: none may be posting to a socket then.
  // Client actors only answer inbound frames, and there are none now.
  for (auto& a : d.agents)
    caf::anon_send_exit(a, caf::exit_reason::kill);
  {
    caf::scoped_actor self{d.sys};
    std::vector<caf::actor_addr> waiting;
    auto stop_and_watch = [&](const auto& hdl) {
      if (!hdl)
        return;
      self->monitor(hdl);
      waiting.push_back(caf::actor_cast<caf::actor_addr>(hdl));
      self->send_exit(hdl, caf::exit_reason::kill);
    };
    stop_and_watch(d.routines);  // with its linked routine actors
    stop_and_watch(d.router);
    stop_and_watch(d.directory.actor);
    for (size_t i = 0; i < waiting.size(); ++i)
      self->receive([](caf::down_msg&) {},
                    caf::after(std::chrono::seconds{5}) >> [] {});
    // Sessions die right after their router (linked); they count themselves.
    for (int i = 0; i < 5000 && d.metrics->active_sessions.load() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  d.server.reset();  // closes sockets -> client actors exit
  if (d.storage)
    caf::anon_send_exit(d.storage, caf::exit_reason::user_shutdown);
}

std::string gateway::start() {
  auto& d = *impl_;
  auto& c = *d.cfg;
  d.metrics->started_at_ms = protocol::now_ms();
  auto db_dir = c.state_dir + "/db";
  if (auto err = make_dirs(db_dir); !err.empty())
    return err;
  storage::lmdb_options lo;
  lo.dir = db_dir;
  lo.map_size_bytes = c.storage.map_size_bytes;
  lo.sync = c.storage.sync;
  auto opened = storage::open_lmdb_store(lo);
  if (!opened)
    return opened.error().message;
  d.store = std::shared_ptr<storage::store>(std::move(*opened));
  d.storage = spawn_storage(d.sys, {d.store, d.metrics, true});
  d.directory = spawn_directory(d.sys);
  agent_env env;
  auto registry = std::make_shared<providers::provider_registry>(c.providers);
  if (auto st = registry->check(); !st)
    log::actors()->warn("providers: {}", st.error().message);
  env.providers = registry;
  d.http = std::make_shared<transport::http_client>(1);
  env.turns.http = d.http;
  env.turns.store = d.store;
  auto catalog = std::make_shared<agent_catalog>(c.agents, c.default_agent);
  d.tools = std::make_shared<tools::tool_executor>(c.tools);
  env.turns.tools = d.tools;
  env.turns.tool_limits = c.tools;
  env.turns.agents = catalog;
  env.turns.max_steps = c.turns.max_tool_steps;
  env.turns.budget = {c.turns.history_max_messages, c.turns.history_max_chars};
  env.turns.pdf = {c.turns.pdf_max_bytes, c.turns.pdf_max_pages, c.turns.pdf_max_chars};
  env.state_dir = c.state_dir;
  router_config rc;
  rc.agents_env = env;
  for (auto& a : c.agents) {
    if (auto err = unsupported_model_error(a.model, registry.get()); !err.empty())
      log::actors()->warn("agent={} model={}: {}", a.id, a.model, err);
    d.agents.push_back(spawn_agent(d.sys, a, env));
    rc.agents.push_back(agent_entry{a, d.agents.back()});
  }
  rc.bindings = c.bindings;
  rc.default_agent = c.default_agent;
  rc.session_queue_depth = c.limits.session_queue_depth;
  rc.history_tail = c.turns.history_max_messages + history_slack;
  rc.session_idle_timeout = std::chrono::seconds{c.limits.session_idle_s};
  rc.storage = d.storage;
  rc.directory = d.directory;
  rc.store = d.store;
  rc.metrics = d.metrics;
  d.router = spawn_router(d.sys, std::move(rc));
  // Recovery (spawning the sessions of durable queue entries) completes
  // before the port opens: a healthy gateway has resumed its queues.
  {
    caf::scoped_actor self{d.sys};
    std::string err;
    self->request(d.router, std::chrono::seconds{60}, ready_atom::value)
      .receive([&](uint64_t n) {
                 if (n > 0)
                   log::actors()->info("resuming requests={}", n);
               },
               [&](caf::error& e) { err = "recovery: " + d.sys.render(e); });
    if (!err.empty())
      return err;
  }
  // The routine engine starts after recovery: catch-up runs queue behind
  // the requests the sessions resumed.
  routine_env re;
  re.router = d.router;
  re.storage = d.storage;
  re.store = d.store;
  re.now_ms = [] { return protocol::now_ms(); };
  d.routines = spawn_routines(d.sys, std::move(re));

  auth_policy auth{c.auth, c.token, c.password};
  auto cc = std::make_shared<client_config>();
  cc->router = d.router;
  cc->directory = d.directory;
  cc->auth = auth;
  cc->limiter = std::make_shared<failure_limiter>(c.limits.auth_failures_per_minute);
  cc->metrics = d.metrics;

  transport::server_options so;
  so.host = c.host;
  so.port = c.port;
  so.max_frame_bytes = c.limits.max_frame_bytes;
  so.write_queue_bytes = c.limits.write_queue_bytes;
  so.max_http_body_bytes = c.limits.max_http_body_bytes;
  so.ping_interval = std::chrono::seconds{c.limits.ping_interval_s};
  so.idle_timeout = std::chrono::seconds{c.limits.idle_timeout_s};
  so.http_timeout = std::chrono::seconds{c.limits.http_timeout_s};
  so.io_threads = c.io_threads;
  so.too_large_frame = [](size_t limit) {
    return protocol::encode_error({}, protocol::error_code::payload_too_large,
                                  "Frame exceeds the size limit of "
                                    + std::to_string(limit) + " bytes",
                                  protocol::now_ms());
  };
  http_context hc;
  hc.config = d.cfg;
  hc.auth = auth;
  hc.store = d.store;
  hc.metrics = d.metrics;
  hc.agents = catalog;
  hc.router = d.router;
  hc.storage = d.storage;
  hc.routines = d.routines;
  hc.sys = &d.sys;
  hc.config_path = c.source.empty() ? c.state_dir + "/wingman.config.json"
                                    : c.source;
  auto* srv_slot = &d.server;
  hc.server_stats = [srv_slot] {
    return *srv_slot ? (*srv_slot)->stats() : transport::server_stats{};
  };
  d.server = std::make_unique<transport::server>(
    so, make_client_sinks(d.sys, cc), make_http_api(std::move(hc)));
  if (auto err = d.server->listen(); !err.empty())
    return err;
  if (c.control_ui_enabled && c.control_ui_port != 0
      && c.control_ui_port != d.server->port()) {
    if (auto err = d.server->listen_also(c.host, c.control_ui_port); !err.empty())
      log::actors()->warn("control UI port not bound port={} error={}",
                          c.control_ui_port, err);
  }
  return {};
}

uint16_t gateway::port() const noexcept {
  return impl_->server ? impl_->server->port() : 0;
}

void gateway::run() {
  if (impl_->server)
    impl_->server->run();
}

void gateway::stop() {
  if (impl_->server)
    impl_->server->stop();
}

} // namespace wingman::actors
