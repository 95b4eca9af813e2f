// What a webhook call becomes for its agent: the prompt text, taken from the
// payload's `prompt`, `content` or `message` string field, else the preset's
// formatter (gog-gmail, github), else a readable dump of the payload. The
// result is framed as external, untrusted content. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wingman::protocol {

/// The inputs of `webhook_prompt`.
struct webhook_call {
  std::string_view body;          ///< Raw request body.
  std::string_view preset;        ///< "", "gog-gmail", "github".
  std::string_view github_event;  ///< `X-GitHub-Event` header (github preset).
  std::string_view name;          ///< The webhook's name.
  std::string_view event_label;   ///< Optional label.
};

/// The user message for the agent (never empty).
std::string webhook_prompt(const webhook_call& call);

} // namespace wingman::protocol
