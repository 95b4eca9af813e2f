#include "actors/webhook_intake.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <chrono>
#include <optional>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "protocol/automation.hpp"
#include "protocol/client_view.hpp"
#include "protocol/codec.hpp"
#include "protocol/records.hpp"
#include "protocol/webhook_content.hpp"

namespace wingman::actors {

namespace {

using transport::http_request;
using transport::http_responder;
using transport::http_response;

using webhook_timeout_atom = caf::atom_constant<caf::atom("whtimeout")>;


/// Receives the request's frames for `?wait=true` and answers the HTTP call
/// at its terminal event.
class reply_waiter final : public transport::connection {
 public:
  reply_waiter(std::string request_id, std::string session_id,
               http_responder respond)
    : request_id_(std::move(request_id)),
      session_id_(std::move(session_id)),
      respond_(std::move(respond)) {}

  void send(transport::shared_frame frame) override {
    auto v = protocol::view_frame(*frame);
    if (!v || v->id != request_id_)
      return;
    if (v->event != "agent-complete" && v->event != "agent-error")
      return;
    bool ok = v->event == "agent-complete";
    std::string body = "{\"ok\":" + std::string{ok ? "true" : "false"}
                       + ",\"sessionId\":" + protocol::json_string(session_id_)
                       + ",\"requestId\":" + protocol::json_string(request_id_)
                       + (ok ? ",\"response\":" + protocol::json_string(v->response)
                             : ",\"error\":" + protocol::json_string(v->message))
                       + "}";
    respond_(http_json(ok ? 200 : 502, std::move(body)));
    if (holder_)
      caf::anon_send_exit(holder_, caf::exit_reason::user_shutdown);
  }

  /// The actor that keeps this waiter alive; stopped once the reply is sent.
  caf::actor holder_;
  void close(uint16_t, std::string) override {}
  uint64_t id() const noexcept override { return 0; }
  const std::string& remote_address() const noexcept override { return addr_; }

 private:
  std::string request_id_;
  std::string session_id_;
  http_responder respond_;  // transport: only the first call counts
  std::string addr_ = "webhook";
};

/// GitHub's delivery ids are GUIDs; anything else is refused before it can
/// reach the store (whose keys are bounded).
bool valid_delivery_id(const std::string& id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return false;
  return true;
}

} // namespace

std::string github_signature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* digits = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(digits[mac[i] >> 4]);
    out.push_back(digits[mac[i] & 15]);
  }
  return out;
}

bool webhook_intake::seen(const http_context& ctx, const protocol::webhook_delivery& d) {
  auto key = d.storage_id();
  std::lock_guard<std::mutex> g{mtx_};
  if (deliveries_.count(key))
    return true;
  // Not cached: a delivery from before a restart (or evicted) is in the store.
  auto stored = ctx.store->get_object(storage::object_table::webhook_deliveries, key);
  if (!stored)
    log::actors()->error("webhook={} delivery lookup failed: {}", d.webhook_id,
                         stored.error().message);
  bool known = stored && stored->has_value();
  deliveries_.insert(key);
  delivery_order_.push_back(key);
  if (delivery_order_.size() > max_cached_deliveries) {
    deliveries_.erase(delivery_order_.front());
    delivery_order_.pop_front();
  }
  return known;
}

std::vector<storage::write_op> webhook_intake::prune_ops(const http_context& ctx,
                                                         int64_t now) {
  std::vector<storage::write_op> ops;
  {
    std::lock_guard<std::mutex> g{mtx_};
    if (++since_prune_ < prune_every)
      return ops;
    since_prune_ = 0;
  }
  // The scan runs without the lock (an LMDB read transaction of its own).
  erase_deliveries(*ctx.store, "", now - delivery_retention_ms, ops);
  return ops;
}

void erase_deliveries(storage::store& store, const std::string& prefix,
                      int64_t seen_before, std::vector<storage::write_op>& ops) {
  auto stored = store.list_objects(storage::object_table::webhook_deliveries, prefix);
  if (!stored)
    return;
  for (auto& json : *stored) {
    auto d = protocol::decode_webhook_delivery(json);
    if (d && d->seen_at < seen_before)
      ops.push_back(storage::erase_object{storage::object_table::webhook_deliveries,
                                          d->storage_id()});
  }
}

bool webhook_intake::handle(const http_context& ctx, const http_request& req,
                            http_responder& respond) {
  static const std::string prefix = "/webhooks/";
  if (req.path.rfind(prefix, 0) != 0)
    return false;
  auto id = req.path.substr(prefix.size());
  if (id.empty() || id.find('/') != std::string::npos) {
    respond(http_error(404, "Not found: " + req.path));
    return true;
  }
  if (req.method != "POST") {
    auto r = http_error(405, "Webhooks are invoked with POST");
    r.headers.emplace_back("Allow", "POST");
    respond(std::move(r));
    return true;
  }
  auto now = failure_limiter::clock::now();
  if (auto wait = limiter_.retry_after_ms(req.remote_address, now); wait > 0) {
    auto r = http_error(429, "Too many failed attempts from this address; retry later");
    r.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    respond(std::move(r));
    return true;
  }
  auto raw = ctx.store->get_object(storage::object_table::webhooks, id);
  if (!raw) {
    respond(http_error(500, raw.error().message));
    return true;
  }
  if (!*raw) {
    respond(http_error(404, "Webhook not found: " + id));
    return true;
  }
  auto hook = protocol::decode_webhook(**raw);
  if (!hook) {
    respond(http_error(500, hook.error().message));
    return true;
  }
  auto& w = *hook;
  if (!w.enabled) {
    respond(http_error(403, "Webhook is disabled"));
    return true;
  }
  if (!w.allowlist.empty()) {
    bool allowed = false;
    for (auto& c : w.allowlist)
      allowed = allowed || protocol::cidr_contains(c, req.remote_address);
    if (!allowed) {
      respond(http_error(403, "Address " + req.remote_address
                                + " is not in the webhook's allowlist"));
      return true;
    }
  }
  auto refuse = [&](const std::string& why) {
    limiter_.record_failure(req.remote_address, now);
    respond(http_error(401, why));
  };
  if (w.secret.empty()) {
    refuse("Webhook has no secret configured; every call is refused");
    return true;
  }
  std::string github_event;
  std::optional<protocol::webhook_delivery> delivery;  // GitHub's, to store
  if (w.preset == "github") {
    auto* sig = req.header("x-hub-signature-256");
    if (!sig || !constant_time_equal(*sig, github_signature(w.secret, req.body))) {
      refuse("Missing or wrong X-Hub-Signature-256");
      return true;
    }
    if (auto* id = req.header("x-github-delivery"); id && !id->empty()) {
      if (!valid_delivery_id(*id)) {
        respond(http_error(400, "X-GitHub-Delivery must be 1-128 characters of "
                                "A-Z a-z 0-9 - _"));
        return true;
      }
      delivery = protocol::webhook_delivery{w.id, *id, protocol::now_ms()};
    }
    if (auto* ev = req.header("x-github-event"))
      github_event = *ev;
  } else {
    std::string given;
    if (auto* h = req.header("x-wingman-secret"))
      given = *h;
    else
      given = query_param(req, "secret");
    if (given.empty() || !constant_time_equal(given, w.secret)) {
      refuse("Missing or wrong webhook secret");
      return true;
    }
  }
  limiter_.reset(req.remote_address);
  if (!ctx.agents->get(w.agent_id)) {
    respond(http_error(409, "The webhook's agent \"" + w.agent_id
                              + "\" no longer exists"));
    return true;
  }
  // Remembered only now that the call is accepted: a delivery refused
  // above (e.g. a 409) runs when GitHub redelivers it.
  if (delivery && seen(ctx, *delivery)) {
    respond(http_json(200, "{\"ok\":true,\"duplicate\":true}"));
    return true;
  }
  auto session = w.session_id.empty() ? "agent:" + w.agent_id + ":webhook:" + w.id
                                      : w.session_id;
  auto request_id = "wh-" + random_hex(8);
  route_request r;
  r.request_id = request_id;
  r.req.agent_id = w.agent_id;
  r.req.session_key = session;
  r.req.content = protocol::webhook_prompt(
    {req.body, w.preset, github_event, w.name, w.event_label});
  protocol::routing_info routing;
  routing.channel = "webhook";
  routing.account_id = w.id;
  r.req.routing = routing;
  r.from.instance_id = "webhook:" + w.id;
  r.session_name = "Webhook: " + w.name;
  // lastTriggeredAt (best effort; the call itself is already accepted).
  // lastTriggeredAt (best effort; the call itself is already accepted) and
  // the GitHub delivery id (the replay guard after a restart), in one batch.
  w.last_triggered_at = protocol::now_ms();
  storage::write_batch batch;
  batch.ops.push_back(storage::put_object{storage::object_table::webhooks, w.id,
                                          protocol::encode_webhook(w, true)});
  if (delivery) {
    batch.ops.push_back(storage::put_object{storage::object_table::webhook_deliveries,
                                            delivery->storage_id(),
                                            protocol::encode_webhook_delivery(*delivery)});
    for (auto& op : prune_ops(ctx, w.last_triggered_at))
      batch.ops.push_back(std::move(op));
  }
  caf::anon_send(ctx.storage, write_request{std::move(batch)});
  if (query_param(req, "wait") == "true") {
    auto waiter = std::make_shared<reply_waiter>(request_id, session, respond);
    // A short-lived actor identifies the waiter as the requester and keeps
    // it alive until the reply or the timeout (the transport answers 503
    // after gateway.limits.httpTimeoutSeconds in any case).
    auto timeout = std::chrono::seconds{ctx.config->limits.http_timeout_s};
    auto holder = ctx.sys->spawn([waiter, timeout](caf::event_based_actor* self) {
      self->delayed_send(self, timeout, webhook_timeout_atom::value);
      // The behavior (not the init function, which CAF drops) owns the
      // waiter until the actor quits: at the reply or at the timeout.
      return caf::behavior{[self, waiter](webhook_timeout_atom) { self->quit(); }};
    });
    waiter->holder_ = holder;  // set before any frame can arrive
    r.from.client = caf::actor_cast<caf::actor_addr>(holder);
    r.from.conn = waiter;
    caf::anon_send(ctx.router, std::move(r));
    return true;
  }
  caf::anon_send(ctx.router, std::move(r));
  respond(http_json(200, "{\"ok\":true,\"sessionId\":" + protocol::json_string(session)
                           + ",\"requestId\":" + protocol::json_string(request_id)
                           + "}"));
  return true;
}

} // namespace wingman::actors
