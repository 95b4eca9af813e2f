#include "actors/http_automations.hpp"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <limits>

#include <caf/all.hpp>

#include "actors/auth.hpp"
#include "actors/webhook_intake.hpp"
#include "protocol/automation.hpp"
#include "protocol/codec.hpp"
#include "protocol/cron.hpp"
#include "protocol/records.hpp"

namespace wingman::actors {

namespace {

using transport::http_request;
using transport::http_responder;
using transport::http_response;
using storage::object_table;


/// Commits `batch` through the storage actor, then answers with `ok()`.
void commit(const http_context& ctx, storage::write_batch batch,
            std::function<http_response()> ok, http_responder respond) {
  auto storage = ctx.storage;
  ctx.sys->spawn([=](caf::event_based_actor* self) {
    self->request(storage, std::chrono::seconds{30}, write_request{batch})
      .then(
        [=](write_ack& ack) {
          respond(ack.ok ? ok() : http_error(500, "Storage failure: " + ack.error));
          self->quit();
        },
        [=](caf::error& err) {
          respond(http_error(500, "Storage failure: " + self->system().render(err)));
          self->quit();
        });
    return caf::behavior{[](caf::unit_t) {}};  // lives until the reply
  });
}

/// Splits `/api/<table>/<id>[/<action>]` after `prefix`.
void split_rest(const std::string& rest, std::string& id, std::string& action) {
  auto slash = rest.find('/');
  id = rest.substr(0, slash);
  action = slash == std::string::npos ? "" : rest.substr(slash + 1);
}

http_response method_not_allowed(const http_request& req, const char* allow) {
  auto r = http_error(405, "Method " + req.method + " not allowed on " + req.path);
  r.headers.emplace_back("Allow", allow);
  return r;
}

template <class Decode>
auto load(const http_context& ctx, object_table t, const std::string& id,
          Decode decode) -> decltype(decode(std::string_view{})) {
  auto raw = ctx.store->get_object(t, id);
  if (!raw)
    return raw.error();
  if (!*raw)
    return protocol::error{protocol::error_code::none, "not found"};
  return decode(**raw);
}

template <class Decode, class Encode>
http_response list(const http_context& ctx, object_table t, Decode decode,
                   Encode encode) {
  auto raw = ctx.store->list_objects(t);
  if (!raw)
    return http_error(500, raw.error().message);
  std::vector<std::string> out;
  for (auto& json : *raw) {
    auto rec = decode(json);
    if (!rec)
      return http_error(500, rec.error().message);
    out.push_back(encode(*rec));
  }
  return http_json(200, protocol::json_array(out));
}

bool known_agent(const http_context& ctx, const std::string& id) {
  return !id.empty() && ctx.agents->get(id).has_value();
}

// -- webhooks -----------------------------------------------------------------

void webhooks(const http_context& ctx, const http_request& req,
              const std::string& rest, http_responder& respond) {
  auto masked = [](const protocol::webhook_record& w) {
    return protocol::encode_webhook(w, false);
  };
  if (rest.empty()) {
    if (req.method == "GET")
      return respond(list(ctx, object_table::webhooks, protocol::decode_webhook, masked));
    if (req.method != "POST")
      return respond(method_not_allowed(req, "GET, POST"));
    protocol::webhook_record w;
    w.id = "wh_" + random_hex(8);
    w.created_at = protocol::now_ms();
    auto made = protocol::apply_webhook_body(req.body, w, true);
    if (!made)
      return respond(http_error(400, made.error().message));
    if (!known_agent(ctx, made->agent_id))
      return respond(http_error(400, "agentId must name a configured agent"));
    if (made->secret.empty())
      made->secret = "whsec_" + random_hex(24);
    auto rec = *made;
    return commit(ctx, {{storage::put_object{object_table::webhooks, rec.id,
                                             protocol::encode_webhook(rec, true)}}},
                  [rec] { return http_json(201, protocol::encode_webhook(rec, true)); },
                  std::move(respond));
  }
  std::string id, action;
  split_rest(rest, id, action);
  auto cur = load(ctx, object_table::webhooks, id, protocol::decode_webhook);
  if (!cur)
    return respond(cur.error().code == protocol::error_code::none
                     ? http_error(404, "Webhook not found: " + id)
                     : http_error(500, cur.error().message));
  if (action == "rotate") {
    if (req.method != "POST")
      return respond(method_not_allowed(req, "POST"));
    auto rec = *cur;
    rec.secret = "whsec_" + random_hex(24);
    return commit(ctx, {{storage::put_object{object_table::webhooks, id,
                                             protocol::encode_webhook(rec, true)}}},
                  [rec] { return http_json(200, protocol::encode_webhook(rec, true)); },
                  std::move(respond));
  }
  if (!action.empty())
    return respond(http_error(404, "Not found: " + req.path));
  if (req.method == "GET")
    return respond(http_json(200, masked(*cur)));
  if (req.method == "DELETE") {
    // The webhook goes with the GitHub deliveries it remembered.
    std::vector<storage::write_op> ops{storage::erase_object{object_table::webhooks, id}};
    erase_deliveries(*ctx.store, id + "/", std::numeric_limits<int64_t>::max(), ops);
    return commit(ctx, storage::write_batch{std::move(ops)},
                  [] { return http_json(200, "{\"ok\":true}"); },
                  std::move(respond));
  }
  if (req.method != "PUT")
    return respond(method_not_allowed(req, "GET, PUT, DELETE"));
  auto upd = protocol::apply_webhook_body(req.body, *cur, false);
  if (!upd)
    return respond(http_error(400, upd.error().message));
  if (!known_agent(ctx, upd->agent_id))
    return respond(http_error(400, "agentId must name a configured agent"));
  auto rec = *upd;
  commit(ctx, {{storage::put_object{object_table::webhooks, id,
                                    protocol::encode_webhook(rec, true)}}},
         [rec] { return http_json(200, protocol::encode_webhook(rec, false)); },
         std::move(respond));
}

// -- routines -----------------------------------------------------------------

/// Sends `msg` to the routine engine; answers with its outcome.
template <class Message>
void ask_routines(const http_context& ctx, Message msg, http_responder respond) {
  auto routines = ctx.routines;
  // Bounded by the HTTP handler timeout (`?wait=true` runs included).
  auto timeout = std::chrono::seconds{ctx.config->limits.http_timeout_s};
  ctx.sys->spawn([=](caf::event_based_actor* self) {
    self->request(routines, timeout, msg)
      .then(
        [=](routine_outcome& o) {
          respond(http_json(o.status, std::move(o.body)));
          self->quit();
        },
        [=](caf::error& err) {
          respond(http_error(503, "Routine engine unavailable: "
                                    + self->system().render(err)));
          self->quit();
        });
    return caf::behavior{[](caf::unit_t) {}};  // lives until the reply
  });
}

/// `GET /api/routines/preview?cron=...&timezone=...`: the next five fires.
http_response preview(const http_request& req) {
  auto schedule = protocol::parse_cron(query_param(req, "cron"));
  if (!schedule)
    return http_error(400, schedule.error().message);
  auto tz = query_param(req, "timezone");
  auto fires = protocol::next_fires(*schedule, tz, protocol::now_ms(), 5);
  if (!fires)
    return http_error(400, fires.error().message);
  std::vector<std::string> items;
  for (auto t : *fires)
    items.push_back(std::to_string(t));
  return http_json(200, "{\"nextRuns\":" + protocol::json_array(items) + "}");
}

/// `GET /api/routines/<id>/runs[?limit=N]`: newest first (default 50).
http_response runs(const http_context& ctx, const http_request& req,
                   const std::string& id) {
  auto all = ctx.store->list_objects(object_table::routine_runs, id + "/");
  if (!all)
    return http_error(500, all.error().message);
  size_t limit = 50;
  if (auto l = query_param(req, "limit"); !l.empty()) {
    char* end = nullptr;
    auto n = std::strtoul(l.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 1000)
      return http_error(400, "limit must be 1-1000");
    limit = n;
  }
  std::vector<std::string> out;
  for (auto i = all->rbegin(); i != all->rend() && out.size() < limit; ++i)
    out.push_back(*i);  // stored as encode_routine_run wrote it
  return http_json(200, protocol::json_array(out));
}

void routines(const http_context& ctx, const http_request& req,
              const std::string& rest, http_responder& respond) {
  if (rest.empty()) {
    if (req.method == "GET")
      return respond(list(ctx, object_table::routines, protocol::decode_routine,
                          protocol::encode_routine));
    if (req.method != "POST")
      return respond(method_not_allowed(req, "GET, POST"));
    protocol::routine_record r;
    r.id = "rt_" + random_hex(8);
    r.created_at = protocol::now_ms();
    auto made = protocol::apply_routine_body(req.body, r);
    if (!made)
      return respond(http_error(400, made.error().message));
    if (!known_agent(ctx, made->agent_id))
      return respond(http_error(400, "agentId must name a configured agent"));
    return ask_routines(ctx, routine_put{*made, true, true}, std::move(respond));
  }
  if (rest == "preview") {
    if (req.method != "GET")
      return respond(method_not_allowed(req, "GET"));
    return respond(preview(req));
  }
  std::string id, action;
  split_rest(rest, id, action);
  auto cur = load(ctx, object_table::routines, id, protocol::decode_routine);
  if (!cur)
    return respond(cur.error().code == protocol::error_code::none
                     ? http_error(404, "Routine not found: " + id)
                     : http_error(500, cur.error().message));
  if (action == "run") {
    if (req.method != "POST")
      return respond(method_not_allowed(req, "POST"));
    return ask_routines(ctx, routine_run_now{id, query_param(req, "wait") == "true"},
                        std::move(respond));
  }
  if (action == "runs") {
    if (req.method != "GET")
      return respond(method_not_allowed(req, "GET"));
    return respond(runs(ctx, req, id));
  }
  if (!action.empty())
    return respond(http_error(404, "Not found: " + req.path));
  if (req.method == "GET")
    return respond(http_json(200, protocol::encode_routine(*cur)));
  if (req.method == "DELETE")
    return ask_routines(ctx, routine_erase{id}, std::move(respond));
  if (req.method != "PUT")
    return respond(method_not_allowed(req, "GET, PUT, DELETE"));
  auto upd = protocol::apply_routine_body(req.body, *cur);
  if (!upd)
    return respond(http_error(400, upd.error().message));
  if (!known_agent(ctx, upd->agent_id))
    return respond(http_error(400, "agentId must name a configured agent"));
  // A new schedule (or re-enabling) starts from now: nothing counts as missed.
  bool reschedule = upd->cron != cur->cron || upd->timezone != cur->timezone
                    || (upd->enabled && !cur->enabled);
  ask_routines(ctx, routine_put{*upd, false, reschedule}, std::move(respond));
}

} // namespace

bool handle_automations(const http_context& ctx, const http_request& req,
                        http_responder& respond) {
  for (auto [prefix, fn] : {std::pair{"/api/webhooks", &webhooks},
                            std::pair{"/api/routines", &routines}}) {
    std::string p = prefix;
    if (req.path == p) {
      fn(ctx, req, "", respond);
      return true;
    }
    if (req.path.rfind(p + "/", 0) == 0 && req.path.size() > p.size() + 1) {
      fn(ctx, req, req.path.substr(p.size() + 1), respond);
      return true;
    }
  }
  return false;
}

} // namespace wingman::actors
