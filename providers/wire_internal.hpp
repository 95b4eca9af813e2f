// Private helpers shared by the provider wire codecs (`*_wire.cpp`,
// `provider_registry.cpp`): JSON parsing and writing on top of the protocol
// library's RapidJSON helpers, tool-call completion and HTTP error text.
//
// Not part of the library's interface: include it only from providers/*.cpp
// (RapidJSON stays out of public headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "protocol/json_internal.hpp"
#include "providers/conversation.hpp"

namespace wingman::providers::detail {

using protocol::detail::find_member;
using protocol::detail::json_writer;
using protocol::detail::parse_flags;
using protocol::detail::view_of;
using protocol::detail::write_field;
using protocol::detail::write_string;

/// Parses `text` into `doc` (strict, iterative). Returns an empty string, or
/// `invalid JSON at offset N: <reason>`.
std::string parse_json(std::string_view text, rapidjson::Document& doc);

/// The DOM the stream decoders parse each SSE event into.
using stack_document = protocol::detail::stack_document<4096, 1024>;

/// `parse_json` for a `stack_document`'s DOM.
std::string parse_json(std::string_view text, protocol::detail::stack_document_type& doc);

/// Writes the JSON object held in `json` (re-serialized; empty or blank text
/// writes `{}`). Writes nothing and returns a reason when `json` is not a
/// JSON object; else returns an empty string.
std::string write_json_object(json_writer& w, std::string_view json);

/// Member `key` as a string view, or nullopt when absent or not a string.
std::optional<std::string_view> string_member(const rapidjson::Value& obj,
                                              const char* key);

/// Member `key` as a non-negative integer, or nullopt.
std::optional<int64_t> count_member(const rapidjson::Value& obj,
                                    const char* key);

/// Checks a finished tool call's arguments: blank text becomes `{}`; returns
/// an empty string when `args` is a JSON object, else the reason.
std::string check_tool_args(std::string& args);

/// `<provider>: HTTP <status>: <message>` for a non-2xx response. The message
/// comes from `error.message`, `error` (a string), `message` or `detail` of a
/// JSON body, with ` (<error.type>)` appended when `with_type`; else from
/// the body text (first line, control characters removed, at most 300 code
/// points); else the status's reason phrase.
std::string describe_http_error(std::string_view provider, int status,
                                std::string_view body, bool with_type);

} // namespace wingman::providers::detail
