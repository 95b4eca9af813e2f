#include "protocol/records.hpp"

#include <utility>

#include <rapidjson/error/en.h>

#include "protocol/json_internal.hpp"

namespace wingman::protocol {

namespace {

using rapidjson::Value;
using detail::json_writer;
using detail::write_field;
using detail::write_nonempty;

/// The record layout version written by this code (docs/storage.md).
constexpr int64_t record_version = 1;

std::string to_string(const rapidjson::StringBuffer& buf) {
  return std::string{buf.GetString(), buf.GetSize()};
}

/// Reads the members of one record object, keeping the first error.
class record_reader {
 public:
  record_reader(const Value& obj, const char* what) : obj_(obj), what_(what) {}

  bool ok() const noexcept { return error_.empty(); }

  /// The first error as a `storage_failure`.
  protocol::error error() const {
    return {error_code::storage_failure, std::string{what_} + ": " + error_};
  }

  /// Required string member.
  void str(const char* key, std::string& out) {
    if (const Value* v = get(key)) {
      if (v->IsString())
        out.assign(v->GetString(), v->GetStringLength());
      else
        fail(key, "must be a string");
    }
  }

  /// Optional string member: absent or null leaves `out` empty.
  void opt_str(const char* key, std::string& out) {
    if (!ok())
      return;
    if (auto err = detail::read_string(obj_, key, {}, out); !err.empty())
      error_ = std::move(err);
  }

  void i64(const char* key, int64_t& out) {
    if (const Value* v = get(key)) {
      if (v->IsInt64())
        out = v->GetInt64();
      else
        fail(key, "must be an integer");
    }
  }

  void u64(const char* key, uint64_t& out) {
    if (const Value* v = get(key)) {
      if (v->IsUint64())
        out = v->GetUint64();
      else
        fail(key, "must be a non-negative integer");
    }
  }

  void boolean(const char* key, bool& out) {
    if (const Value* v = get(key)) {
      if (v->IsBool())
        out = v->GetBool();
      else
        fail(key, "must be a boolean");
    }
  }

  /// Checks `v` equals `record_version`.
  void version() {
    int64_t v = 0;
    i64("v", v);
    if (ok() && v != record_version)
      error_ = "unsupported record version " + std::to_string(v);
  }

  void attachments(const char* key, std::vector<attachment>& out,
                   bool required) {
    if (!ok())
      return;
    auto it = obj_.FindMember(key);
    if (it == obj_.MemberEnd()) {
      if (required)
        fail(key, "is missing");
      return;
    }
    if (auto err = detail::read_attachments(it->value, key, out); !err.empty())
      error_ = std::move(err);
  }

  /// Required object member; null if absent or of another type.
  const Value* object(const char* key) {
    const Value* v = get(key);
    if (v && !v->IsObject()) {
      fail(key, "must be an object");
      return nullptr;
    }
    return v;
  }

  /// Records `key` + " " + `what` unless an error is already recorded.
  void fail(std::string_view key, std::string_view what) {
    if (ok())
      error_ = std::string{key} + " " + std::string{what};
  }

  /// Records a complete message found by the caller.
  void fail(std::string message) {
    if (ok())
      error_ = std::move(message);
  }

 private:
  const Value* get(const char* key) {
    if (!ok())
      return nullptr;
    auto it = obj_.FindMember(key);
    if (it == obj_.MemberEnd()) {
      fail(key, "is missing");
      return nullptr;
    }
    return &it->value;
  }

  const Value& obj_;
  const char* what_;
  std::string error_;
};

/// Parses `json` into `doc`; returns an error message or an empty string.
/// A record's DOM (`detail::stack_document`): reading a session's history
/// decodes ~100 records per provider turn.
using record_doc = detail::stack_document<4096, 1024>;

std::string parse_record(detail::stack_document_type& doc, std::string_view json,
                         const char* what) {
  doc.Parse<detail::parse_flags>(json.data(), json.size());
  if (doc.HasParseError())
    return std::string{what} + ": invalid JSON at offset "
           + std::to_string(doc.GetErrorOffset()) + ": "
           + rapidjson::GetParseError_En(doc.GetParseError());
  if (!doc.IsObject())
    return std::string{what} + ": expected a JSON object";
  return {};
}

protocol::error storage_error(std::string message) {
  return {error_code::storage_failure, std::move(message)};
}

void write_version(json_writer& w) {
  w.Key("v");
  w.Int64(record_version);
}

} // namespace

// -- session_record -----------------------------------------------------------

std::string encode_session_record(const session_record& r) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "id", r.id);
  write_field(w, "name", r.name);
  write_field(w, "agentId", r.agent_id);
  w.Key("createdAt");
  w.Int64(r.created_at);
  w.Key("updatedAt");
  w.Int64(r.updated_at);
  w.Key("messageCount");
  w.Uint64(r.message_count);
  write_field(w, "lastMessagePreview", r.last_message_preview);
  w.Key("workdir");
  if (r.workdir.empty())
    w.Null();
  else
    detail::write_string(w, r.workdir);
  w.Key("nextSeq");
  w.Uint64(r.next_seq);
  write_version(w);
  w.EndObject();
  return to_string(buf);
}

expected<session_record> decode_session_record(std::string_view json) {
  constexpr const char* what = "session record";
  record_doc holder;
  auto& doc = holder.doc;
  if (auto err = parse_record(doc, json, what); !err.empty())
    return storage_error(std::move(err));
  session_record r;
  record_reader in{doc, what};
  in.version();
  in.str("id", r.id);
  in.str("name", r.name);
  in.str("agentId", r.agent_id);
  in.i64("createdAt", r.created_at);
  in.i64("updatedAt", r.updated_at);
  in.u64("messageCount", r.message_count);
  in.str("lastMessagePreview", r.last_message_preview);
  in.opt_str("workdir", r.workdir);
  in.u64("nextSeq", r.next_seq);
  if (!in.ok())
    return in.error();
  return r;
}

// -- message_record -----------------------------------------------------------

std::string encode_message_record(const message_record& m) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "id", m.id);
  write_field(w, "role", m.role);
  write_field(w, "content", m.content);
  w.Key("createdAt");
  w.Int64(m.created_at);
  if (!m.attachments.empty()) {
    w.Key("attachments");
    detail::write_attachments(w, m.attachments);
  }
  w.Key("seq");
  w.Uint64(m.seq);
  write_nonempty(w, "requestId", m.request_id);
  if (!m.tool_calls.empty()) {
    w.Key("toolCalls");
    w.StartArray();
    for (auto& c : m.tool_calls) {
      w.StartObject();
      write_field(w, "id", c.id);
      write_field(w, "name", c.name);
      write_field(w, "arguments", c.arguments_json);
      w.EndObject();
    }
    w.EndArray();
  }
  write_nonempty(w, "toolCallId", m.tool_call_id);
  write_nonempty(w, "toolName", m.tool_name);
  if (m.is_error) {
    w.Key("isError");
    w.Bool(true);
  }
  write_version(w);
  w.EndObject();
  return to_string(buf);
}

expected<message_record> decode_message_record(std::string_view json) {
  constexpr const char* what = "message record";
  record_doc holder;
  auto& doc = holder.doc;
  if (auto err = parse_record(doc, json, what); !err.empty())
    return storage_error(std::move(err));
  message_record m;
  record_reader in{doc, what};
  in.version();
  in.str("id", m.id);
  in.str("role", m.role);
  in.str("content", m.content);
  in.i64("createdAt", m.created_at);
  in.attachments("attachments", m.attachments, false);
  in.u64("seq", m.seq);
  in.opt_str("requestId", m.request_id);
  in.opt_str("toolCallId", m.tool_call_id);
  in.opt_str("toolName", m.tool_name);
  if (doc.HasMember("isError"))
    in.boolean("isError", m.is_error);
  if (auto it = doc.FindMember("toolCalls"); in.ok() && it != doc.MemberEnd()) {
    if (!it->value.IsArray())
      in.fail("toolCalls", "must be an array");
    else
      for (auto& c : it->value.GetArray()) {
        tool_call_record call;
        record_reader cr{c, "tool call"};
        if (!c.IsObject()) {
          in.fail("toolCalls", "must hold objects");
          break;
        }
        cr.str("id", call.id);
        cr.str("name", call.name);
        cr.str("arguments", call.arguments_json);
        if (!cr.ok()) {
          in.fail("toolCalls: " + cr.error().message);
          break;
        }
        m.tool_calls.push_back(std::move(call));
      }
  }
  if (!in.ok())
    return in.error();
  return m;
}

// -- pending_request ----------------------------------------------------------

std::string encode_pending_request(const pending_request& p) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("seq");
  w.Uint64(p.seq);
  write_field(w, "agentId", p.agent_id);
  write_field(w, "sessionKey", p.session_key);
  write_field(w, "requestId", p.request_id);
  write_field(w, "owner", p.owner);
  w.Key("acceptedAt");
  w.Int64(p.accepted_at);
  const agent_request& req = p.request;
  w.Key("request");
  w.StartObject();
  write_field(w, "agentId", req.agent_id);
  write_field(w, "content", req.content);
  w.Key("attachments");
  detail::write_attachments(w, req.attachments);
  w.Key("routing");
  if (req.routing)
    detail::write_routing(w, *req.routing);
  else
    w.Null();
  write_field(w, "sessionKey", req.session_key);
  w.Key("queueIfBusy");
  w.Bool(req.queue_if_busy);
  write_field(w, "workspace", req.workspace);
  w.EndObject();
  write_version(w);
  w.EndObject();
  return to_string(buf);
}

expected<pending_request> decode_pending_request(std::string_view json) {
  constexpr const char* what = "pending request";
  record_doc holder;
  auto& doc = holder.doc;
  if (auto err = parse_record(doc, json, what); !err.empty())
    return storage_error(std::move(err));
  pending_request p;
  record_reader in{doc, what};
  in.version();
  in.u64("seq", p.seq);
  in.str("agentId", p.agent_id);
  in.str("sessionKey", p.session_key);
  in.str("requestId", p.request_id);
  in.str("owner", p.owner);
  in.i64("acceptedAt", p.accepted_at);
  const Value* req_value = in.object("request");
  if (!in.ok())
    return in.error();
  agent_request& req = p.request;
  record_reader rin{*req_value, "pending request: request"};
  rin.str("agentId", req.agent_id);
  rin.str("content", req.content);
  rin.attachments("attachments", req.attachments, true);
  rin.str("sessionKey", req.session_key);
  rin.boolean("queueIfBusy", req.queue_if_busy);
  rin.str("workspace", req.workspace);
  if (rin.ok()) {
    auto it = req_value->FindMember("routing");
    if (it != req_value->MemberEnd() && !it->value.IsNull()) {
      routing_info routing;
      if (auto err = detail::read_routing(it->value, "routing", routing);
          !err.empty())
        rin.fail(std::move(err));
      else
        req.routing = std::move(routing);
    }
  }
  if (!rin.ok())
    return rin.error();
  return p;
}

// -- helpers ------------------------------------------------------------------

std::string json_array(const std::vector<std::string>& values) {
  size_t total = 2;
  for (const auto& v : values)
    total += v.size() + 1;
  std::string out;
  out.reserve(total);
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      out += ',';
    out += values[i];
  }
  out += ']';
  return out;
}

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  detail::write_string(w, s);
  return to_string(buf);
}

} // namespace wingman::protocol
