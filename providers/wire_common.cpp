// Shared helpers of the wire codecs (declared in wire_internal.hpp).
#include "providers/wire_internal.hpp"

#include <rapidjson/error/en.h>

#include "protocol/codec.hpp"

namespace wingman::providers::detail {

namespace {

template <class Document>
std::string parse_into(std::string_view text, Document& doc) {
  doc.template Parse<parse_flags>(text.data(), text.size());
  if (!doc.HasParseError())
    return {};
  return "invalid JSON at offset " + std::to_string(doc.GetErrorOffset())
         + ": " + rapidjson::GetParseError_En(doc.GetParseError());
}

} // namespace

std::string parse_json(std::string_view text, rapidjson::Document& doc) {
  return parse_into(text, doc);
}

std::string parse_json(std::string_view text, protocol::detail::stack_document_type& doc) {
  return parse_into(text, doc);
}

namespace {

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

} // namespace

std::string write_json_object(json_writer& w, std::string_view json) {
  if (blank(json)) {
    w.StartObject();
    w.EndObject();
    return {};
  }
  rapidjson::Document doc;
  if (auto err = parse_json(json, doc); !err.empty())
    return err;
  if (!doc.IsObject())
    return "expected a JSON object, got " + protocol::detail::describe(doc);
  doc.Accept(w);
  return {};
}

std::optional<std::string_view> string_member(const rapidjson::Value& obj,
                                              const char* key) {
  if (!obj.IsObject())
    return std::nullopt;
  const auto* v = find_member(obj, key);
  if (!v || !v->IsString())
    return std::nullopt;
  return view_of(*v);
}

std::optional<int64_t> count_member(const rapidjson::Value& obj,
                                    const char* key) {
  if (!obj.IsObject())
    return std::nullopt;
  const auto* v = find_member(obj, key);
  if (!v || !v->IsInt64() || v->GetInt64() < 0)
    return std::nullopt;
  return v->GetInt64();
}

std::string check_tool_args(std::string& args) {
  if (blank(args)) {
    args = "{}";
    return {};
  }
  rapidjson::Document doc;
  auto err = parse_json(args, doc);
  if (err.empty() && !doc.IsObject())
    err = "expected a JSON object, got " + protocol::detail::describe(doc);
  return err;
}

namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 529: return "Overloaded";
    default: return status >= 500 ? "Server Error" : "Error";
  }
}

/// First line of `text`, control characters dropped, at most 300 code points.
std::string clean_text(std::string_view text) {
  auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos)
    return {};
  text.remove_prefix(start);
  text = text.substr(0, text.find_first_of("\r\n"));
  std::string out;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F)
      out += c;
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  auto cut = protocol::preview(out, 300);
  return cut.size() < out.size() ? cut + "..." : cut;
}

std::string json_message(std::string_view body, bool with_type) {
  rapidjson::Document doc;
  if (!parse_json(body, doc).empty() || !doc.IsObject())
    return {};
  if (const auto* err = find_member(doc, "error")) {
    if (err->IsString())
      return clean_text(view_of(*err));
    if (auto msg = string_member(*err, "message")) {
      auto out = clean_text(*msg);
      auto type = string_member(*err, "type");
      if (with_type && type && !type->empty())
        out += " (" + clean_text(*type) + ")";
      return out;
    }
  }
  for (const char* key : {"message", "detail"})
    if (auto msg = string_member(doc, key))
      return clean_text(*msg);
  return {};
}

} // namespace

std::string describe_http_error(std::string_view provider, int status,
                                std::string_view body, bool with_type) {
  auto msg = json_message(body, with_type);
  auto first = body.find_first_not_of(" \t\r\n");
  // Plain text bodies are shown; JSON without a message and HTML pages
  // (proxies) are not.
  if (msg.empty() && first != std::string_view::npos && body[first] != '{'
      && body[first] != '<')
    msg = clean_text(body);
  if (msg.empty())
    msg = std::string{reason_phrase(status)};
  return std::string{provider} + ": HTTP " + std::to_string(status) + ": "
         + msg;
}

} // namespace wingman::providers::detail
