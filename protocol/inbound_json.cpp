#include "protocol/codec.hpp"

#include <array>
#include <utility>

#include <rapidjson/error/en.h>

#include "protocol/json_internal.hpp"
#include "protocol/routing.hpp"

namespace wingman::protocol {

namespace {

using rapidjson::Value;
using detail::view_of;

struct type_entry {
  std::string_view name;
  frame_type type;
};

constexpr std::array<type_entry, 16> frame_types{{
  {"connect", frame_type::connect},
  {"req:agent", frame_type::req_agent},
  {"req:agent:cancel", frame_type::req_agent_cancel},
  {"session_subscribe", frame_type::session_subscribe},
  {"session_unsubscribe", frame_type::session_unsubscribe},
  {"broadcast", frame_type::broadcast},
  {"register", frame_type::register_node},
  {"unregister", frame_type::unregister_node},
  {"join_group", frame_type::join_group},
  {"leave_group", frame_type::leave_group},
  {"direct", frame_type::direct},
  {"req:node", frame_type::req_node},
  {"event:node", frame_type::event_node},
  {"res", frame_type::res},
  {"ping", frame_type::ping},
  {"pong", frame_type::pong},
}};

/// Finds member `key`; null counts as absent.
const Value* find(const Value& obj, const char* key) {
  return detail::find_member(obj, key);
}

std::string join(std::string_view path, const char* key) {
  return detail::join_path(path, key);
}

/// A routing part ends up in a session key, so it must be usable there.
std::string check_key_part(const std::string& value, const std::string& path) {
  if (value.empty() || validate_session_key(value).empty())
    return {};
  return path + " must be at most " + std::to_string(max_key_bytes)
         + " bytes of UTF-8 text without control characters";
}

decode_result failure(error_code code, std::string message, std::string id) {
  decode_result res;
  res.error.code = code;
  res.error.message = std::move(message);
  res.error.id = std::move(id);
  return res;
}

/// Reads the timestamp as int64; false if it is not a number in range.
bool read_timestamp(const Value& v, int64_t& out) {
  if (v.IsInt64()) {
    out = v.GetInt64();
    return true;
  }
  if (v.IsDouble()) {
    double d = v.GetDouble();
    // The bounds are exact powers of two, so the comparison is exact.
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

// -- bodies: each returns an error message (empty on success) -----------------

std::string decode_connect(const Value& doc, connect_body& body) {
  if (const Value* client = find(doc, "client"); client && client->IsObject()) {
    client_info info;
    if (auto err = detail::read_string(*client, "instanceId", "client",
                                       info.instance_id);
        !err.empty())
      return err;
    if (auto err = detail::read_string(*client, "clientType", "client",
                                       info.client_type);
        !err.empty())
      return err;
    if (auto err = detail::read_string(*client, "version", "client",
                                       info.version);
        !err.empty())
      return err;
    body.client = std::move(info);
  }
  if (const Value* auth = find(doc, "auth")) {
    if (!auth->IsObject())
      return "auth must be an object";
    for (const char* key : {"token", "password"}) {
      const Value* v = find(*auth, key);
      if (!v)
        continue;
      if (!v->IsString())
        return join("auth", key) + " must be a string";
      auto& slot = key[0] == 't' ? body.auth.token : body.auth.password;
      slot = std::string{view_of(*v)};
    }
  }
  return {};
}

std::string decode_agent_request(const Value& payload, agent_request& req) {
  if (auto err = detail::read_string(payload, "agentId", "payload",
                                     req.agent_id);
      !err.empty())
    return err;
  if (!req.agent_id.empty()) {
    if (auto err = validate_agent_id(req.agent_id); !err.empty())
      return "payload.agentId: " + err;
  }
  if (auto err = detail::read_string(payload, "content", "payload",
                                     req.content);
      !err.empty())
    return err;
  if (const Value* v = find(payload, "attachments")) {
    if (auto err = detail::read_attachments(*v, "payload.attachments",
                                            req.attachments);
        !err.empty())
      return err;
  }
  if (const Value* v = find(payload, "routing")) {
    routing_info routing;
    if (auto err = detail::read_routing(*v, "payload.routing", routing);
        !err.empty())
      return err;
    req.routing = std::move(routing);
  }
  if (auto err = detail::read_string(payload, "sessionKey", "payload",
                                     req.session_key);
      !err.empty())
    return err;
  if (!req.session_key.empty()) {
    if (auto err = validate_session_key(req.session_key); !err.empty())
      return "payload.sessionKey: " + err;
  }
  if (const Value* v = find(payload, "queueIfBusy")) {
    if (!v->IsBool())
      return "payload.queueIfBusy must be a boolean";
    req.queue_if_busy = v->GetBool();
  }
  if (const Value* v = find(payload, "execution")) {
    if (!v->IsObject())
      return "payload.execution must be an object";
    if (auto err = detail::read_string(*v, "workspace", "payload.execution",
                                       req.workspace);
        !err.empty())
      return err;
  }
  return {};
}

/// Reads the required string `payload.<key>`; `missing` is the message when
/// the payload or the key is absent or empty.
std::string required_payload_string(const Value* payload, const char* key,
                                    const char* missing, std::string& out) {
  if (!payload)
    return missing;
  if (!payload->IsObject())
    return "payload must be an object";
  if (auto err = detail::read_string(*payload, key, "payload", out);
      !err.empty())
    return err;
  if (out.empty())
    return missing;
  return {};
}

std::string decode_subscribe(const Value* payload, subscribe_body& body) {
  if (auto err = required_payload_string(payload, "sessionId",
                                         "Missing sessionId", body.session_id);
      !err.empty())
    return err;
  if (auto err = validate_session_key(body.session_id); !err.empty())
    return "payload.sessionId: " + err;
  if (auto err = detail::read_string(*payload, "agentId", "payload",
                                     body.agent_id);
      !err.empty())
    return err;
  if (!body.agent_id.empty()) {
    if (auto err = validate_agent_id(body.agent_id); !err.empty())
      return "payload.agentId: " + err;
  }
  return {};
}

} // namespace

// -- shared sub-decoders (json_internal.hpp) ---------------------------------

namespace detail {

std::string read_string(const Value& obj, const char* key,
                        std::string_view path, std::string& out) {
  const Value* v = find(obj, key);
  if (!v)
    return {};
  if (!v->IsString())
    return join(path, key) + " must be a string";
  out.assign(v->GetString(), v->GetStringLength());
  return {};
}

std::string read_attachments(const Value& v, std::string_view path,
                             std::vector<attachment>& out) {
  if (!v.IsArray())
    return std::string{path} + " must be an array";
  out.clear();
  out.reserve(v.Size());
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const Value& item = v[i];
    std::string item_path = std::string{path} + '[' + std::to_string(i) + ']';
    if (!item.IsObject())
      return item_path + " must be an object";
    attachment a;
    const Value* kind = find(item, "kind");
    if (kind && kind->IsString())
      a.kind.assign(kind->GetString(), kind->GetStringLength());
    if (a.kind != "file" && a.kind != "image" && a.kind != "audio")
      return item_path + ".kind must be one of file, image, audio";
    for (auto [key, slot] : {std::pair{"name", &a.name},
                             std::pair{"mimeType", &a.mime_type},
                             std::pair{"textContent", &a.text_content},
                             std::pair{"dataUrl", &a.data_url}}) {
      if (auto err = read_string(item, key, item_path, *slot); !err.empty())
        return err;
    }
    out.push_back(std::move(a));
  }
  return {};
}

std::string read_routing(const Value& v, std::string_view path,
                         routing_info& out) {
  if (!v.IsObject())
    return std::string{path} + " must be an object";
  out = routing_info{};
  for (auto [key, slot] : {std::pair{"channel", &out.channel},
                           std::pair{"accountId", &out.account_id},
                           std::pair{"guildId", &out.guild_id},
                           std::pair{"teamId", &out.team_id},
                           std::pair{"threadId", &out.thread_id}}) {
    if (auto err = read_string(v, key, path, *slot); !err.empty())
      return err;
    if (auto err = check_key_part(*slot, join(path, key)); !err.empty())
      return err;
  }
  if (const Value* peer = find(v, "peer")) {
    std::string peer_path = join(path, "peer");
    if (!peer->IsObject())
      return peer_path + " must be an object";
    peer_ref ref;
    for (auto [key, slot] : {std::pair{"kind", &ref.kind},
                             std::pair{"id", &ref.id}}) {
      const Value* field = find(*peer, key);
      if (!field || !field->IsString() || field->GetStringLength() == 0)
        return join(peer_path, key) + " must be a non-empty string";
      slot->assign(field->GetString(), field->GetStringLength());
      if (auto err = check_key_part(*slot, join(peer_path, key)); !err.empty())
        return err;
    }
    out.peer = std::move(ref);
  }
  return {};
}

} // namespace detail

// -- public API ---------------------------------------------------------------

const char* wire_name(frame_type t) noexcept {
  for (const auto& entry : frame_types)
    if (entry.type == t)
      return entry.name.data();
  return "unknown";
}

decode_result decode_inbound(std::string_view text) {
  // The DOM of a typical frame fits in these buffers.
  detail::stack_document<8192, 2048> parsed;
  auto& doc = parsed.doc;
  doc.Parse<detail::parse_flags>(text.data(), text.size());
  if (doc.HasParseError()) {
    auto offset = std::to_string(doc.GetErrorOffset());
    return failure(error_code::invalid_message,
                   "Invalid JSON: offset " + offset + ": "
                     + rapidjson::GetParseError_En(doc.GetParseError()),
                   {});
  }
  if (!doc.IsObject())
    return failure(error_code::invalid_message,
                   "Invalid JSON: expected an object", {});
  // Read the id first so that every later error can echo it.
  std::string id;
  const Value* id_value = find(doc, "id");
  if (id_value && id_value->IsString())
    id.assign(id_value->GetString(), id_value->GetStringLength());
  const Value* type_value = find(doc, "type");
  if (!type_value)
    return failure(error_code::invalid_message, "Missing type", id);
  if (!type_value->IsString())
    return failure(error_code::invalid_message, "type must be a string", id);
  const Value* ts_value = find(doc, "timestamp");
  if (!ts_value)
    return failure(error_code::invalid_message, "Missing timestamp", id);
  if (!ts_value->IsNumber())
    return failure(error_code::invalid_message, "timestamp must be a number",
                   id);
  decode_result res;
  inbound_frame& frame = res.frame;
  if (!read_timestamp(*ts_value, frame.timestamp))
    return failure(error_code::invalid_message,
                   "timestamp is out of range", id);
  auto type_name = view_of(*type_value);
  const type_entry* entry = nullptr;
  for (const auto& candidate : frame_types)
    if (candidate.name == type_name)
      entry = &candidate;
  if (!entry)
    return failure(error_code::unknown_message_type,
                   "Unknown message type: " + preview(type_name, 64), id);
  frame.type = entry->type;
  if (id_value && !id_value->IsString()) {
    if (frame.type == frame_type::connect)
      return failure(error_code::invalid_connect, "Missing connect id", id);
    if (frame.type == frame_type::req_agent)
      return failure(error_code::invalid_request, "Missing request id", id);
    return failure(error_code::invalid_message, "id must be a string", id);
  }
  frame.id = id;
  for (auto [key, slot] : {std::pair{"clientId", &frame.client_id},
                           std::pair{"roomId", &frame.room_id},
                           std::pair{"targetNodeId", &frame.target_node_id}}) {
    if (auto err = detail::read_string(doc, key, {}, *slot); !err.empty())
      return failure(error_code::invalid_message, std::move(err), id);
  }
  const Value* payload = find(doc, "payload");
  std::string err;
  error_code code = error_code::invalid_request;
  switch (frame.type) {
    case frame_type::connect: {
      code = error_code::invalid_connect;
      if (id.empty()) {
        err = "Missing connect id";
        break;
      }
      connect_body body;
      err = decode_connect(doc, body);
      frame.body = std::move(body);
      break;
    }
    case frame_type::req_agent: {
      if (id.empty()) {
        err = "Missing request id";
        break;
      }
      if (!payload || !payload->IsObject()) {
        err = "payload must be an object";
        break;
      }
      agent_request req;
      err = decode_agent_request(*payload, req);
      frame.body = std::move(req);
      break;
    }
    case frame_type::req_agent_cancel: {
      cancel_body body;
      err = required_payload_string(payload, "requestId", "Missing requestId",
                                    body.request_id);
      frame.body = std::move(body);
      break;
    }
    case frame_type::session_subscribe:
    case frame_type::session_unsubscribe: {
      subscribe_body body;
      err = decode_subscribe(payload, body);
      frame.body = std::move(body);
      break;
    }
    default:
      break;
  }
  if (!err.empty())
    return failure(code, std::move(err), id);
  res.ok = true;
  return res;
}

std::string check_agent_request(const agent_request& req) {
  if (req.content.empty() && req.attachments.empty())
    return "Missing agent content";
  return {};
}

std::string preview(std::string_view text, size_t max_chars) {
  // ASCII prefix: one code point per byte, nothing to decode.
  size_t ascii = 0;
  size_t limit = std::min(text.size(), max_chars);
  while (ascii < limit && static_cast<unsigned char>(text[ascii]) < 0x80)
    ++ascii;
  if (ascii == limit)
    return std::string{text.substr(0, limit)};
  size_t i = ascii;
  for (size_t count = ascii; count < max_chars && i < text.size(); ++count) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t len = 1;
    if ((lead & 0xE0) == 0xC0)
      len = 2;
    else if ((lead & 0xF0) == 0xE0)
      len = 3;
    else if ((lead & 0xF8) == 0xF0)
      len = 4;
    // A sequence cut off by the end of the text is dropped, not split.
    if (i + len > text.size())
      break;
    i += len;
  }
  return std::string{text.substr(0, i)};
}

} // namespace wingman::protocol
