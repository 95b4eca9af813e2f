// One entry point per wire operation, chosen by provider type: what the turn
// actor calls once the registry has resolved a model string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "providers/conversation.hpp"
#include "providers/stream_decoder.hpp"

namespace wingman::providers {

/// The wire format a provider speaks.
enum class provider_type : uint8_t {
  openai,     ///< Chat Completions (`<baseUrl>/chat/completions`).
  anthropic,  ///< Messages (`<baseUrl>/messages`).
};

/// `openai` or `anthropic`.
std::string_view to_string(provider_type t) noexcept;

/// Parses `openai` / `anthropic`; nullopt otherwise.
std::optional<provider_type> parse_provider_type(std::string_view s) noexcept;

/// The request body for `type` (see `encode_openai_request`,
/// `encode_anthropic_request`); error messages start with `<provider>: `.
protocol::expected<std::string> encode_request(provider_type type,
                                               std::string_view provider,
                                               const conversation& conv,
                                               const request_options& opts);

/// A fresh decoder for one streamed response of `type`, naming `provider`
/// in its messages (use `resolved_provider::limits`).
std::unique_ptr<stream_decoder> make_stream_decoder(provider_type type,
                                                    std::string provider,
                                                    stream_limits limits = {});

/// The message for a non-2xx response (see `describe_openai_error`,
/// `describe_anthropic_error`).
std::string describe_http_error(provider_type type, std::string_view provider,
                                int status, std::string_view body);

} // namespace wingman::providers
