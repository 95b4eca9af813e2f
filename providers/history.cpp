#include "providers/history.hpp"

namespace wingman::providers {

size_t message_weight(const protocol::message_record& m) noexcept {
  size_t n = m.content.size();
  for (auto& a : m.attachments)
    n += a.data_url.size() + a.text_content.size();
  for (auto& c : m.tool_calls)
    n += c.name.size() + c.arguments_json.size();
  return n;
}

size_t find_request_message(const std::vector<protocol::message_record>& history,
                            const std::string& request_id) noexcept {
  for (size_t i = history.size(); i-- > 0;)
    if (history[i].role == "user" && history[i].request_id == request_id)
      return i;
  return history.size();
}

std::vector<size_t> history_order(const std::vector<protocol::message_record>& history,
                                  const std::string& request_id) {
  std::vector<size_t> order;
  order.reserve(history.size());
  size_t own = find_request_message(history, request_id);
  if (own == history.size() || request_id.empty()) {
    for (size_t i = 0; i < history.size(); ++i)
      order.push_back(i);
    return order;
  }
  auto mine = [&](size_t i) { return history[i].request_id == request_id; };
  for (size_t i = 0; i < history.size(); ++i)
    if (i < own || (i > own && history[i].role != "user" && !mine(i)))
      order.push_back(i);
  order.push_back(own);
  for (size_t i = own + 1; i < history.size(); ++i)
    if (mine(i))
      order.push_back(i);  // its own rounds, when run again
  return order;
}

std::vector<protocol::message_record>
history_for_request(std::vector<protocol::message_record> history,
                    const std::string& request_id) {
  std::vector<protocol::message_record> out;
  out.reserve(history.size());
  for (auto i : history_order(history, request_id))
    out.push_back(std::move(history[i]));
  return out;
}

namespace {

/// `build_conversation` over `n` messages, the i-th being `at(i)`.
template <class At>
protocol::expected<conversation> build(const std::string& system_prompt, size_t n,
                                       At at, const history_budget& budget) {
  conversation conv;
  conv.system_prompt = system_prompt;
  if (n == 0)
    return conv;
  // Walk back from the newest message while the budget holds.
  size_t first = n - 1;
  size_t chars = message_weight(at(n - 1));
  while (first > 0) {
    auto w = message_weight(at(first - 1));
    if (n - first + 1 > budget.max_messages || chars + w > budget.max_chars)
      break;
    chars += w;
    --first;
  }
  while (first + 1 < n && at(first).role != "user")
    ++first;
  conv.messages.reserve(n - first);
  for (size_t i = first; i < n; ++i) {
    const protocol::message_record& m = at(i);
    bool last = i + 1 == n;
    if (m.role == "assistant") {
      std::vector<tool_call> calls;
      for (auto& c : m.tool_calls)
        calls.push_back({c.id, c.name, c.arguments_json});
      conv.messages.push_back(message::assistant(m.content, std::move(calls)));
      continue;
    }
    if (m.role == "tool") {
      conv.messages.push_back(
        message::tool({m.tool_call_id, m.tool_name, m.content, m.is_error}));
      continue;
    }
    std::vector<content_attachment> parts;
    std::string text = m.content;
    for (auto& a : m.attachments) {
      auto converted = to_content_attachment(a);
      if (converted) {
        parts.push_back(std::move(*converted));
        continue;
      }
      if (last)
        return protocol::error{protocol::error_code::invalid_request,
                               "attachment \"" + a.name + "\": " + converted.error().message};
      text += "\n[attachment \"" + a.name + "\" omitted: " + converted.error().message + "]";
    }
    conv.messages.push_back(message::user(std::move(text), std::move(parts)));
  }
  return conv;
}

} // namespace

protocol::expected<conversation>
build_conversation(const std::string& system_prompt,
                   const std::vector<protocol::message_record>& history,
                   const history_budget& budget) {
  return build(system_prompt, history.size(),
               [&](size_t i) -> const protocol::message_record& { return history[i]; },
               budget);
}

protocol::expected<conversation>
build_conversation(const std::string& system_prompt,
                   const std::vector<protocol::message_record>& history,
                   const std::vector<size_t>& order, const history_budget& budget) {
  return build(system_prompt, order.size(),
               [&](size_t i) -> const protocol::message_record& {
                 return history[order[i]];
               },
               budget);
}

} // namespace wingman::providers
