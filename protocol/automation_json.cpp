#include "protocol/automation.hpp"
#include "protocol/cron.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "protocol/json_internal.hpp"

namespace wingman::protocol {

namespace {

using rapidjson::Value;
using detail::find_member;
using detail::json_writer;

error bad(std::string message) {
  return error{error_code::invalid_request, std::move(message)};
}

error corrupt(std::string message) {
  return error{error_code::storage_failure, std::move(message)};
}

// -- reading members ----------------------------------------------------------

/// Reads string member `key` into `out` if present; error names the field.
bool read_string(const Value& obj, const char* key, std::string& out,
                 error& err) {
  auto* v = find_member(obj, key);
  if (!v)
    return true;
  if (!v->IsString()) {
    err = bad(std::string{key} + " must be a string");
    return false;
  }
  out.assign(v->GetString(), v->GetStringLength());
  return true;
}

bool read_bool(const Value& obj, const char* key, bool& out, error& err) {
  auto* v = find_member(obj, key);
  if (!v)
    return true;
  if (!v->IsBool()) {
    err = bad(std::string{key} + " must be true or false");
    return false;
  }
  out = v->GetBool();
  return true;
}

bool read_int(const Value& obj, const char* key, int64_t& out, error& err) {
  auto* v = find_member(obj, key);
  if (!v)
    return true;
  if (!v->IsInt64()) {
    err = corrupt(std::string{key} + " must be an integer");
    return false;
  }
  out = v->GetInt64();
  return true;
}

bool read_strings(const Value& obj, const char* key,
                  std::vector<std::string>& out, error& err) {
  auto* v = find_member(obj, key);
  if (!v)
    return true;
  if (!v->IsArray()) {
    err = bad(std::string{key} + " must be an array of strings");
    return false;
  }
  std::vector<std::string> list;
  for (auto& x : v->GetArray()) {
    if (!x.IsString()) {
      err = bad(std::string{key} + " must be an array of strings");
      return false;
    }
    list.emplace_back(x.GetString(), x.GetStringLength());
  }
  out = std::move(list);
  return true;
}

/// Parses `text` as a JSON object (an empty body is `{}`).
bool parse_object(std::string_view text, rapidjson::Document& d, error& err,
                  bool stored) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    text = "{}";
  d.Parse<detail::parse_flags>(text.data(), text.size());
  if (d.HasParseError()) {
    std::string why = rapidjson::GetParseError_En(d.GetParseError());
    err = stored ? corrupt("stored record is not valid JSON: " + why)
                 : bad("body is not valid JSON: " + why);
    return false;
  }
  if (!d.IsObject()) {
    err = stored ? corrupt("stored record is not a JSON object")
                 : bad("body must be a JSON object");
    return false;
  }
  return true;
}

/// Writes `key`: the time in ms, or null when it is 0 (never happened).
void write_time(json_writer& wr, const char* key, int64_t ms) {
  wr.Key(key);
  if (ms > 0)
    wr.Int64(ms);
  else
    wr.Null();
}

std::string masked(const std::string& secret) {
  if (secret.size() <= 4)
    return "••••";
  return "••••" + secret.substr(secret.size() - 4);
}

} // namespace

// -- CIDR ---------------------------------------------------------------------

std::string validate_cidr(std::string_view cidr) {
  std::string text{cidr};
  auto slash = text.find('/');
  std::string addr = text.substr(0, slash);
  unsigned char buf[16];
  int bits = 0;
  if (::inet_pton(AF_INET, addr.c_str(), buf) == 1)
    bits = 32;
  else if (::inet_pton(AF_INET6, addr.c_str(), buf) == 1)
    bits = 128;
  else
    return "\"" + text + "\" is not an IPv4 or IPv6 address";
  if (slash != std::string::npos) {
    auto len = text.substr(slash + 1);
    bool digits = !len.empty() && len.size() <= 3
                  && std::all_of(len.begin(), len.end(), [](char c) {
                       return std::isdigit(static_cast<unsigned char>(c));
                     });
    if (!digits || std::atoi(len.c_str()) > bits)
      return "\"" + text + "\" has an invalid prefix length (0-"
             + std::to_string(bits) + ")";
  }
  return {};
}

namespace {

/// Parses an address into 16 bytes (IPv4 as IPv4-mapped IPv6); false if bad.
bool parse_address(const std::string& text, unsigned char out[16]) {
  unsigned char v4[4];
  if (::inet_pton(AF_INET, text.c_str(), v4) == 1) {
    std::fill(out, out + 10, 0);
    out[10] = out[11] = 0xff;
    std::copy(v4, v4 + 4, out + 12);
    return true;
  }
  return ::inet_pton(AF_INET6, text.c_str(), out) == 1;
}

} // namespace

bool cidr_contains(std::string_view cidr, std::string_view address) {
  if (!validate_cidr(cidr).empty())
    return false;
  std::string text{cidr};
  auto slash = text.find('/');
  auto net_text = text.substr(0, slash);
  bool v4 = net_text.find(':') == std::string::npos;
  int bits = v4 ? 32 : 128;
  if (slash != std::string::npos)
    bits = std::atoi(text.c_str() + slash + 1);
  if (v4)
    bits += 96;  // compare in the IPv4-mapped space
  unsigned char net[16], addr[16];
  if (!parse_address(net_text, net) || !parse_address(std::string{address}, addr))
    return false;
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((net[byte] >> bit) & 1) != ((addr[byte] >> bit) & 1))
      return false;
  }
  return true;
}

// -- webhooks -----------------------------------------------------------------

namespace {

/// The webhook members an HTTP body may set (all but id, secret and the
/// timestamps); the stored record has them too. One list for both readers.
bool read_webhook_settings(const Value& d, webhook_record& w, error& err) {
  return read_string(d, "name", w.name, err)
         && read_string(d, "agentId", w.agent_id, err)
         && read_bool(d, "enabled", w.enabled, err)
         && read_string(d, "eventLabel", w.event_label, err)
         && read_string(d, "preset", w.preset, err)
         && read_string(d, "sessionId", w.session_id, err)
         && read_strings(d, "allowlist", w.allowlist, err);
}

/// The routine members an HTTP body may set (all but id and timestamps).
bool read_routine_settings(const Value& d, routine_record& r, error& err) {
  return read_string(d, "name", r.name, err)
         && read_string(d, "agentId", r.agent_id, err)
         && read_string(d, "cron", r.cron, err)
         && read_string(d, "prompt", r.prompt, err)
         && read_bool(d, "enabled", r.enabled, err)
         && read_string(d, "sessionId", r.session_id, err)
         && read_string(d, "timezone", r.timezone, err)
         && read_string(d, "missedRunPolicy", r.missed_run_policy, err);
}

} // namespace

std::string encode_webhook_delivery(const webhook_delivery& d) {
  rapidjson::StringBuffer buf;
  json_writer wr{buf};
  wr.StartObject();
  detail::write_field(wr, "webhookId", d.webhook_id);
  detail::write_field(wr, "deliveryId", d.delivery_id);
  wr.Key("seenAt");
  wr.Int64(d.seen_at);
  wr.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

expected<webhook_delivery> decode_webhook_delivery(std::string_view json) {
  rapidjson::Document d;
  error err;
  if (!parse_object(json, d, err, true))
    return err;
  webhook_delivery out;
  if (read_string(d, "webhookId", out.webhook_id, err)
      && read_string(d, "deliveryId", out.delivery_id, err)
      && read_int(d, "seenAt", out.seen_at, err))
    return out;
  return corrupt("webhook delivery record: " + err.message);
}

std::string encode_webhook(const webhook_record& w, bool show_secret) {
  rapidjson::StringBuffer buf;
  json_writer wr{buf};
  wr.StartObject();
  detail::write_field(wr, "id", w.id);
  detail::write_field(wr, "name", w.name);
  detail::write_field(wr, "agentId", w.agent_id);
  detail::write_field(wr, "secret", show_secret ? w.secret : masked(w.secret));
  wr.Key("enabled");
  wr.Bool(w.enabled);
  detail::write_nonempty(wr, "eventLabel", w.event_label);
  detail::write_nonempty(wr, "preset", w.preset);
  detail::write_nonempty(wr, "sessionId", w.session_id);
  wr.Key("allowlist");
  wr.StartArray();
  for (auto& c : w.allowlist)
    detail::write_string(wr, c);
  wr.EndArray();
  wr.Key("createdAt");
  wr.Int64(w.created_at);
  write_time(wr, "lastTriggeredAt", w.last_triggered_at);
  detail::write_field(wr, "url", "/webhooks/" + w.id);
  wr.Key("v");
  wr.Int(1);
  wr.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

expected<webhook_record> decode_webhook(std::string_view json) {
  rapidjson::Document d;
  error err;
  if (!parse_object(json, d, err, true))
    return err;
  webhook_record w;
  if (read_string(d, "id", w.id, err)
      && read_string(d, "secret", w.secret, err)
      && read_webhook_settings(d, w, err)
      && read_int(d, "createdAt", w.created_at, err)
      && read_int(d, "lastTriggeredAt", w.last_triggered_at, err))
    return w;
  return corrupt("webhook record: " + err.message);
}

expected<webhook_record> apply_webhook_body(std::string_view body,
                                            webhook_record w, bool allow_secret) {
  rapidjson::Document d;
  error err;
  if (!parse_object(body, d, err, false))
    return err;
  if (!(read_webhook_settings(d, w, err)
        && (!allow_secret || read_string(d, "secret", w.secret, err))))
    return err;
  if (w.name.empty())
    return bad("name must not be empty");
  if (!w.preset.empty() && w.preset != "gog-gmail" && w.preset != "github")
    return bad("preset must be gog-gmail or github");
  if (allow_secret && find_member(d, "secret") && w.secret.size() < 16)
    return bad("secret must be at least 16 characters (omit it to generate one)");
  for (auto& c : w.allowlist)
    if (auto why = validate_cidr(c); !why.empty())
      return bad("allowlist: " + why);
  return w;
}

// -- routines -----------------------------------------------------------------

std::string encode_routine(const routine_record& r) {
  rapidjson::StringBuffer buf;
  json_writer wr{buf};
  wr.StartObject();
  detail::write_field(wr, "id", r.id);
  detail::write_field(wr, "name", r.name);
  detail::write_field(wr, "agentId", r.agent_id);
  detail::write_field(wr, "cron", r.cron);
  detail::write_field(wr, "prompt", r.prompt);
  wr.Key("enabled");
  wr.Bool(r.enabled);
  detail::write_nonempty(wr, "sessionId", r.session_id);
  detail::write_nonempty(wr, "timezone", r.timezone);
  detail::write_field(wr, "missedRunPolicy", r.missed_run_policy);
  wr.Key("createdAt");
  wr.Int64(r.created_at);
  write_time(wr, "lastRunAt", r.last_run_at);
  write_time(wr, "nextRunAt", r.next_run_at);
  wr.Key("v");
  wr.Int(1);
  wr.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

expected<routine_record> decode_routine(std::string_view json) {
  rapidjson::Document d;
  error err;
  if (!parse_object(json, d, err, true))
    return err;
  routine_record r;
  if (read_string(d, "id", r.id, err) && read_routine_settings(d, r, err)
      && read_int(d, "createdAt", r.created_at, err)
      && read_int(d, "lastRunAt", r.last_run_at, err)
      && read_int(d, "nextRunAt", r.next_run_at, err))
    return r;
  return corrupt("routine record: " + err.message);
}

// -- routine runs -------------------------------------------------------------

std::string routine_run_record::storage_id() const {
  auto started = std::to_string(started_at < 0 ? 0 : started_at);
  if (started.size() < 13)
    started.insert(0, 13 - started.size(), '0');
  return routine_id + "/" + started + "-" + request_id;
}

std::string encode_routine_run(const routine_run_record& r) {
  rapidjson::StringBuffer buf;
  json_writer wr{buf};
  wr.StartObject();
  detail::write_field(wr, "routineId", r.routine_id);
  detail::write_field(wr, "requestId", r.request_id);
  detail::write_field(wr, "sessionId", r.session_id);
  detail::write_field(wr, "trigger", r.trigger);
  detail::write_field(wr, "status", r.status);
  detail::write_nonempty(wr, "error", r.error);
  write_time(wr, "scheduledAt", r.scheduled_at);
  wr.Key("startedAt");
  wr.Int64(r.started_at);
  write_time(wr, "finishedAt", r.finished_at);
  wr.Key("durationMs");
  if (r.finished_at > 0)
    wr.Int64(r.finished_at - r.started_at);
  else
    wr.Null();
  wr.Key("v");
  wr.Int(1);
  wr.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

expected<routine_run_record> decode_routine_run(std::string_view json) {
  rapidjson::Document d;
  error err;
  if (!parse_object(json, d, err, true))
    return err;
  routine_run_record r;
  if (read_string(d, "routineId", r.routine_id, err)
      && read_string(d, "requestId", r.request_id, err)
      && read_string(d, "sessionId", r.session_id, err)
      && read_string(d, "trigger", r.trigger, err)
      && read_string(d, "status", r.status, err)
      && read_string(d, "error", r.error, err)
      && read_int(d, "scheduledAt", r.scheduled_at, err)
      && read_int(d, "startedAt", r.started_at, err)
      && read_int(d, "finishedAt", r.finished_at, err))
    return r;
  return corrupt("routine run record: " + err.message);
}

expected<routine_record> apply_routine_body(std::string_view body,
                                            routine_record r) {
  rapidjson::Document d;
  error err;
  if (!parse_object(body, d, err, false))
    return err;
  if (!read_routine_settings(d, r, err))
    return err;
  if (r.name.empty())
    return bad("name must not be empty");
  if (r.prompt.empty())
    return bad("prompt must not be empty");
  if (auto why = validate_cron(r.cron); !why.empty())
    return bad(why);
  if (r.missed_run_policy != "skip" && r.missed_run_policy != "run-once")
    return bad("missedRunPolicy must be skip or run-once");
  if (r.timezone.find("..") != std::string::npos
      || (!r.timezone.empty() && r.timezone.front() == '/'))
    return bad("timezone must be an IANA name such as Europe/Paris");
  if (auto why = validate_timezone(r.timezone); !why.empty())
    return bad(why);
  auto schedule = parse_cron(r.cron);
  if (!schedule)
    return schedule.error();
  if (auto fire = next_fire(*schedule, r.timezone, 0); !fire)
    return bad(fire.error().message);
  return r;
}

} // namespace wingman::protocol
