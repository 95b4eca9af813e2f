// Deterministic actor tests (C20): an actor system on CAF's test coordinator
// (no worker threads, simulated clock), an in-memory store, the gateway's
// actors wired as in production (storage not detached), and fake
// connections that record the frames they are sent.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/agent_actor.hpp"
#include "actors/client_actor.hpp"
#include "actors/directory_actor.hpp"
#include "actors/router_actor.hpp"
#include "actors/storage_actor.hpp"
#include "protocol/client_view.hpp"
#include "protocol/codec.hpp"
#include "storage/store.hpp"

namespace wingman::test {

/// A connection that records frames; `closed_with` holds the close code.
class fake_connection final : public transport::connection {
 public:
  explicit fake_connection(uint64_t id) : id_(id) {}

  void send(transport::shared_frame frame) override {
    if (!closed_with)
      frames.push_back(*frame);
  }
  void close(uint16_t code, std::string) override {
    if (!closed_with)
      closed_with = code;
  }
  uint64_t id() const noexcept override { return id_; }
  const std::string& remote_address() const noexcept override { return addr_; }

  /// Decoded view of every frame received so far.
  std::vector<protocol::client_view> views() const {
    std::vector<protocol::client_view> out;
    for (auto& f : frames)
      if (auto v = protocol::view_frame(f))
        out.push_back(*v);
    return out;
  }

  /// Views of frames with envelope `id == request_id` (acks, events).
  std::vector<protocol::client_view> about(const std::string& request_id) const {
    std::vector<protocol::client_view> out;
    for (auto& v : views())
      if (v.id == request_id)
        out.push_back(v);
    return out;
  }

  /// The `payload.type`/`status` sequence of frames about `request_id`.
  std::vector<std::string> events(const std::string& request_id) const {
    std::vector<std::string> out;
    for (auto& v : about(request_id))
      out.push_back(v.type == "ack" ? "ack:" + v.event : v.event);
    return out;
  }

  std::vector<std::string> frames;
  std::optional<uint16_t> closed_with;

 private:
  uint64_t id_;
  std::string addr_ = "127.0.0.1";
};

/// A store wrapper whose writes can be made to fail.
class flaky_store final : public storage::store {
 public:
  explicit flaky_store(std::shared_ptr<storage::store> inner)
    : inner_(std::move(inner)) {}
  bool fail_writes = false;
  /// A batch holding a `put_object` with this id fails (one bad write).
  std::string poison_id;
  storage::status apply(const storage::write_batch& b) override {
    if (fail_writes)
      return protocol::error{protocol::error_code::storage_failure,
                             "disk on fire (test)"};
    for (const auto& op : b.ops)
      if (auto* put = std::get_if<storage::put_object>(&op); put && put->id == poison_id)
        return protocol::error{protocol::error_code::storage_failure,
                               "poisoned write (test)"};
    return inner_->apply(b);
  }
  storage::expected<std::optional<protocol::session_record>>
  get_session(const std::string& a, const std::string& k) override {
    return inner_->get_session(a, k);
  }
  storage::expected<std::vector<protocol::session_record>>
  list_sessions(const storage::session_query& q) override {
    return inner_->list_sessions(q);
  }
  storage::expected<std::vector<protocol::message_record>>
  list_messages(const std::string& a, const std::string& k, size_t n) override {
    return inner_->list_messages(a, k, n);
  }
  storage::expected<std::vector<std::string>>
  list_message_json(const std::string& a, const std::string& k, size_t n) override {
    return inner_->list_message_json(a, k, n);
  }
  storage::expected<std::vector<protocol::pending_request>>
  list_pending(const std::string& a, const std::string& k) override {
    return inner_->list_pending(a, k);
  }
  storage::expected<std::vector<protocol::pending_request>>
  list_all_pending() override {
    return inner_->list_all_pending();
  }
  storage::expected<std::optional<std::string>>
  get_object(storage::object_table t, const std::string& id) override {
    return inner_->get_object(t, id);
  }
  storage::expected<std::vector<std::string>>
  list_objects(storage::object_table t, const std::string& prefix = "") override {
    return inner_->list_objects(t, prefix);
  }

 private:
  std::shared_ptr<storage::store> inner_;
};

/// Builds the actor system on the test coordinator.
inline caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

/// The gateway's actors on a deterministic scheduler.
struct actor_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<storage::store> mem = storage::make_memory_store();
  std::shared_ptr<flaky_store> store = std::make_shared<flaky_store>(mem);
  std::shared_ptr<actors::gateway_metrics> metrics =
    std::make_shared<actors::gateway_metrics>();
  actors::storage_actor storage;
  actors::client_directory directory;
  std::vector<actors::agent_entry> agents;
  actors::router_actor router;
  std::shared_ptr<actors::client_config> client_cfg;
  std::vector<std::shared_ptr<fake_connection>> conns;
  std::vector<actors::client_actor> clients;
  uint64_t next_conn = 1;

  actor_fixture()
    : sys(testing_config(cfg)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    storage = actors::spawn_storage(sys, {store, metrics, false});
    directory = actors::spawn_directory(sys);
  }

  ~actor_fixture() {
    for (auto& c : clients)
      caf::anon_send_exit(c, caf::exit_reason::kill);
    for (auto& a : agents)
      caf::anon_send_exit(a.handle, caf::exit_reason::kill);
    if (router)
      caf::anon_send_exit(router, caf::exit_reason::kill);
    caf::anon_send_exit(directory.actor, caf::exit_reason::kill);
    caf::anon_send_exit(storage, caf::exit_reason::kill);
    run();
  }

  /// Adds an agent (before `start`).
  void add_agent(const std::string& id, protocol::echo_options echo = {}) {
    protocol::agent_config a;
    a.id = id;
    a.name = id;
    a.echo = echo;
    agents.push_back({a, actors::spawn_agent(sys, a)});
  }

  /// Spawns the router (and runs recovery) with the given bindings.
  void start(std::vector<protocol::binding> bindings = {},
             size_t queue_depth = 100,
             protocol::auth_mode mode = protocol::auth_mode::none,
             std::string secret = {}) {
    actors::router_config rc;
    rc.agents = agents;
    rc.bindings = std::move(bindings);
    rc.default_agent = agents.front().config.id;
    rc.session_queue_depth = queue_depth;
    rc.storage = storage;
    rc.directory = directory;
    rc.store = store;
    rc.metrics = metrics;
    router = actors::spawn_router(sys, std::move(rc));
    client_cfg = std::make_shared<actors::client_config>();
    client_cfg->router = router;
    client_cfg->directory = directory;
    client_cfg->auth = actors::auth_policy{mode, secret, secret};
    client_cfg->limiter = std::make_shared<actors::failure_limiter>(3);
    client_cfg->metrics = metrics;
    run();
  }

  /// Opens a connection with its client actor; returns its index.
  size_t open() {
    conns.push_back(std::make_shared<fake_connection>(next_conn++));
    clients.push_back(actors::spawn_client(sys, client_cfg, conns.back()));
    run();
    return conns.size() - 1;
  }

  /// Opens and connects a client of `type` with `instance` id.
  size_t connect(const std::string& instance, const std::string& type = "cli",
                 const std::string& auth = "{}") {
    auto i = open();
    send(i, R"({"type":"connect","id":"c","client":{"instanceId":")" + instance
              + R"(","clientType":")" + type + R"("},"auth":)" + auth
              + R"(,"timestamp":1})");
    return i;
  }

  /// Delivers one inbound text frame to client `i` and runs to quiescence.
  void send(size_t i, const std::string& text) {
    caf::anon_send(clients[i], actors::inbound_text{text});
    run();
  }

  /// `session_subscribe` (or, with `on` false, `session_unsubscribe`) of
  /// session `key` from client `i`.
  void subscribe(size_t i, const std::string& key, bool on = true) {
    send(i, std::string{R"({"type":")"} + (on ? "session_subscribe" : "session_unsubscribe")
              + R"(","id":"s","payload":{"sessionId":")" + key + R"("},"timestamp":1})");
  }

  /// `req:agent` helper: `extra` is added to the payload object.
  void request(size_t i, const std::string& id, const std::string& content,
               const std::string& extra = "") {
    send(i, R"({"type":"req:agent","id":")" + id + R"(","payload":{"content":")"
              + content + "\"" + (extra.empty() ? "" : "," + extra)
              + R"(},"timestamp":1})");
  }

  /// Processes every pending message (no time passes).
  void run() { sched.run(); }

  /// Lets `ms` of simulated time pass in 10 ms steps, running to quiescence
  /// after each, so chains of timers (a timer whose handler arms the next)
  /// play out as they would in real time.
  void advance(int64_t ms) {
    for (int64_t t = 0; t < ms; t += 10) {
      sched.advance_time(std::chrono::milliseconds{10});
      run();
    }
  }

  fake_connection& conn(size_t i) { return *conns[i]; }
};

} // namespace wingman::test
