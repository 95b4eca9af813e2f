// Standard base64 (RFC 4648 §4) decoding, for the payload of `data:` URLs
// that the gateway itself has to read (PDFs converted to text). Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wingman::providers {

/// The number of bytes `text` decodes to (ignoring validity): an upper
/// bound usable for a size check before decoding.
size_t base64_decoded_size(std::string_view text) noexcept;

/// Decodes standard base64 (`A-Z a-z 0-9 + /`). Padding `=` is optional;
/// ASCII whitespace is skipped (line-wrapped input). Nullopt for any other
/// character, data after padding, or a length that cannot be base64.
std::optional<std::string> decode_base64(std::string_view text);

} // namespace wingman::providers
