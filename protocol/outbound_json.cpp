#include "protocol/codec.hpp"

#include <chrono>
#include <cstdio>

#include "protocol/json_internal.hpp"

namespace wingman::protocol {

namespace {

using detail::json_writer;
using detail::write_field;
using detail::write_nonempty;
using detail::write_string;

/// One frame being written: owns the buffer and the writer.
struct frame_writer {
  rapidjson::StringBuffer buf{nullptr, 1024};  // most frames fit: no regrowth
  json_writer w{buf};

  /// Opens the frame: `{"type":type` plus `"id":id` unless `id` is empty.
  frame_writer(const char* type, std::string_view id) {
    w.StartObject();
    write_field(w, "type", type);
    write_nonempty(w, "id", id);
  }

  /// Closes the frame with `"timestamp":ts` and returns its text.
  std::string finish(int64_t ts) {
    w.Key("timestamp");
    w.Int64(ts);
    w.EndObject();
    return std::string{buf.GetString(), buf.GetSize()};
  }
};

/// An `event:agent` frame with its payload object open.
struct event_writer : frame_writer {
  /// Writes the envelope and `payload.type`.
  event_writer(const event_context& ctx, const char* payload_type)
    : frame_writer("event:agent", ctx.request_id) {
    write_nonempty(w, "clientId", ctx.client_id);
    w.Key("payload");
    w.StartObject();
    write_field(w, "type", payload_type);
  }
};

/// Closes the payload (adding sessionId and agentId) and the frame.
std::string close_event(frame_writer& f, const event_context& ctx) {
  write_field(f.w, "sessionId", ctx.session_id);
  write_field(f.w, "agentId", ctx.agent_id);
  f.w.EndObject();
  return f.finish(ctx.ts);
}

/// An `ack` frame for `req:agent` with its payload object open.
struct agent_ack_writer : frame_writer {
  agent_ack_writer(std::string_view request_id, const char* status,
                   std::string_view session_id, std::string_view agent_id)
    : frame_writer("ack", request_id) {
    w.Key("payload");
    w.StartObject();
    write_field(w, "action", "req:agent");
    write_field(w, "status", status);
    write_field(w, "requestId", request_id);
    write_field(w, "sessionId", session_id);
    write_field(w, "agentId", agent_id);
  }
};

} // namespace

// -- shared sub-encoders (json_internal.hpp) ---------------------------------

namespace detail {

void write_attachment(json_writer& w, const attachment& a) {
  w.StartObject();
  write_nonempty(w, "kind", a.kind);
  write_nonempty(w, "name", a.name);
  write_nonempty(w, "mimeType", a.mime_type);
  write_nonempty(w, "textContent", a.text_content);
  write_nonempty(w, "dataUrl", a.data_url);
  w.EndObject();
}

void write_attachments(json_writer& w, const std::vector<attachment>& list) {
  w.StartArray();
  for (const auto& a : list)
    write_attachment(w, a);
  w.EndArray();
}

void write_routing(json_writer& w, const routing_info& r) {
  w.StartObject();
  write_nonempty(w, "channel", r.channel);
  write_nonempty(w, "accountId", r.account_id);
  write_nonempty(w, "guildId", r.guild_id);
  write_nonempty(w, "teamId", r.team_id);
  if (r.peer) {
    w.Key("peer");
    w.StartObject();
    write_nonempty(w, "kind", r.peer->kind);
    write_nonempty(w, "id", r.peer->id);
    w.EndObject();
  }
  write_nonempty(w, "threadId", r.thread_id);
  w.EndObject();
}

} // namespace detail

// -- envelope-level frames ----------------------------------------------------

std::string encode_res(std::string_view id, bool ok, std::string_view payload,
                       int64_t ts) {
  frame_writer f{"res", id};
  f.w.Key("ok");
  f.w.Bool(ok);
  write_field(f.w, "payload", payload);
  return f.finish(ts);
}

std::string encode_error(std::string_view id, error_code code,
                         std::string_view message, int64_t ts,
                         int64_t retry_after_ms) {
  frame_writer f{"error", id};
  f.w.Key("payload");
  f.w.StartObject();
  write_field(f.w, "code", wire_name(code));
  write_field(f.w, "message", message);
  if (retry_after_ms >= 0) {
    f.w.Key("retryAfterMs");
    f.w.Int64(retry_after_ms);
  }
  f.w.EndObject();
  return f.finish(ts);
}

std::string encode_pong(std::string_view id, int64_t ts) {
  frame_writer f{"pong", id};
  return f.finish(ts);
}

std::string encode_ack_queued(std::string_view request_id,
                              std::string_view session_id,
                              std::string_view agent_id, size_t position,
                              int64_t ts) {
  agent_ack_writer f{request_id, "queued", session_id, agent_id};
  f.w.Key("position");
  f.w.Uint64(position);
  f.w.EndObject();
  return f.finish(ts);
}

std::string encode_ack_dequeued(std::string_view request_id,
                                std::string_view session_id,
                                std::string_view agent_id, size_t remaining,
                                int64_t ts) {
  agent_ack_writer f{request_id, "dequeued", session_id, agent_id};
  f.w.Key("remaining");
  f.w.Uint64(remaining);
  f.w.EndObject();
  return f.finish(ts);
}

std::string encode_ack_cancel(std::string_view id, std::string_view request_id,
                              std::string_view status, int64_t ts) {
  frame_writer f{"ack", id};
  f.w.Key("payload");
  f.w.StartObject();
  write_field(f.w, "action", "req:agent:cancel");
  write_field(f.w, "requestId", request_id);
  write_field(f.w, "status", status);
  f.w.EndObject();
  return f.finish(ts);
}

std::string encode_ack_subscription(std::string_view id,
                                    std::string_view action,
                                    std::string_view session_id,
                                    std::string_view agent_id, int64_t ts) {
  frame_writer f{"ack", id};
  f.w.Key("payload");
  f.w.StartObject();
  write_field(f.w, "action", action);
  write_field(f.w, "sessionId", session_id);
  write_nonempty(f.w, "agentId", agent_id);
  f.w.EndObject();
  return f.finish(ts);
}

// -- event:agent --------------------------------------------------------------

namespace {

/// Appends constant JSON text and escaped strings to one std::string: for
/// the most frequent frames, whose shape is fixed, this replaces ~30 writer
/// calls with a few appends (same bytes as the writer produces).
struct raw_json {
  std::string out;

  raw_json& lit(std::string_view s) {
    out.append(s);
    return *this;
  }

  /// `s` escaped, without quotes.
  raw_json& esc(std::string_view s) {
    auto plain = detail::plain_prefix(s.data(), s.size());
    out.append(s.data(), plain);  // usually all of it
    if (plain == s.size())
      return *this;
    s.remove_prefix(plain);
    auto at = out.size();
    out.resize(at + s.size() * 6);  // worst case: every byte \u00XX
    auto* end = detail::write_escaped(&out[at], s.data(), s.size());
    out.resize(static_cast<size_t>(end - out.data()));
    return *this;
  }

  raw_json& num(int64_t v) {
    char buf[24];
    auto* end = rapidjson::internal::i64toa(v, buf);
    out.append(buf, static_cast<size_t>(end - buf));
    return *this;
  }

  /// `{"type":"event:agent"` plus `id` and `clientId` unless empty.
  raw_json& event_head(const event_context& ctx) {
    out.reserve(512);
    lit(R"({"type":"event:agent")");
    if (!ctx.request_id.empty())
      lit(R"(,"id":")").esc(ctx.request_id).lit("\"");
    if (!ctx.client_id.empty())
      lit(R"(,"clientId":")").esc(ctx.client_id).lit("\"");
    return *this;
  }

  /// `"sessionId":...,"agentId":...},"timestamp":ts}`.
  std::string event_tail(const event_context& ctx) {
    lit(R"("sessionId":")").esc(ctx.session_id);
    lit(R"(","agentId":")").esc(ctx.agent_id);
    lit(R"("},"timestamp":)").num(ctx.ts).lit("}");
    return std::move(out);
  }
};

} // namespace

std::string encode_agent_stream_text(const event_context& ctx,
                                     std::string_view run_id,
                                     std::string_view model,
                                     std::string_view delta) {
  raw_json j;
  j.event_head(ctx);
  j.lit(R"(,"payload":{"type":"agent-stream","chunk":{)"
        R"("event":"on_chat_model_stream","run_id":")")
    .esc(run_id);
  j.lit(R"(","name":")").esc(model);
  j.lit(R"(","metadata":{"langgraph_node":"model_request","thread_id":")")
    .esc(ctx.session_id);
  j.lit(R"("},"data":{"chunk":{"content":")").esc(delta);
  j.lit(R"("}}},)");
  return j.event_tail(ctx);
}

// agent-start and agent-complete go out once per turn each: built from
// constant pieces like the stream chunks (bytes pinned by codec_test).

std::string encode_agent_start(const event_context& ctx,
                               std::string_view agent_name,
                               std::string_view prompt_preview) {
  raw_json j;
  j.event_head(ctx);
  j.lit(R"(,"payload":{"type":"agent-start","agent":")").esc(agent_name);
  j.lit(R"(","prompt":")").esc(prompt_preview);
  j.lit(R"(","timestamp":")").esc(iso8601(ctx.ts));
  j.lit(R"(",)");
  return j.event_tail(ctx);
}

std::string encode_agent_complete(const event_context& ctx,
                                  std::string_view response,
                                  const usage_info& usage) {
  raw_json j;
  j.event_head(ctx);
  j.lit(R"(,"payload":{"type":"agent-complete","result":{"response":")").esc(response);
  j.lit(R"(","streaming":true,"usage":{"input_tokens":)").num(usage.input_tokens);
  j.lit(R"(,"output_tokens":)").num(usage.output_tokens);
  j.lit(R"(,"total_tokens":)").num(usage.total_tokens);
  j.lit(R"(}},)");
  return j.event_tail(ctx);
}

namespace {

/// `input_json` as a raw JSON value (the decoders checked it is an object);
/// `{}` when empty.
void write_raw_object(json_writer& w, std::string_view input_json) {
  if (input_json.empty())
    input_json = "{}";
  w.RawValue(input_json.data(), input_json.size(), rapidjson::kObjectType);
}

} // namespace

std::string encode_tool_event(const event_context& ctx, tool_phase phase,
                              std::string_view tool_name, std::string_view input_json,
                              std::string_view output) {
  event_writer f{ctx, phase == tool_phase::start ? "tool-start" : "tool-end"};
  auto& w = f.w;
  write_field(w, "toolName", tool_name);
  if (phase == tool_phase::start) {
    w.Key("toolInput");
    write_raw_object(w, input_json);
  } else {
    write_field(w, "toolOutput", output);
    if (phase == tool_phase::error) {
      w.Key("isError");
      w.Bool(true);
    }
  }
  return close_event(f, ctx);
}

std::string encode_agent_stream_tool(const event_context& ctx, tool_phase phase,
                                     std::string_view call_id, std::string_view tool_name,
                                     std::string_view input_json, std::string_view output) {
  event_writer f{ctx, "agent-stream"};
  auto& w = f.w;
  w.Key("chunk");
  w.StartObject();
  write_field(w, "event", phase == tool_phase::start ? "on_tool_start"
                          : phase == tool_phase::end ? "on_tool_end"
                                                     : "on_tool_error");
  write_field(w, "run_id", call_id);
  write_field(w, "name", tool_name);
  w.Key("data");
  w.StartObject();
  if (phase == tool_phase::start) {
    w.Key("input");
    write_raw_object(w, input_json);
  } else {
    write_field(w, phase == tool_phase::end ? "output" : "error", output);
  }
  w.EndObject();
  w.EndObject();
  return close_event(f, ctx);
}

std::string encode_agent_error(const event_context& ctx,
                               std::string_view message, error_code code) {
  event_writer f{ctx, "agent-error"};
  write_field(f.w, "error", message);
  if (code != error_code::none)
    write_field(f.w, "code", wire_name(code));
  return close_event(f, ctx);
}

std::string encode_request_queued(const event_context& ctx, size_t position) {
  event_writer f{ctx, "request-queued"};
  f.w.Key("position");
  f.w.Uint64(position);
  return close_event(f, ctx);
}

std::string encode_session_message(const event_context& ctx,
                                   const agent_request& req) {
  event_writer f{ctx, "session-message"};
  write_field(f.w, "role", "user");
  write_field(f.w, "content", req.content);
  f.w.Key("attachments");
  detail::write_attachments(f.w, req.attachments);
  if (req.routing) {
    f.w.Key("routing");
    detail::write_routing(f.w, *req.routing);
  }
  return close_event(f, ctx);
}

// -- time ---------------------------------------------------------------------

int64_t now_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

std::string iso8601(int64_t ms) {
  // Floor division, so times before the epoch format correctly too.
  int64_t days = ms / 86'400'000;
  int64_t rem = ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  int64_t z = days + 719'468;
  int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  int64_t doe = z - era * 146'097;
  int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // By hand: snprintf cost more than the rest of an agent-start frame.
  auto digits = [](char* p, int64_t v, int n) {
    for (int i = n - 1; i >= 0; --i, v /= 10)
      p[i] = static_cast<char>('0' + v % 10);
  };
  if (year < 0 || year > 9999) {  // not 4 digits: the general form
    char buf[64];
    std::snprintf(buf, sizeof(buf),
                  "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(year), static_cast<long long>(month),
                  static_cast<long long>(day),
                  static_cast<long long>(rem / 3'600'000),
                  static_cast<long long>(rem / 60'000 % 60),
                  static_cast<long long>(rem / 1000 % 60),
                  static_cast<long long>(rem % 1000));
    return buf;
  }
  std::string out = "0000-00-00T00:00:00.000Z";
  digits(&out[0], year, 4);
  digits(&out[5], month, 2);
  digits(&out[8], day, 2);
  digits(&out[11], rem / 3'600'000, 2);
  digits(&out[14], rem / 60'000 % 60, 2);
  digits(&out[17], rem / 1000 % 60, 2);
  digits(&out[20], rem % 1000, 3);
  return out;
}

} // namespace wingman::protocol
