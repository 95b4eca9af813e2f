// The conversation a provider turn sends: the agent's system prompt plus the
// session's stored history, trimmed to a budget. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "protocol/records.hpp"
#include "providers/conversation.hpp"

namespace wingman::providers {

/// How much history a turn sends (the newest messages that fit).
struct history_budget {
  size_t max_messages = 100;       ///< Messages, the current one included.
  size_t max_chars = 200'000;      ///< Text + attachment payload characters.
};

/// Characters `m` adds to a request: text, attachment payloads, tool call
/// names and arguments (what `history_budget::max_chars` counts).
size_t message_weight(const protocol::message_record& m) noexcept;

/// Index of the user message of request `request_id` in `history` (the
/// newest one), or `history.size()` when there is none.
size_t find_request_message(const std::vector<protocol::message_record>& history,
                            const std::string& request_id) noexcept;

/// Puts `history` (oldest first, as stored) in the order a turn answering
/// request `request_id` must see it: that request's user message last,
/// after everything that came before it and after the outputs of earlier
/// turns stored while it waited in the queue (their assistant and tool
/// messages have higher sequence numbers), without the user messages of
/// requests queued behind it (not answered yet). Messages of the request
/// itself stay after it (tool rounds stored before a restart, when the
/// request runs again). Unchanged when the request's user message is not in
/// `history`.
std::vector<protocol::message_record>
history_for_request(std::vector<protocol::message_record> history,
                    const std::string& request_id);

/// The order of `history_for_request` as indices into `history`, for a
/// history that is shared and must not be copied (the session's tail).
std::vector<size_t> history_order(const std::vector<protocol::message_record>& history,
                                  const std::string& request_id);

/// Builds the conversation from `history` (oldest first; the last entry is
/// the message being answered). Assistant tool calls and `tool` results are
/// kept as such; the window always starts at a user message, so a tool
/// result is never separated from the call it answers. The oldest messages are dropped until both
/// budgets hold (the last message is always kept); a leading assistant
/// message is dropped too (providers expect the user to speak first).
/// Attachments of the last message that cannot be sent are an error
/// (`invalid_request`, naming the file); those of older messages are
/// replaced by a note so an old bad file cannot block the session.
protocol::expected<conversation>
build_conversation(const std::string& system_prompt,
                   const std::vector<protocol::message_record>& history,
                   const history_budget& budget = {});

/// The same over `history` taken in `order` (indices, as `history_order`
/// gives them).
protocol::expected<conversation>
build_conversation(const std::string& system_prompt,
                   const std::vector<protocol::message_record>& history,
                   const std::vector<size_t>& order, const history_budget& budget);

} // namespace wingman::providers
