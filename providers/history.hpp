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

} // namespace wingman::providers
