#include "actors/provider_turn.hpp"

#include <optional>
#include <random>
#include <utility>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "providers/pdf_attachments.hpp"
#include "providers/reply_builder.hpp"
#include "providers/retry_policy.hpp"
#include "providers/wire.hpp"

namespace wingman::actors {

namespace {

/// Response headers of attempt `attempt` (http thread -> turn).
struct http_head {
  int attempt = 0;
  int status = 0;
  std::optional<std::chrono::milliseconds> retry_after;
};

/// Body bytes of attempt `attempt`.
struct http_body {
  int attempt = 0;
  std::string bytes;
};

/// The end of attempt `attempt`.
struct http_end {
  int attempt = 0;
  transport::http_error result;
};

/// The conversation with its PDFs turned into text (converter -> turn).
struct pdfs_done {
  providers::conversation conv;
  protocol::status result;
};

/// Tool call `index` of round `step` finished (executor thread -> turn).
struct tool_done {
  int step = 0;
  size_t index = 0;
  tools::tool_result result;
};

} // namespace
} // namespace wingman::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::http_head)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::http_body)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::http_end)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::tool_done)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wingman::actors::pdfs_done)

namespace wingman::actors {

namespace {

using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// The second read of the history allows up to a full session queue behind
/// the turn (the first allows `history_slack`).
constexpr size_t history_slack_max = 1000;

/// Most bytes of a non-2xx body kept for the error message.
constexpr size_t max_error_body = 16 * 1024;

struct provider_turn_state {
  start_turn req;
  protocol::agent_config agent;
  providers::resolved_provider provider;
  provider_turn_env env;
  session_actor session;
  providers::conversation conv;  ///< Grows with each tool round.
  std::string body;  ///< The encoded request (reused by retries).
  int attempt = 0;
  std::shared_ptr<transport::http_stream> stream;
  int status = 0;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string error_body;
  std::unique_ptr<providers::stream_decoder> decoder;
  providers::reply_builder reply;
  bool token_sent = false;
  std::mt19937 rng{std::random_device{}()};
  int step = 0;                                    ///< Tool rounds so far.
  std::vector<providers::tool_call> calls;         ///< Of the current round.
  std::vector<providers::tool_result> results;     ///< Index-aligned with calls.
  size_t outstanding = 0;                          ///< Calls still running.
  std::vector<tools::tool_executor::cancel_handle> running_tools;
  static inline const char* name = "provider-turn";

  ~provider_turn_state() {
    if (stream)
      stream->cancel();  // a cancelled or stopped turn closes the connection
    for (auto& h : running_tools)
      h.cancel();        // and kills the commands it started
  }
};

using turn_pointer = caf::stateful_actor<provider_turn_state>*;

void fail(turn_pointer self, std::string message,
          protocol::error_code code = protocol::error_code::unavailable) {
  auto& st = self->state;
  log::actors()->warn("turn provider={} session={} failed: {}", st.provider.name,
                      st.req.session_key, message);
  self->send(st.session, turn_failed{st.req.turn_seq, std::move(message), code});
  self->quit();
}

void start_attempt(turn_pointer self) {
  auto& st = self->state;
  ++st.attempt;
  st.status = 0;
  st.retry_after.reset();
  st.error_body.clear();
  st.decoder = providers::make_stream_decoder(st.provider.type, st.provider.name,
                                              st.provider.limits);
  transport::outbound_request hr;
  hr.method = "POST";
  hr.url = st.provider.endpoint;
  for (auto& [name, value] : st.provider.headers)
    hr.headers.push_back({name, value});
  hr.body = st.body;
  transport::http_timeouts to;
  to.connect = st.provider.connect_timeout;
  to.first_byte = st.provider.first_byte_timeout;
  to.idle = st.provider.idle_timeout;
  // The client's thread reports to this actor by address: a finished turn
  // is not kept alive by its request.
  auto me = caf::actor_cast<caf::actor_addr>(self);
  auto attempt = st.attempt;
  auto post = [me](auto msg) {
    if (auto hdl = caf::actor_cast<caf::actor>(me))
      caf::anon_send(hdl, std::move(msg));
  };
  transport::http_stream_handler h;
  h.on_headers = [post, attempt](int status, const std::vector<transport::http_header>& hs) {
    http_head head{attempt, status, std::nullopt};
    for (auto& hd : hs) {
      if (hd.name == "retry-after-ms" || hd.name == "Retry-After-Ms")
        head.retry_after = providers::parse_retry_after_ms(hd.value);
      else if (!head.retry_after && (hd.name == "retry-after" || hd.name == "Retry-After"))
        head.retry_after = providers::parse_retry_after(hd.value);
    }
    post(head);
  };
  h.on_data = [post, attempt](std::string_view bytes) {
    post(http_body{attempt, std::string{bytes}});
  };
  h.on_done = [post, attempt](const transport::http_error& e) { post(http_end{attempt, e}); };
  st.stream = st.env.http->start(std::move(hr), to, std::move(h));
}

/// Handles decoded events; returns false once the turn is over.
bool on_events(turn_pointer self, std::vector<providers::stream_event>& events) {
  auto& st = self->state;
  for (auto& ev : events) {
    st.reply.add(ev);
    if (auto* d = std::get_if<providers::text_delta>(&ev)) {
      if (!d->text.empty()) {
        st.token_sent = true;
        self->send(st.session, turn_delta{st.req.turn_seq, d->text});
      }
    } else if (auto* e = std::get_if<providers::stream_error>(&ev)) {
      fail(self, e->message);
      return false;
    }
  }
  events.clear();
  return true;
}

bool encode_body(turn_pointer self) {
  auto& st = self->state;
  providers::request_options opts;
  opts.model = st.provider.model;
  opts.native_pdf = providers::takes_native_pdf(st.provider);
  auto body = providers::encode_request(st.provider.type, st.provider.name, st.conv, opts);
  if (!body) {
    fail(self, body.error().message, protocol::error_code::invalid_request);
    return false;
  }
  st.body = std::move(*body);
  return true;
}

/// Runs the calls of the reply on the tool executor.
void run_tools(turn_pointer self) {
  auto& st = self->state;
  if (!st.env.tools || st.conv.tools.empty()) {
    fail(self, st.provider.name + ": the model asked for tools, and this agent has none");
    return;
  }
  if (++st.step > st.env.max_steps) {
    fail(self, "The turn stopped after " + std::to_string(st.env.max_steps)
                 + " tool rounds (limit reached)");
    return;
  }
  st.stream.reset();
  st.calls = st.reply.assistant_message().tool_calls;
  st.results.assign(st.calls.size(), {});
  st.outstanding = st.calls.size();
  st.running_tools.clear();
  tools::tool_context ctx;
  ctx.working_dir = st.req.workdir.empty() ? st.agent.workspace : st.req.workdir;
  ctx.agent_id = st.agent.id;
  ctx.session_key = st.req.session_key;
  ctx.allowed_tools = st.agent.tools;
  ctx.limits = st.env.tool_limits;
  auto me = caf::actor_cast<caf::actor_addr>(self);
  for (size_t i = 0; i < st.calls.size(); ++i) {
    auto& c = st.calls[i];
    self->send(st.session, turn_tool{st.req.turn_seq, protocol::tool_phase::start, c.id,
                                     c.name, c.arguments_json, {}});
    auto step = st.step;
    st.running_tools.push_back(st.env.tools->submit(
      c.name, c.arguments_json, ctx, [me, step, i](tools::tool_result r) {
        if (auto hdl = caf::actor_cast<caf::actor>(me))
          caf::anon_send(hdl, tool_done{step, i, std::move(r)});
      }));
  }
}


/// A tool call finished; after the last one of the round, the round is
/// stored and the model is asked again with the results.
void on_tool_done(turn_pointer self, tool_done& d) {
  auto& st = self->state;
  if (d.step != st.step || d.index >= st.calls.size() || st.outstanding == 0)
    return;
  auto& c = st.calls[d.index];
  st.results[d.index] = {c.id, c.name, d.result.content, d.result.is_error};
  self->send(st.session, turn_tool{st.req.turn_seq,
                                   d.result.is_error ? protocol::tool_phase::error
                                                     : protocol::tool_phase::end,
                                   c.id, c.name, {}, d.result.content});
  if (--st.outstanding > 0)
    return;
  st.running_tools.clear();
  turn_step step;
  step.turn_seq = st.req.turn_seq;
  step.assistant_text = st.reply.assistant_message().text;
  for (auto& call : st.calls)
    step.calls.push_back({call.id, call.name, call.arguments_json});
  for (auto& r : st.results) {
    protocol::message_record m;
    m.role = "tool";
    m.content = r.content;
    m.tool_call_id = r.tool_call_id;
    m.tool_name = r.name;
    m.is_error = r.is_error;
    step.results.push_back(std::move(m));
  }
  self->send(st.session, std::move(step));
  st.conv.messages.push_back(st.reply.assistant_message());
  for (auto& r : st.results)
    st.conv.messages.push_back(providers::message::tool(r));
  st.reply = providers::reply_builder{};
  st.token_sent = false;
  st.attempt = 0;
  if (encode_body(self))
    start_attempt(self);
}

void complete(turn_pointer self) {
  auto& st = self->state;
  if (st.reply.wants_tools()) {
    run_tools(self);
    return;
  }
  protocol::usage_info usage;
  usage.input_tokens = static_cast<int64_t>(st.reply.tokens().input_tokens);
  usage.output_tokens = static_cast<int64_t>(st.reply.tokens().output_tokens);
  usage.total_tokens = usage.input_tokens + usage.output_tokens;
  st.stream.reset();
  self->send(st.session, turn_completed{st.req.turn_seq,
                                        st.reply.assistant_message().text, usage});
  self->quit();
}

providers::failure_kind failure_of(const transport::http_error& e) {
  using k = transport::http_error_kind;
  switch (e.kind) {
    case k::timeout:
      if (e.timeout == transport::http_timeout_kind::first_byte)
        return providers::failure_kind::first_byte_timeout;
      if (e.timeout == transport::http_timeout_kind::idle)
        return providers::failure_kind::idle_timeout;
      return providers::failure_kind::connect_failed;
    case k::resolve:
    case k::connect:
    case k::tls:
      return providers::failure_kind::connect_failed;
    case k::cancelled:
      return providers::failure_kind::cancelled;
    default:
      return providers::failure_kind::connection_lost;
  }
}

/// Retries `failure` if the policy allows, else fails with `message`.
void retry_or_fail(turn_pointer self, const providers::attempt_failure& failure,
                   std::string message) {
  auto& st = self->state;
  providers::retry_settings rs;
  rs.max_retries = st.provider.max_retries;
  std::uniform_real_distribution<double> jitter{0.0, 1.0};
  auto d = providers::decide_retry(rs, st.attempt, failure, jitter(st.rng));
  if (!d.retry) {
    fail(self, std::move(message));
    return;
  }
  log::actors()->info("turn provider={} attempt={} retry in {} ms: {}", st.provider.name,
                      st.attempt, d.delay.count(), message);
  st.stream.reset();
  self->delayed_send(self, d.delay, retry_atom::value);
}

void on_end(turn_pointer self, const transport::http_error& e) {
  auto& st = self->state;
  bool success = st.status >= 200 && st.status < 300;
  if (e.ok() && success) {
    std::vector<providers::stream_event> events;
    st.decoder->finish(events);
    if (!on_events(self, events))
      return;
    if (st.reply.finish())
      complete(self);
    else
      fail(self, st.provider.name + ": " + (st.reply.error().empty()
                                             ? "the stream ended before the reply was complete"
                                             : st.reply.error()));
    return;
  }
  if (e.ok()) {  // a whole non-2xx response
    providers::attempt_failure f;
    f.kind = providers::failure_kind::http_status;
    f.status = st.status;
    f.token_received = st.token_sent;
    f.retry_after = st.retry_after;
    retry_or_fail(self, f, providers::describe_http_error(st.provider.type, st.provider.name,
                                                          st.status, st.error_body));
    return;
  }
  providers::attempt_failure f;
  f.kind = failure_of(e);
  f.token_received = st.token_sent;
  if (f.kind == providers::failure_kind::cancelled) {
    self->quit();
    return;
  }
  retry_or_fail(self, f, st.provider.name + " (" + st.provider.endpoint + "): " + e.message);
}

/// Offers the agent's tools and sends the first request.
void begin(turn_pointer self) {
  auto& st = self->state;
  if (st.env.tools && st.req.channel == "webhook" && !st.env.tool_limits.webhook_commands)
    st.agent.tools = tools::without_command_tools(st.env.tools->registry(), st.agent.tools);
  if (st.env.tools)
    for (auto& spec : st.env.tools->registry().specs_for(st.agent.tools))
      st.conv.tools.push_back({spec.name, spec.description, spec.parameters_json_schema});
  if (encode_body(self))
    start_attempt(self);
}

/// Builds `st.conv` from the session history; false (turn failed) when it
/// cannot be read or sent.
bool build_history(turn_pointer self) {
  auto& st = self->state;
  // The session's decoded tail when it holds the turn's own message: as is
  // when that message is the newest (nothing queued behind it), reordered
  // otherwise; else the store. Requests queued behind this one stored their
  // user messages after it and `history_for_request` drops them, so a full
  // source that leaves less than the budget is read again with room for a
  // whole queue.
  const size_t want = st.env.budget.max_messages;
  auto read = [&](size_t slack) {
    return st.env.store->list_messages(st.agent.id, st.req.session_key, want + slack);
  };
  auto has_own = [&](const std::vector<protocol::message_record>& h) {
    return providers::find_request_message(h, st.req.request_id) < h.size();
  };
  auto enough = [&](size_t source, size_t window) {
    return window >= want || source < want + history_slack;
  };
  auto tail = std::move(st.req.history);
  std::vector<protocol::message_record> ordered;
  const std::vector<protocol::message_record>* window = nullptr;
  std::vector<size_t> tail_order;  // the tail is shared: reordered by index
  if (tail && !tail->empty()
      && providers::find_request_message(*tail, st.req.request_id) == tail->size() - 1) {
    window = tail.get();
  } else if (tail && has_own(*tail)) {
    tail_order = providers::history_order(*tail, st.req.request_id);
    if (enough(tail->size(), tail_order.size()))
      window = tail.get();
    else
      tail_order.clear();
  }
  if (!window) {
    auto history = read(history_slack);
    if (history) {
      auto size = history->size();
      ordered = providers::history_for_request(std::move(*history), st.req.request_id);
      if ((!has_own(ordered) || !enough(size, ordered.size()))
          && size == want + history_slack) {
        history = read(history_slack_max);
        if (history)
          ordered = providers::history_for_request(std::move(*history), st.req.request_id);
      }
    }
    if (!history) {
      fail(self, "history not readable: " + history.error().message,
           protocol::error_code::storage_failure);
      return false;
    }
    window = &ordered;
  }
  auto conv = tail_order.empty()
                ? providers::build_conversation(st.agent.prompt, *window, st.env.budget)
                : providers::build_conversation(st.agent.prompt, *window, tail_order,
                                                st.env.budget);
  tail.reset();  // the session may append again without copying
  if (!conv) {
    fail(self, conv.error().message, conv.error().code);
    return false;
  }
  st.conv = std::move(*conv);
  return true;
}

caf::behavior provider_turn(caf::stateful_actor<provider_turn_state>* self, start_turn req,
                            protocol::agent_config agent, providers::resolved_provider p,
                            provider_turn_env env) {
  auto& st = self->state;
  st.session = caf::actor_cast<session_actor>(req.reply_to);
  st.req = std::move(req);
  st.agent = std::move(agent);
  st.provider = std::move(p);
  st.env = std::move(env);
  self->monitor(st.session);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  if (!st.req.workdir.empty() && st.env.agents) {
    if (auto owner = st.env.agents->other_agent_owning(st.req.workdir, st.agent.id);
        !owner.empty()) {
      fail(self, "The session's workdir overlaps the folders of agent \"" + owner
                   + "\"; set another workdir", protocol::error_code::forbidden);
      return {};
    }
  }
  if (!build_history(self))
    return {};
  if (!providers::takes_native_pdf(st.provider) && providers::has_pdf(st.conv)) {
    // poppler is CPU-bound (~2.5 ms a page): convert on a thread of its
    // own, never on a CAF worker, then start.
    self->spawn<caf::detached>(
      [turn = caf::actor_cast<caf::actor>(self), conv = st.conv,
       limits = st.env.pdf](caf::event_based_actor* converter) mutable {
        auto result = providers::inline_pdfs(conv, limits);
        converter->send(turn, pdfs_done{std::move(conv), std::move(result)});
      });
  } else {
    begin(self);
  }
  return {
    [=](pdfs_done& d) {
      if (!d.result) {
        fail(self, d.result.error().message, d.result.error().code);
        return;
      }
      self->state.conv = std::move(d.conv);
      begin(self);
    },
    [=](http_head& h) {
      auto& st = self->state;
      if (h.attempt != st.attempt)
        return;
      st.status = h.status;
      st.retry_after = h.retry_after;
    },
    [=](http_body& b) {
      auto& st = self->state;
      if (b.attempt != st.attempt)
        return;
      if (st.status < 200 || st.status >= 300) {
        if (st.error_body.size() < max_error_body)
          st.error_body.append(b.bytes, 0, max_error_body - st.error_body.size());
        return;
      }
      std::vector<providers::stream_event> events;
      st.decoder->feed(b.bytes, events);
      on_events(self, events);
    },
    [=](http_end& e) {
      if (e.attempt == self->state.attempt)
        on_end(self, e.result);
    },
    [=](retry_atom) { start_attempt(self); },
    [=](tool_done& d) { on_tool_done(self, d); },
  };
}

} // namespace

turn_actor spawn_provider_turn(caf::actor_system& sys, start_turn req,
                               protocol::agent_config agent,
                               providers::resolved_provider p, provider_turn_env env) {
  auto hdl = sys.spawn(provider_turn, std::move(req), std::move(agent), std::move(p),
                       std::move(env));
  // The session only monitors and stops its turn; it never messages it.
  return caf::actor_cast<turn_actor>(hdl);
}

} // namespace wingman::actors
