#include "tools/fake_llm/fake_llm.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace wingman::fake_llm {

namespace {

using json = rapidjson::Document;
using value = rapidjson::Value;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i]))
        != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool parse_uint(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 15)
    return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

/// Text of an OpenAI `content` (string or parts) or Anthropic content
/// (string or blocks): the concatenated `text` members.
std::string text_of(const value& content) {
  if (content.IsString())
    return {content.GetString(), content.GetStringLength()};
  std::string out;
  if (!content.IsArray())
    return out;
  for (const auto& part : content.GetArray()) {
    if (part.IsString()) {
      out.append(part.GetString(), part.GetStringLength());
      continue;
    }
    if (!part.IsObject())
      continue;
    auto t = part.FindMember("text");
    if (t != part.MemberEnd() && t->value.IsString())
      out.append(t->value.GetString(), t->value.GetStringLength());
  }
  return out;
}

std::string_view member_string(const value& obj, const char* name) {
  if (!obj.IsObject())
    return {};
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

/// What the model "says": the prompt text, or the tool result it was given.
struct turn_input {
  std::string text;
  std::string prompt;  ///< The last user message's text.
  bool tool_result = false;
};

turn_input openai_input(const value& messages) {
  turn_input in;
  if (messages.Empty())
    return in;
  const auto& last = messages[messages.Size() - 1];
  if (member_string(last, "role") == "tool") {
    auto c = last.FindMember("content");
    in.text = c == last.MemberEnd() ? std::string{} : text_of(c->value);
    in.tool_result = true;
  }
  for (auto i = messages.Size(); i-- > 0;) {
    const auto& m = messages[i];
    if (member_string(m, "role") != "user")
      continue;
    auto c = m.FindMember("content");
    if (c != m.MemberEnd())
      in.prompt = text_of(c->value);
    break;
  }
  if (!in.tool_result)
    in.text = in.prompt;
  return in;
}

turn_input anthropic_input(const value& messages) {
  turn_input in;
  if (messages.Empty())
    return in;
  const auto& last = messages[messages.Size() - 1];
  auto c = last.IsObject() ? last.FindMember("content") : last.MemberEnd();
  if (member_string(last, "role") == "user" && c != last.MemberEnd() && c->value.IsArray()) {
    for (const auto& block : c->value.GetArray()) {
      if (member_string(block, "type") != "tool_result")
        continue;
      auto rc = block.FindMember("content");
      in.text = rc == block.MemberEnd() ? std::string{} : text_of(rc->value);
      in.tool_result = true;
      break;
    }
  }
  for (auto i = messages.Size(); i-- > 0;) {
    const auto& m = messages[i];
    if (member_string(m, "role") != "user" || (in.tool_result && i + 1 == messages.Size()))
      continue;
    auto mc = m.FindMember("content");
    if (mc != m.MemberEnd())
      in.prompt = text_of(mc->value);
    break;
  }
  if (!in.tool_result)
    in.text = in.prompt;
  return in;
}

/// Fault selected by the model name.
struct fault {
  enum kind_t { none, fail_429, fail_500, disconnect, slow_first_byte, stall, tool_loop } kind = none;
  uint64_t n = 0;
};

fault fault_of(std::string_view model) {
  fault f;
  uint64_t n = 0;
  if (model.rfind("fail-429-", 0) == 0 && parse_uint(model.substr(9), n))
    f = {fault::fail_429, n};
  else if (model.rfind("fail-500-", 0) == 0 && parse_uint(model.substr(9), n))
    f = {fault::fail_500, n};
  else if (model == "disconnect")
    f.kind = fault::disconnect;
  else if (model == "stall")
    f.kind = fault::stall;
  else if (model == "tool-loop")
    f.kind = fault::tool_loop;
  else if (model.rfind("slow-first-byte-", 0) == 0 && parse_uint(model.substr(16), n))
    f = {fault::slow_first_byte, n};
  return f;
}

response_plan json_response(int status, std::string body) {
  response_plan p;
  p.status = status;
  p.segments.push_back(std::move(body));
  return p;
}

std::string openai_error_json(std::string_view message, std::string_view type,
                              std::string_view code) {
  std::string out = R"({"error":{"message":")" + json_escape(message) + R"(","type":")"
                    + std::string(type) + R"(","param":null,"code":)";
  out += code.empty() ? std::string("null") : "\"" + std::string(code) + "\"";
  out += "}}";
  return out;
}

std::string anthropic_error_json(std::string_view message, std::string_view type) {
  return R"({"type":"error","error":{"type":")" + std::string(type) + R"(","message":")"
         + json_escape(message) + "\"}}";
}

/// An error in the style of the API the path belongs to.
response_plan api_error(bool anthropic, int status, std::string_view message,
                        std::string_view openai_type, std::string_view openai_code,
                        std::string_view anthropic_type) {
  return json_response(status, anthropic ? anthropic_error_json(message, anthropic_type)
                                         : openai_error_json(message, openai_type,
                                                             openai_code));
}

/// One SSE event and whether it carries a delta.
struct sse_event {
  std::string text;
  bool delta = false;
};

/// Groups events into segments: a new segment starts at every delta after
/// the first, so a chunk delay separates deltas. `keep_deltas` truncates
/// after that many deltas (for `disconnect`/`stall`).
std::vector<std::string> segment(const std::vector<sse_event>& events,
                                 std::optional<size_t> keep_deltas) {
  std::vector<std::string> out;
  std::string current;
  bool has_delta = false;
  size_t deltas = 0;
  for (const auto& ev : events) {
    if (keep_deltas && deltas == *keep_deltas)
      break;  // nothing after the last kept delta
    if (ev.delta && has_delta) {
      out.push_back(std::move(current));
      current.clear();
      has_delta = false;
    }
    current += ev.text;
    if (ev.delta) {
      has_delta = true;
      ++deltas;
    }
  }
  if (!current.empty())
    out.push_back(std::move(current));
  return out;
}

/// The reply the model gives: text, or one tool call.
struct reply {
  std::string text;
  bool tool_call = false;
  std::string tool_name;
  std::string tool_args;  ///< JSON text.
};

} // namespace

std::vector<std::string> split_utf8(std::string_view text, size_t n) {
  if (n == 0)
    n = 1;
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
      starts.push_back(i);
  std::vector<std::string> out;
  out.reserve(n);
  auto boundary = [&](size_t k) {
    size_t cp = k * starts.size() / n;
    return cp >= starts.size() ? text.size() : starts[cp];
  };
  for (size_t k = 0; k < n; ++k)
    out.emplace_back(text.substr(boundary(k), boundary(k + 1) - boundary(k)));
  return out;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

parse_status parse_request(std::string_view buf, const options& opts, request& out,
                           size_t& consumed, std::string& why) {
  auto head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buf.size() > opts.max_header_bytes) {
      why = "request headers over " + std::to_string(opts.max_header_bytes) + " bytes";
      return parse_status::too_large;
    }
    return parse_status::incomplete;
  }
  if (head_end > opts.max_header_bytes) {
    why = "request headers over " + std::to_string(opts.max_header_bytes) + " bytes";
    return parse_status::too_large;
  }
  out = request{};
  auto head = buf.substr(0, head_end);
  auto line_end = head.find("\r\n");
  auto line = head.substr(0, line_end);
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    why = "malformed request line";
    return parse_status::bad;
  }
  out.method = std::string(line.substr(0, sp1));
  out.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  auto version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    why = "unsupported HTTP version";
    return parse_status::bad;
  }
  out.keep_alive = version == "HTTP/1.1";
  uint64_t length = 0;
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string_view::npos)
      end = head.size();
    auto field = head.substr(pos, end - pos);
    pos = end + 2;
    auto colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      why = "malformed header line";
      return parse_status::bad;
    }
    auto name = field.substr(0, colon);
    auto val = trim(field.substr(colon + 1));
    if (iequals(name, "content-length")) {
      if (!parse_uint(val, length)) {
        why = "bad Content-Length";
        return parse_status::bad;
      }
    } else if (iequals(name, "transfer-encoding")) {
      why = "request bodies need a Content-Length (Transfer-Encoding unsupported)";
      return parse_status::unsupported;
    } else if (iequals(name, "connection")) {
      if (iequals(val, "close"))
        out.keep_alive = false;
      else if (iequals(val, "keep-alive"))
        out.keep_alive = true;
    } else if (iequals(name, "authorization")) {
      out.authorization = std::string(val);
    } else if (iequals(name, "x-api-key")) {
      out.x_api_key = std::string(val);
    }
  }
  if (length > opts.max_body_bytes) {
    why = "request body over " + std::to_string(opts.max_body_bytes) + " bytes";
    return parse_status::too_large;
  }
  auto total = head_end + 4 + length;
  if (buf.size() < total)
    return parse_status::incomplete;
  out.body = std::string(buf.substr(head_end + 4, length));
  consumed = total;
  return parse_status::ok;
}

engine::engine(options opts) : opts_(std::move(opts)) {
  if (opts_.chunks == 0)
    opts_.chunks = 1;
}

bool engine::authorized(const request& req) const {
  if (opts_.api_key.empty())
    return true;
  return req.authorization == "Bearer " + opts_.api_key || req.x_api_key == opts_.api_key;
}

std::string engine::stats_json() const {
  return R"({"requests":)" + std::to_string(stats_.requests) + R"(,"active_streams":)"
         + std::to_string(stats_.active_streams) + R"(,"cancelled":)"
         + std::to_string(stats_.cancelled) + R"(,"connections":)"
         + std::to_string(stats_.connections) + R"(,"last_roles":")" + stats_.last_roles
         + R"(","last_tools":")" + stats_.last_tools + "\"}";
}

response_plan engine::handle(const request& req) {
  auto qmark = req.target.find('?');
  std::string_view path = std::string_view(req.target).substr(0, qmark);
  std::string_view query = qmark == std::string::npos
                             ? std::string_view{}
                             : std::string_view(req.target).substr(qmark + 1);
  bool anthropic = path == "/v1/messages";
  response_plan plan;
  if (path == "/fake/stats" && req.method == "GET") {
    plan = json_response(200, {});
    plan.segments.clear();  // filled when answered (stats_json)
    uint64_t n = 0;
    for (size_t pos = 0; pos < query.size();) {
      auto amp = query.find('&', pos);
      auto kv = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
      pos = amp == std::string_view::npos ? query.size() : amp + 1;
      if (kv.rfind("wait_cancelled=", 0) == 0 && parse_uint(kv.substr(15), n))
        plan.wait_cancelled = n;
      else if (kv.rfind("timeout_ms=", 0) == 0 && parse_uint(kv.substr(11), n))
        plan.wait_timeout = std::chrono::milliseconds{n};
    }
    if (!plan.wait_cancelled)
      plan.segments.push_back(stats_json());
  } else if (path == "/fake/reset" && req.method == "POST") {
    per_model_.clear();
    stats_.requests = 0;
    stats_.cancelled = 0;
    plan = json_response(200, R"({"reset":true})");
  } else if (!authorized(req)) {
    plan = api_error(anthropic, 401,
                     anthropic ? "invalid x-api-key" : "Incorrect API key provided.",
                     "invalid_request_error", "invalid_api_key", "authentication_error");
  } else if (path == "/v1/models" && req.method == "GET") {
    plan = json_response(
      200, R"({"object":"list","data":[{"id":"fake-model","object":"model","created":0,"owned_by":"wingman-fake-llm"}]})");
  } else if ((path == "/v1/chat/completions" || anthropic) && req.method == "POST") {
    plan = completion(req, anthropic);
  } else if (path == "/v1/chat/completions" || anthropic || path == "/v1/models") {
    plan = api_error(anthropic, 405, "method not allowed", "invalid_request_error", "",
                     "invalid_request_error");
  } else {
    plan = api_error(false, 404, "no route for " + req.method + " " + std::string(path),
                     "invalid_request_error", "unknown_url", "not_found_error");
  }
  if (!req.keep_alive)
    plan.close = true;
  return plan;
}

response_plan engine::completion(const request& req, bool anthropic) {
  ++stats_.requests;
  auto bad = [&](const std::string& message) {
    return api_error(anthropic, 400, message, "invalid_request_error", "",
                     "invalid_request_error");
  };
  json doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(req.body.data(), req.body.size());
  if (doc.HasParseError())
    return bad("We could not parse the JSON body of your request. (offset "
               + std::to_string(doc.GetErrorOffset())
               + ": " + rapidjson::GetParseError_En(doc.GetParseError()) + ")");
  if (!doc.IsObject())
    return bad("the request body must be a JSON object");
  auto model_it = doc.FindMember("model");
  if (model_it == doc.MemberEnd() || !model_it->value.IsString())
    return bad("you must provide a model parameter");
  std::string model{model_it->value.GetString(), model_it->value.GetStringLength()};
  auto msgs = doc.FindMember("messages");
  if (msgs == doc.MemberEnd() || !msgs->value.IsArray())
    return bad("'messages' must be an array");
  stats_.last_roles = anthropic && doc.HasMember("system") ? "system" : "";
  for (const auto& m : msgs->value.GetArray()) {
    auto role = member_string(m, "role");
    bool valid = !role.empty()
                 && role.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos;
    if (!stats_.last_roles.empty())
      stats_.last_roles += ',';
    stats_.last_roles += valid ? role : std::string_view{"?"};
  }
  auto stream_it = doc.FindMember("stream");
  bool stream = stream_it != doc.MemberEnd() && stream_it->value.IsBool()
                && stream_it->value.GetBool();
  bool include_usage = false;
  auto so = doc.FindMember("stream_options");
  if (so != doc.MemberEnd() && so->value.IsObject()) {
    auto iu = so->value.FindMember("include_usage");
    include_usage = iu != so->value.MemberEnd() && iu->value.IsBool() && iu->value.GetBool();
  }
  auto tools = doc.FindMember("tools");
  bool has_tools = tools != doc.MemberEnd() && tools->value.IsArray() && !tools->value.Empty();
  stats_.last_tools.clear();
  if (has_tools)
    for (const auto& t : tools->value.GetArray()) {
      // OpenAI: {"type":"function","function":{"name":...}}; Anthropic: {"name":...}.
      if (!t.IsObject())
        continue;
      auto fn = t.FindMember("function");
      auto name = fn != t.MemberEnd() && fn->value.IsObject() ? member_string(fn->value, "name")
                                                             : member_string(t, "name");
      if (name.find_first_of(",\"\\") != std::string_view::npos)
        name = "?";
      if (!stats_.last_tools.empty())
        stats_.last_tools += ',';
      stats_.last_tools += name;
    }

  // Faults selected by the model name.
  auto f = fault_of(model);
  auto seen = per_model_[model]++;
  if ((f.kind == fault::fail_429 || f.kind == fault::fail_500) && seen < f.n) {
    bool is429 = f.kind == fault::fail_429;
    auto p = api_error(anthropic, is429 ? 429 : 500,
                       is429 ? "Rate limit reached (fake)" : "The server had an error (fake)",
                       is429 ? "requests" : "server_error",
                       is429 ? "rate_limit_exceeded" : "", is429 ? "rate_limit_error" : "api_error");
    if (is429)
      p.headers.emplace_back("retry-after", "0");
    return p;
  }

  // What to answer.
  auto in = anthropic ? anthropic_input(msgs->value) : openai_input(msgs->value);
  reply r;
  // `tool-loop` asks for the prompt's tool again after every result.
  auto& ask = f.kind == fault::tool_loop ? in.prompt : in.text;
  if (in.tool_result && f.kind != fault::tool_loop) {
    r.text = "tool result: " + in.text;
  } else if (has_tools && ask.rfind("/tool ", 0) == 0) {
    std::string_view rest = trim(std::string_view(ask).substr(6));
    auto sp = rest.find(' ');
    r.tool_name = std::string(rest.substr(0, sp));
    r.tool_args = sp == std::string_view::npos ? "{}" : std::string(trim(rest.substr(sp + 1)));
    json args;
    args.Parse(r.tool_args.data(), r.tool_args.size());
    if (r.tool_name.empty() || args.HasParseError() || !args.IsObject())
      return bad("fake-llm: /tool wants a name and a JSON object: " + ask);
    r.tool_call = true;
  } else {
    r.text = opts_.text ? *opts_.text : in.text;
  }

  auto id = next_id_++;
  uint64_t prompt_tokens = (req.body.size() + 3) / 4;
  // Deltas: the text in `chunks` pieces, or the tool call's header plus its
  // arguments in at least 3 pieces.
  std::vector<std::string> pieces;
  if (r.tool_call) {
    pieces = split_utf8(r.tool_args, std::max<size_t>(3, opts_.chunks));
  } else {
    size_t cps = 0;
    for (char c : r.text)
      cps += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    pieces = split_utf8(r.text, std::max<size_t>(1, std::min(opts_.chunks, cps)));
  }
  uint64_t completion_tokens = pieces.size() + (r.tool_call ? 1 : 0);
  std::string model_json = json_escape(model);
  auto created = std::to_string(static_cast<long long>(std::time(nullptr)));

  response_plan plan;
  plan.first_delay = f.kind == fault::slow_first_byte ? std::chrono::milliseconds{f.n}
                                                      : opts_.first_byte_delay;
  plan.gap = opts_.chunk_delay;
  if (f.kind == fault::disconnect)
    plan.end = response_end::disconnect;
  else if (f.kind == fault::stall)
    plan.end = response_end::stall;

  if (!stream) {
    std::string body;
    if (anthropic) {
      body = R"({"id":"msg_fake_)" + std::to_string(id)
             + R"(","type":"message","role":"assistant","model":")" + model_json
             + R"(","content":[)";
      if (r.tool_call)
        body += R"({"type":"tool_use","id":"toolu_fake_)" + std::to_string(id)
                + R"(","name":")" + json_escape(r.tool_name) + R"(","input":)" + r.tool_args
                + "}";
      else
        body += R"({"type":"text","text":")" + json_escape(r.text) + "\"}";
      body += R"(],"stop_reason":")" + std::string(r.tool_call ? "tool_use" : "end_turn")
              + R"(","stop_sequence":null,"usage":{"input_tokens":)"
              + std::to_string(prompt_tokens) + R"(,"output_tokens":)"
              + std::to_string(completion_tokens) + "}}";
    } else {
      body = R"({"id":"chatcmpl-fake-)" + std::to_string(id)
             + R"(","object":"chat.completion","created":)" + created + R"(,"model":")"
             + model_json + R"(","choices":[{"index":0,"message":{"role":"assistant",)";
      if (r.tool_call)
        body += R"("content":null,"tool_calls":[{"id":"call_fake_)" + std::to_string(id)
                + R"(","type":"function","function":{"name":")" + json_escape(r.tool_name)
                + R"(","arguments":")" + json_escape(r.tool_args) + "\"}}]}";
      else
        body += R"("content":")" + json_escape(r.text) + "\"}";
      body += R"(,"finish_reason":")" + std::string(r.tool_call ? "tool_calls" : "stop")
              + R"("}],"usage":{"prompt_tokens":)" + std::to_string(prompt_tokens)
              + R"(,"completion_tokens":)" + std::to_string(completion_tokens)
              + R"(,"total_tokens":)" + std::to_string(prompt_tokens + completion_tokens)
              + "}}";
    }
    if (plan.end != response_end::complete)
      body.resize(body.size() / 2);  // a truncated answer
    plan.segments.push_back(std::move(body));
    return plan;
  }

  plan.streamed = true;
  plan.content_type = "text/event-stream";
  plan.headers.emplace_back("Cache-Control", "no-cache");
  std::vector<sse_event> events;
  if (anthropic) {
    auto ev = [](const char* name, const std::string& data) {
      return std::string("event: ") + name + "\ndata: " + data + "\n\n";
    };
    events.push_back({ev("message_start",
                         R"({"type":"message_start","message":{"id":"msg_fake_)"
                           + std::to_string(id)
                           + R"(","type":"message","role":"assistant","content":[],"model":")"
                           + model_json
                           + R"(","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":)"
                           + std::to_string(prompt_tokens) + R"(,"output_tokens":1}}})")});
    if (r.tool_call)
      events.push_back(
        {ev("content_block_start",
            R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_fake_)"
              + std::to_string(id) + R"(","name":")" + json_escape(r.tool_name)
              + R"(","input":{}}})")});
    else
      events.push_back(
        {ev("content_block_start",
            R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})")});
    events.push_back({ev("ping", R"({"type": "ping"})")});
    for (const auto& piece : pieces) {
      events.push_back(
        {ev("content_block_delta",
            r.tool_call
              ? R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":")"
                  + json_escape(piece) + "\"}}"
              : R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")"
                  + json_escape(piece) + "\"}}"),
         true});
    }
    events.push_back({ev("content_block_stop", R"({"type":"content_block_stop","index":0})")});
    events.push_back({ev("message_delta",
                         R"({"type":"message_delta","delta":{"stop_reason":")"
                           + std::string(r.tool_call ? "tool_use" : "end_turn")
                           + R"(","stop_sequence":null},"usage":{"output_tokens":)"
                           + std::to_string(completion_tokens) + "}}")});
    events.push_back({ev("message_stop", R"({"type":"message_stop"})")});
  } else {
    std::string prefix = R"(data: {"id":"chatcmpl-fake-)" + std::to_string(id)
                         + R"(","object":"chat.completion.chunk","created":)" + created
                         + R"(,"model":")" + model_json + R"(","choices":[)";
    std::string suffix = include_usage ? "],\"usage\":null}\n\n" : "]}\n\n";
    auto choice = [&](const std::string& delta, const char* finish) {
      return prefix + R"({"index":0,"delta":)" + delta + R"(,"finish_reason":)" + finish + "}"
             + suffix;
    };
    if (r.tool_call) {
      events.push_back(
        {choice(R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_fake_)"
                  + std::to_string(id) + R"(","type":"function","function":{"name":")"
                  + json_escape(r.tool_name) + R"(","arguments":""}}]})",
                "null"),
         true});
      for (const auto& piece : pieces)
        events.push_back(
          {choice(R"({"tool_calls":[{"index":0,"function":{"arguments":")" + json_escape(piece)
                    + "\"}}]}",
                  "null"),
           true});
    } else {
      for (size_t i = 0; i < pieces.size(); ++i)
        events.push_back({choice(std::string(i == 0 ? R"({"role":"assistant",)" : "{")
                                   + R"("content":")" + json_escape(pieces[i]) + "\"}",
                                 "null"),
                          true});
    }
    events.push_back({choice("{}", r.tool_call ? "\"tool_calls\"" : "\"stop\""), false});
    if (include_usage)
      events.push_back({prefix + R"(],"usage":{"prompt_tokens":)" + std::to_string(prompt_tokens)
                          + R"(,"completion_tokens":)" + std::to_string(completion_tokens)
                          + R"(,"total_tokens":)"
                          + std::to_string(prompt_tokens + completion_tokens) + "}}\n\n",
                        false});
    events.push_back({"data: [DONE]\n\n", false});
  }
  std::optional<size_t> keep;
  if (plan.end == response_end::disconnect)
    keep = 2;
  else if (plan.end == response_end::stall)
    keep = 1;
  plan.segments = segment(events, keep);
  return plan;
}

} // namespace wingman::fake_llm
