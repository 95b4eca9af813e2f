#include "providers/wire.hpp"

#include <utility>

#include "providers/anthropic_wire.hpp"
#include "providers/openai_wire.hpp"

namespace wingman::providers {

std::string_view to_string(provider_type t) noexcept {
  return t == provider_type::anthropic ? "anthropic" : "openai";
}

std::optional<provider_type> parse_provider_type(std::string_view s) noexcept {
  if (s == "openai")
    return provider_type::openai;
  if (s == "anthropic")
    return provider_type::anthropic;
  return std::nullopt;
}

protocol::expected<std::string> encode_request(provider_type type,
                                               std::string_view provider,
                                               const conversation& conv,
                                               const request_options& opts) {
  auto body = type == provider_type::anthropic
                ? encode_anthropic_request(conv, opts)
                : encode_openai_request(conv, opts);
  if (body)
    return body;
  auto err = body.error();
  auto prefix = std::string{to_string(type)} + ": ";
  if (err.message.compare(0, prefix.size(), prefix) == 0)
    err.message = std::string{provider} + ": "
                  + err.message.substr(prefix.size());
  return err;
}

std::unique_ptr<stream_decoder> make_stream_decoder(provider_type type,
                                                    std::string provider,
                                                    stream_limits limits) {
  if (type == provider_type::anthropic)
    return std::make_unique<anthropic_stream_decoder>(std::move(provider),
                                                      limits);
  return std::make_unique<openai_stream_decoder>(std::move(provider),
                                                 limits);
}

std::string describe_http_error(provider_type type, std::string_view provider,
                                int status, std::string_view body) {
  if (type == provider_type::anthropic)
    return describe_anthropic_error(provider, status, body);
  return describe_openai_error(provider, status, body);
}

} // namespace wingman::providers
