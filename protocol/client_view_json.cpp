#include "protocol/client_view.hpp"

#include <rapidjson/document.h>

namespace wingman::protocol {

namespace {

using value = rapidjson::Value;

const value* member(const value& obj, const char* key) {
  if (!obj.IsObject())
    return nullptr;
  auto m = obj.FindMember(key);
  return m == obj.MemberEnd() ? nullptr : &m->value;
}

std::string string_of(const value* v) {
  return v && v->IsString() ? std::string{v->GetString(), v->GetStringLength()}
                            : std::string{};
}

/// `chunk.data.chunk.content` (or `chunk.data.chunk` when it is a string).
std::string delta_of(const value& payload) {
  auto* chunk = member(payload, "chunk");
  auto* data = chunk ? member(*chunk, "data") : nullptr;
  auto* inner = data ? member(*data, "chunk") : nullptr;
  if (!inner)
    return {};
  if (inner->IsString())
    return string_of(inner);
  return string_of(member(*inner, "content"));
}

} // namespace

std::optional<client_view> view_frame(std::string_view frame) {
  rapidjson::Document d;
  d.Parse(frame.data(), frame.size());
  if (d.HasParseError() || !d.IsObject())
    return std::nullopt;
  auto* type = member(d, "type");
  if (!type || !type->IsString())
    return std::nullopt;
  client_view v;
  v.type = string_of(type);
  v.id = string_of(member(d, "id"));
  if (auto* ok = member(d, "ok"); ok && ok->IsBool())
    v.ok = ok->GetBool();
  auto* payload = member(d, "payload");
  if (!payload)
    return v;
  if (payload->IsString()) {
    v.payload_text = string_of(payload);
    return v;
  }
  v.event = string_of(member(*payload, v.type == "ack" ? "status" : "type"));
  v.code = string_of(member(*payload, "code"));
  v.message = string_of(member(*payload, v.type == "error" ? "message" : "error"));
  if (v.event == "agent-stream")
    v.text = delta_of(*payload);
  if (auto* result = member(*payload, "result"))
    v.response = string_of(member(*result, "response"));
  return v;
}

} // namespace wingman::protocol
