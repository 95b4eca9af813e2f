#include "providers/openai_wire.hpp"

#include <utility>

#include "providers/wire_internal.hpp"

namespace wingman::providers {

namespace {

using detail::json_writer;
using detail::write_field;
using detail::write_string;
using rapidjson::Value;

protocol::error bad_request(std::string message) {
  return protocol::error{protocol::error_code::invalid_request,
                         "openai: " + std::move(message)};
}

std::string quote(std::string_view name) {
  return "\"" + std::string{name} + "\"";
}

/// `wav` or `mp3` for an audio mime type, else empty.
std::string_view audio_format(std::string_view mime) {
  if (mime == "audio/wav" || mime == "audio/x-wav" || mime == "audio/wave"
      || mime == "audio/vnd.wave")
    return "wav";
  if (mime == "audio/mpeg" || mime == "audio/mp3" || mime == "audio/mpeg3"
      || mime == "audio/x-mp3")
    return "mp3";
  return {};
}

/// Writes one content part for an attachment; returns an error message.
std::string write_attachment(json_writer& w, const content_attachment& a,
                             const request_options& opts) {
  auto url = parse_data_url(a.data_url);
  std::string mime = a.mime_type.empty() && url ? url->mime_type : a.mime_type;
  w.StartObject();
  switch (a.kind) {
    case attachment_kind::file:
      write_field(w, "type", "text");
      write_field(w, "text", file_attachment_text(a));
      break;
    case attachment_kind::image:
      if (a.data_url.empty())
        return "image attachment " + quote(a.name) + " has no data URL";
      write_field(w, "type", "image_url");
      w.Key("image_url");
      w.StartObject();
      write_field(w, "url", a.data_url);
      w.EndObject();
      break;
    case attachment_kind::audio: {
      if (!url)
        return "audio attachment " + quote(a.name)
               + " needs a base64 data URL";
      auto format = audio_format(mime);
      if (format.empty())
        return "audio attachment " + quote(a.name) + ": format " + quote(mime)
               + " is not supported (wav or mp3)";
      write_field(w, "type", "input_audio");
      w.Key("input_audio");
      w.StartObject();
      write_field(w, "data", url->base64);
      write_field(w, "format", format);
      w.EndObject();
      break;
    }
    case attachment_kind::pdf:
      if (!opts.native_pdf)
        return "PDF attachment " + quote(a.name)
               + " must be converted to text first (the model does not "
                 "take PDFs natively)";
      if (!url)
        return "PDF attachment " + quote(a.name) + " needs a base64 data URL";
      write_field(w, "type", "file");
      w.Key("file");
      w.StartObject();
      write_field(w, "filename", a.name.empty() ? "document.pdf" : a.name);
      write_field(w, "file_data", a.data_url);
      w.EndObject();
      break;
  }
  w.EndObject();
  return {};
}

std::string write_user(json_writer& w, const message& m,
                       const request_options& opts) {
  write_field(w, "role", "user");
  w.Key("content");
  if (m.attachments.empty()) {
    write_string(w, m.text);
    return {};
  }
  w.StartArray();
  if (!m.text.empty()) {
    w.StartObject();
    write_field(w, "type", "text");
    write_field(w, "text", m.text);
    w.EndObject();
  }
  for (const auto& a : m.attachments)
    if (auto err = write_attachment(w, a, opts); !err.empty())
      return err;
  w.EndArray();
  return {};
}

std::string write_assistant(json_writer& w, const message& m) {
  write_field(w, "role", "assistant");
  w.Key("content");
  if (m.text.empty() && !m.tool_calls.empty())
    w.Null();
  else
    write_string(w, m.text);
  if (m.tool_calls.empty())
    return {};
  w.Key("tool_calls");
  w.StartArray();
  for (const auto& c : m.tool_calls) {
    std::string args = c.arguments_json;
    if (auto err = detail::check_tool_args(args); !err.empty())
      return "assistant tool call " + quote(c.name) + " (" + c.id
             + ") has invalid arguments: " + err;
    w.StartObject();
    write_field(w, "id", c.id);
    write_field(w, "type", "function");
    w.Key("function");
    w.StartObject();
    write_field(w, "name", c.name);
    write_field(w, "arguments", args);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  return {};
}

void write_tool_result(json_writer& w, const tool_result& r) {
  write_field(w, "role", "tool");
  write_field(w, "tool_call_id", r.tool_call_id);
  write_field(w, "content", r.is_error ? "Error: " + r.content : r.content);
}

std::string write_tools(json_writer& w, const std::vector<tool_definition>& t) {
  w.Key("tools");
  w.StartArray();
  for (const auto& def : t) {
    w.StartObject();
    write_field(w, "type", "function");
    w.Key("function");
    w.StartObject();
    write_field(w, "name", def.name);
    if (!def.description.empty())
      write_field(w, "description", def.description);
    w.Key("parameters");
    if (auto err = detail::write_json_object(w, def.parameters_json_schema);
        !err.empty())
      return "tool " + quote(def.name) + ": parameters schema: " + err;
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  return {};
}

} // namespace

protocol::expected<std::string> encode_openai_request(
  const conversation& conv, const request_options& opts) {
  if (opts.model.empty())
    return bad_request("no model name");
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, "model", opts.model);
  w.Key("messages");
  w.StartArray();
  if (!conv.system_prompt.empty()) {
    w.StartObject();
    write_field(w, "role", "system");
    write_field(w, "content", conv.system_prompt);
    w.EndObject();
  }
  for (const auto& m : conv.messages) {
    w.StartObject();
    std::string err;
    switch (m.role) {
      case message_role::user:
        err = write_user(w, m, opts);
        break;
      case message_role::assistant:
        err = write_assistant(w, m);
        break;
      case message_role::tool:
        write_tool_result(w, m.result);
        break;
    }
    if (!err.empty())
      return bad_request(std::move(err));
    w.EndObject();
  }
  w.EndArray();
  if (!conv.tools.empty())
    if (auto err = write_tools(w, conv.tools); !err.empty())
      return bad_request(std::move(err));
  if (opts.max_tokens) {
    w.Key("max_tokens");
    w.Int(*opts.max_tokens);
  }
  if (opts.temperature) {
    w.Key("temperature");
    w.Double(*opts.temperature);
  }
  w.Key("stream");
  w.Bool(opts.stream);
  if (opts.stream) {
    w.Key("stream_options");
    w.StartObject();
    w.Key("include_usage");
    w.Bool(true);
    w.EndObject();
  }
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string describe_openai_error(std::string_view provider, int status,
                                  std::string_view body) {
  return detail::describe_http_error(provider, status, body, false);
}

// -- decoder ------------------------------------------------------------------

namespace {

finish_reason map_finish(std::string_view raw) {
  if (raw == "stop")
    return finish_reason::stop;
  if (raw == "tool_calls" || raw == "function_call")
    return finish_reason::tool_calls;
  if (raw == "length")
    return finish_reason::length;
  return finish_reason::other;
}

/// The message of an in-stream error member (an object or a string).
std::string error_text(const Value& err) {
  if (err.IsString())
    return std::string{detail::view_of(err)};
  if (auto msg = detail::string_member(err, "message"))
    return std::string{*msg};
  return "the server reported an error";
}

} // namespace

openai_stream_decoder::openai_stream_decoder(std::string provider,
                                             stream_limits limits)
  : stream_decoder(std::move(provider), limits) {}

void openai_stream_decoder::finish_calls(std::vector<stream_event>& out) {
  for (auto& [index, call] : calls_) {
    if (auto err = detail::check_tool_args(call.args); !err.empty())
      return fail("tool call " + quote(call.name)
                    + " has invalid arguments (" + err + ")",
                  out);
    if (call.id.empty())
      call.id = "call_" + std::to_string(index);
    out.push_back(tool_call_done{index, call.id, call.name, call.args});
  }
  had_calls_ = had_calls_ || !calls_.empty();
  calls_.clear();
}

void openai_stream_decoder::on_tool_delta(size_t index, std::string_view id,
                                          std::string_view name,
                                          std::string_view args,
                                          std::vector<stream_event>& out) {
  if (!calls_.count(index) && calls_.size() >= limits().max_tool_calls)
    return fail("more than " + std::to_string(limits().max_tool_calls)
                  + " tool calls in one response",
                out);
  auto [it, fresh] = calls_.try_emplace(index);
  auto& call = it->second;
  if (call.id.empty())
    call.id = std::string{id};
  if (call.name.empty())
    call.name = std::string{name};
  if (fresh)
    out.push_back(tool_call_started{index, call.id, call.name});
  if (args.empty())
    return;
  if (call.args.size() + args.size() > limits().max_tool_args_bytes)
    return fail("tool call " + quote(call.name) + " arguments exceed "
                  + std::to_string(limits().max_tool_args_bytes) + " bytes",
                out);
  call.args.append(args);
  out.push_back(tool_call_args_delta{index, std::string{args}});
}

void openai_stream_decoder::on_event(const sse_event& ev,
                                     std::vector<stream_event>& out) {
  if (ev.data == "[DONE]") {
    if (!finish_)
      return fail("stream ended without a finish reason", out);
    return complete(std::move(*finish_), out);
  }
  detail::stack_document parsed;
  auto& doc = parsed.doc;
  if (auto err = detail::parse_json(ev.data, doc); !err.empty())
    return fail("malformed stream data (" + err + ")", out);
  if (!doc.IsObject())
    return fail("malformed stream data (expected a JSON object)", out);
  if (const auto* err = detail::find_member(doc, "error"))
    return fail(error_text(*err), out);
  if (const auto* u = detail::find_member(doc, "usage"); u && u->IsObject())
    out.push_back(usage{detail::count_member(*u, "prompt_tokens").value_or(0),
                        detail::count_member(*u, "completion_tokens")
                          .value_or(0)});
  const auto* choices = detail::find_member(doc, "choices");
  if (!choices || !choices->IsArray() || choices->Empty())
    return;
  const Value& choice = (*choices)[0];
  if (!choice.IsObject())
    return;
  if (const auto* delta = detail::find_member(choice, "delta");
      delta && delta->IsObject()) {
    if (auto text = detail::string_member(*delta, "content");
        text && !text->empty())
      out.push_back(text_delta{std::string{*text}});
    const auto* calls = detail::find_member(*delta, "tool_calls");
    if (calls && calls->IsArray()) {
      for (rapidjson::SizeType i = 0; i < calls->Size(); ++i) {
        const Value& tc = (*calls)[i];
        if (!tc.IsObject())
          continue;
        static const Value empty_object{rapidjson::kObjectType};
        const Value* fn = detail::find_member(tc, "function");
        if (!fn || !fn->IsObject())
          fn = &empty_object;
        on_tool_delta(static_cast<size_t>(
                        detail::count_member(tc, "index").value_or(i)),
                      detail::string_member(tc, "id").value_or(""),
                      detail::string_member(*fn, "name").value_or(""),
                      detail::string_member(*fn, "arguments").value_or(""),
                      out);
        if (done())
          return;
      }
    }
  }
  if (auto raw = detail::string_member(choice, "finish_reason")) {
    finish_calls(out);
    if (done())
      return;
    auto reason = map_finish(*raw);
    if (reason == finish_reason::stop && had_calls_)
      reason = finish_reason::tool_calls;
    finish_ = finished{reason, std::string{*raw}};
  }
}

void openai_stream_decoder::on_end(std::vector<stream_event>& out) {
  if (finish_)
    return complete(std::move(*finish_), out);
  fail("stream ended before the response was complete", out);
}

} // namespace wingman::providers
