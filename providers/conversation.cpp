#include "providers/conversation.hpp"

#include <cctype>
#include <utility>

namespace wingman::providers {

message message::user(std::string text,
                      std::vector<content_attachment> attachments) {
  message m;
  m.role = message_role::user;
  m.text = std::move(text);
  m.attachments = std::move(attachments);
  return m;
}

message message::assistant(std::string text, std::vector<tool_call> calls) {
  message m;
  m.role = message_role::assistant;
  m.text = std::move(text);
  m.tool_calls = std::move(calls);
  return m;
}

message message::tool(tool_result result) {
  message m;
  m.role = message_role::tool;
  m.result = std::move(result);
  return m;
}

std::optional<data_url_parts> parse_data_url(std::string_view url) {
  constexpr std::string_view scheme = "data:";
  constexpr std::string_view marker = ";base64";
  if (url.size() < scheme.size())
    return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i])
      return std::nullopt;
  auto comma = url.find(',');
  if (comma == std::string_view::npos)
    return std::nullopt;
  auto header = url.substr(scheme.size(), comma - scheme.size());
  if (header.size() < marker.size()
      || header.substr(header.size() - marker.size()) != marker)
    return std::nullopt;
  data_url_parts out;
  for (char c : header.substr(0, header.find(';')))
    out.mime_type.push_back(
      static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  out.base64 = url.substr(comma + 1);
  return out;
}

protocol::expected<content_attachment>
to_content_attachment(const protocol::attachment& a) {
  auto bad = [&](std::string what) {
    return protocol::error{protocol::error_code::invalid_request,
                           "attachment \"" + a.name + "\": " + what};
  };
  content_attachment out;
  out.name = a.name;
  out.mime_type = a.mime_type;
  auto parsed = parse_data_url(a.data_url);
  bool pdf_url = parsed && parsed->mime_type == "application/pdf";
  bool pdf_mime = a.mime_type == "application/pdf";
  if (a.kind == "image" || a.kind == "audio") {
    if (a.data_url.empty())
      return bad(a.kind + " needs a data URL");
    out.kind = a.kind == "image" ? attachment_kind::image
                                 : attachment_kind::audio;
    out.data_url = a.data_url;
  } else if (a.kind == "file" || a.kind == "pdf") {
    bool pdf = a.kind == "pdf" || pdf_url || pdf_mime;
    if (pdf && parsed) {
      out.kind = attachment_kind::pdf;
      out.data_url = a.data_url;
      out.mime_type = "application/pdf";
    } else if (pdf && a.text_content.empty()) {
      return bad("a PDF needs a data:application/pdf;base64 URL");
    } else if (a.text_content.empty() && !a.data_url.empty()) {
      return bad("file content must be sent as text (textContent)");
    } else {
      out.kind = attachment_kind::file;
      out.text = a.text_content;
    }
  } else {
    return bad("unknown kind \"" + a.kind + "\" (expected image, audio or "
               "file)");
  }
  return out;
}

std::string file_attachment_text(const content_attachment& a) {
  std::string label = "[file";
  if (!a.name.empty())
    label += ": " + a.name;
  if (!a.mime_type.empty())
    label += " (" + a.mime_type + ")";
  label += "]\n";
  return label + a.text;
}

std::string_view to_string(finish_reason r) noexcept {
  switch (r) {
    case finish_reason::stop:
      return "stop";
    case finish_reason::tool_calls:
      return "tool_calls";
    case finish_reason::length:
      return "length";
    case finish_reason::other:
      break;
  }
  return "other";
}

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

struct render {
  std::string operator()(const text_delta& e) const {
    return "text_delta{" + quoted(e.text) + "}";
  }
  std::string operator()(const tool_call_started& e) const {
    return "tool_call_started{" + std::to_string(e.index) + ", " + quoted(e.id)
           + ", " + quoted(e.name) + "}";
  }
  std::string operator()(const tool_call_args_delta& e) const {
    return "tool_call_args_delta{" + std::to_string(e.index) + ", "
           + quoted(e.fragment) + "}";
  }
  std::string operator()(const tool_call_done& e) const {
    return "tool_call_done{" + std::to_string(e.index) + ", " + quoted(e.id)
           + ", " + quoted(e.name) + ", " + quoted(e.arguments_json) + "}";
  }
  std::string operator()(const usage& e) const {
    return "usage{" + std::to_string(e.input_tokens) + ", "
           + std::to_string(e.output_tokens) + "}";
  }
  std::string operator()(const finished& e) const {
    return "finished{" + std::string{to_string(e.reason)} + ", "
           + quoted(e.raw) + "}";
  }
  std::string operator()(const stream_error& e) const {
    return "stream_error{" + quoted(e.message) + "}";
  }
};

} // namespace

std::string to_string(const stream_event& ev) {
  return std::visit(render{}, ev);
}

} // namespace wingman::providers
