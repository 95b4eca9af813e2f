#include "providers/anthropic_wire.hpp"

#include <utility>
#include <vector>

#include "providers/wire_internal.hpp"

namespace wingman::providers {

namespace {

using detail::json_writer;
using detail::write_field;
using detail::write_string;
using rapidjson::Value;

protocol::error bad_request(std::string message) {
  return protocol::error{protocol::error_code::invalid_request,
                         "anthropic: " + std::move(message)};
}

std::string quote(std::string_view name) {
  return "\"" + std::string{name} + "\"";
}

bool is_http_url(std::string_view s) {
  return s.substr(0, 7) == "http://" || s.substr(0, 8) == "https://";
}

bool supported_image(std::string_view mime) {
  return mime == "image/jpeg" || mime == "image/png" || mime == "image/gif"
         || mime == "image/webp";
}

void write_text_block(json_writer& w, std::string_view text) {
  w.StartObject();
  write_field(w, "type", "text");
  write_field(w, "text", text);
  w.EndObject();
}

void write_base64_source(json_writer& w, std::string_view mime,
                         std::string_view data) {
  w.Key("source");
  w.StartObject();
  write_field(w, "type", "base64");
  write_field(w, "media_type", mime);
  write_field(w, "data", data);
  w.EndObject();
}

std::string write_attachment(json_writer& w, const content_attachment& a,
                             const request_options& opts) {
  auto url = parse_data_url(a.data_url);
  std::string mime = a.mime_type.empty() && url ? url->mime_type : a.mime_type;
  switch (a.kind) {
    case attachment_kind::file:
      write_text_block(w, file_attachment_text(a));
      return {};
    case attachment_kind::audio:
      return "audio attachments are not supported (attachment "
             + quote(a.name) + ")";
    case attachment_kind::pdf:
      if (!opts.native_pdf)
        return "PDF attachment " + quote(a.name)
               + " must be converted to text first (the model does not "
                 "take PDFs natively)";
      if (!url)
        return "PDF attachment " + quote(a.name) + " needs a base64 data URL";
      w.StartObject();
      write_field(w, "type", "document");
      write_base64_source(w, "application/pdf", url->base64);
      w.EndObject();
      return {};
    case attachment_kind::image:
      break;
  }
  if (!url && is_http_url(a.data_url)) {
    w.StartObject();
    write_field(w, "type", "image");
    w.Key("source");
    w.StartObject();
    write_field(w, "type", "url");
    write_field(w, "url", a.data_url);
    w.EndObject();
    w.EndObject();
    return {};
  }
  if (!url)
    return "image attachment " + quote(a.name)
           + " needs a base64 data URL or an http(s) URL";
  if (!supported_image(mime))
    return "image attachment " + quote(a.name) + ": type " + quote(mime)
           + " is not supported (jpeg, png, gif or webp)";
  w.StartObject();
  write_field(w, "type", "image");
  write_base64_source(w, mime, url->base64);
  w.EndObject();
  return {};
}

/// Writes the blocks of one message (into an open content array).
std::string write_blocks(json_writer& w, const message& m,
                         const request_options& opts) {
  switch (m.role) {
    case message_role::user:
      for (const auto& a : m.attachments)
        if (auto err = write_attachment(w, a, opts); !err.empty())
          return err;
      if (!m.text.empty())
        write_text_block(w, m.text);
      return {};
    case message_role::assistant:
      if (!m.text.empty())
        write_text_block(w, m.text);
      for (const auto& c : m.tool_calls) {
        w.StartObject();
        write_field(w, "type", "tool_use");
        write_field(w, "id", c.id);
        write_field(w, "name", c.name);
        w.Key("input");
        if (auto err = detail::write_json_object(w, c.arguments_json);
            !err.empty())
          return "assistant tool call " + quote(c.name) + " (" + c.id
                 + ") has invalid arguments: " + err;
        w.EndObject();
      }
      return {};
    case message_role::tool:
      w.StartObject();
      write_field(w, "type", "tool_result");
      write_field(w, "tool_use_id", m.result.tool_call_id);
      write_field(w, "content", m.result.content);
      if (m.result.is_error) {
        w.Key("is_error");
        w.Bool(true);
      }
      w.EndObject();
      return {};
  }
  return {};
}

bool has_content(const message& m) {
  switch (m.role) {
    case message_role::user:
      return !m.text.empty() || !m.attachments.empty();
    case message_role::assistant:
      return !m.text.empty() || !m.tool_calls.empty();
    case message_role::tool:
      return true;
  }
  return false;
}

const char* api_role(const message& m) {
  return m.role == message_role::assistant ? "assistant" : "user";
}

std::string write_tools(json_writer& w, const std::vector<tool_definition>& t) {
  w.Key("tools");
  w.StartArray();
  for (const auto& def : t) {
    w.StartObject();
    write_field(w, "name", def.name);
    if (!def.description.empty())
      write_field(w, "description", def.description);
    w.Key("input_schema");
    if (auto err = detail::write_json_object(w, def.parameters_json_schema);
        !err.empty())
      return "tool " + quote(def.name) + ": parameters schema: " + err;
    w.EndObject();
  }
  w.EndArray();
  return {};
}

} // namespace

protocol::expected<std::string> encode_anthropic_request(
  const conversation& conv, const request_options& opts) {
  if (opts.model.empty())
    return bad_request("no model name");
  std::vector<const message*> kept;
  for (const auto& m : conv.messages)
    if (has_content(m))
      kept.push_back(&m);
  if (kept.empty())
    return bad_request("the conversation has no messages");
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "model", opts.model);
  w.Key("max_tokens");
  w.Int(opts.max_tokens.value_or(default_max_tokens));
  if (!conv.system_prompt.empty())
    write_field(w, "system", conv.system_prompt);
  w.Key("messages");
  w.StartArray();
  for (size_t i = 0; i < kept.size(); ++i) {
    const char* role = api_role(*kept[i]);
    if (i == 0 || role != api_role(*kept[i - 1])) {
      if (i > 0) {
        w.EndArray();
        w.EndObject();
      }
      w.StartObject();
      write_field(w, "role", role);
      w.Key("content");
      w.StartArray();
    }
    if (auto err = write_blocks(w, *kept[i], opts); !err.empty())
      return bad_request(std::move(err));
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  if (!conv.tools.empty())
    if (auto err = write_tools(w, conv.tools); !err.empty())
      return bad_request(std::move(err));
  if (opts.temperature) {
    w.Key("temperature");
    w.Double(*opts.temperature);
  }
  w.Key("stream");
  w.Bool(opts.stream);
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string describe_anthropic_error(std::string_view provider, int status,
                                     std::string_view body) {
  return detail::describe_http_error(provider, status, body, true);
}

// -- decoder ------------------------------------------------------------------

namespace {

finish_reason map_stop(std::string_view raw) {
  if (raw == "end_turn" || raw == "stop_sequence")
    return finish_reason::stop;
  if (raw == "tool_use")
    return finish_reason::tool_calls;
  if (raw == "max_tokens")
    return finish_reason::length;
  return finish_reason::other;
}

/// `message (type)` of an `error` event's `error` object.
std::string error_text(const Value& doc) {
  const Value* err = detail::find_member(doc, "error");
  if (!err || !err->IsObject())
    return "the server reported an error";
  std::string out{detail::string_member(*err, "message")
                    .value_or("the server reported an error")};
  if (auto type = detail::string_member(*err, "type"); type && !type->empty())
    out += " (" + std::string{*type} + ")";
  return out;
}

/// Serialized `v` when it is a non-empty object, else empty.
std::string nonempty_object(const Value* v) {
  if (!v || !v->IsObject() || v->MemberCount() == 0)
    return {};
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  v->Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

} // namespace

anthropic_stream_decoder::anthropic_stream_decoder(std::string provider,
                                                   stream_limits limits)
  : stream_decoder(std::move(provider), limits) {}

void anthropic_stream_decoder::stop_block(size_t block,
                                          std::vector<stream_event>& out) {
  auto it = calls_.find(block);
  if (it == calls_.end())
    return;
  auto call = std::move(it->second);
  calls_.erase(it);
  if (call.args.empty())
    call.args = call.initial_input;
  if (auto err = detail::check_tool_args(call.args); !err.empty())
    return fail("tool call " + quote(call.name) + " has invalid arguments ("
                  + err + ")",
                out);
  out.push_back(tool_call_done{call.ordinal, std::move(call.id),
                               std::move(call.name), std::move(call.args)});
}

void anthropic_stream_decoder::start_call(size_t block, std::string_view id,
                                          std::string_view name,
                                          std::string initial_input,
                                          std::vector<stream_event>& out) {
  if (next_call_ >= limits().max_tool_calls)
    return fail("more than " + std::to_string(limits().max_tool_calls)
                  + " tool calls in one response",
                out);
  pending_call call;
  call.ordinal = next_call_++;
  call.id = std::string{id};
  call.name = std::string{name};
  call.initial_input = std::move(initial_input);
  out.push_back(tool_call_started{call.ordinal, call.id, call.name});
  calls_[block] = std::move(call);
}

void anthropic_stream_decoder::append_args(size_t block,
                                           std::string_view part,
                                           std::vector<stream_event>& out) {
  auto it = calls_.find(block);
  if (it == calls_.end() || part.empty())
    return;
  auto& call = it->second;
  if (call.args.size() + part.size() > limits().max_tool_args_bytes)
    return fail("tool call " + quote(call.name) + " arguments exceed "
                  + std::to_string(limits().max_tool_args_bytes) + " bytes",
                out);
  call.args.append(part);
  out.push_back(tool_call_args_delta{call.ordinal, std::string{part}});
}

void anthropic_stream_decoder::on_event(const sse_event& ev,
                                        std::vector<stream_event>& out) {
  detail::stack_document parsed;
  auto& doc = parsed.doc;
  if (auto err = detail::parse_json(ev.data, doc); !err.empty())
    return fail("malformed stream data (" + err + ")", out);
  if (!doc.IsObject())
    return fail("malformed stream data (expected a JSON object)", out);
  std::string_view type = detail::string_member(doc, "type").value_or(ev.event);
  auto block = static_cast<size_t>(detail::count_member(doc, "index")
                                     .value_or(0));
  if (type == "message_start") {
    const Value* msg = detail::find_member(doc, "message");
    const Value* u = msg && msg->IsObject() ? detail::find_member(*msg, "usage")
                                            : nullptr;
    if (u) {
      input_tokens_ = detail::count_member(*u, "input_tokens").value_or(0);
      output_tokens_ = detail::count_member(*u, "output_tokens").value_or(0);
    }
  } else if (type == "content_block_start") {
    const Value* cb = detail::find_member(doc, "content_block");
    if (!cb || !cb->IsObject())
      return;
    auto cb_type = detail::string_member(*cb, "type").value_or("");
    if (cb_type == "text") {
      auto text = detail::string_member(*cb, "text");
      if (text && !text->empty())
        out.push_back(text_delta{std::string{*text}});
    } else if (cb_type == "tool_use") {
      start_call(block, detail::string_member(*cb, "id").value_or(""),
                 detail::string_member(*cb, "name").value_or(""),
                 nonempty_object(detail::find_member(*cb, "input")), out);
    }
  } else if (type == "content_block_delta") {
    const Value* delta = detail::find_member(doc, "delta");
    if (!delta || !delta->IsObject())
      return;
    auto d_type = detail::string_member(*delta, "type").value_or("");
    if (d_type == "text_delta") {
      if (auto text = detail::string_member(*delta, "text");
          text && !text->empty())
        out.push_back(text_delta{std::string{*text}});
    } else if (d_type == "input_json_delta") {
      append_args(block,
                  detail::string_member(*delta, "partial_json").value_or(""),
                  out);
    }
  } else if (type == "content_block_stop") {
    stop_block(block, out);
  } else if (type == "message_delta") {
    const Value* delta = detail::find_member(doc, "delta");
    if (delta && delta->IsObject())
      if (auto reason = detail::string_member(*delta, "stop_reason"))
        stop_reason_ = std::string{*reason};
    if (const Value* u = detail::find_member(doc, "usage")) {
      input_tokens_ = detail::count_member(*u, "input_tokens")
                        .value_or(input_tokens_);
      output_tokens_ = detail::count_member(*u, "output_tokens")
                         .value_or(output_tokens_);
      out.push_back(usage{input_tokens_, output_tokens_});
    }
  } else if (type == "message_stop") {
    while (!calls_.empty() && !done())
      stop_block(calls_.begin()->first, out);
    complete(finished{map_stop(stop_reason_), stop_reason_}, out);
  } else if (type == "error") {
    fail(error_text(doc), out);
  }
}

void anthropic_stream_decoder::on_end(std::vector<stream_event>& out) {
  fail("stream ended before message_stop", out);
}

} // namespace wingman::providers
