// Decoding of small JSON request bodies (HTTP API) into string fields, so
// the layers above stay free of RapidJSON. Pure and thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace wingman::protocol {

/// The string members of a JSON object body. A member that is JSON `null`
/// is present with `std::nullopt`; absent members are absent.
using string_fields = std::map<std::string, std::optional<std::string>>;

/// Decodes `body` (empty = `{}`) as an object whose members in `allowed` must
/// be strings or null; other members are ignored. Errors (code
/// `invalid_request`): "body is not valid JSON: ...", "body must be a JSON
/// object", "<name> must be a string".
expected<string_fields> decode_string_fields(std::string_view body,
                                             const std::vector<std::string>& allowed);

/// The elements of a JSON array, each re-serialized as compact JSON (for
/// clients that list records: `[{"id":...}, ...]` -> one string each).
/// Errors (`invalid_request`): not valid JSON, not an array.
expected<std::vector<std::string>> split_json_array(std::string_view json);

} // namespace wingman::protocol
