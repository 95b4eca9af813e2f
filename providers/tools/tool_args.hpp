// The arguments of one tool call: the top-level fields of `arguments_json`,
// parsed once (RapidJSON stays in tool_args.cpp). Accessors check presence
// and type and answer with an error message the model can act on.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace wingman::tools {

/// Parsed tool arguments. Only scalar fields are kept; an array or object
/// field is known to exist but has no accessor (wrong type for every tool).
class tool_args {
 public:
  /// Parses `json`, which must be a JSON object of at most `max_bytes`
  /// bytes. An empty string is taken as `{}` (models send it for tools
  /// without arguments).
  static protocol::expected<tool_args> parse(std::string_view json,
                                             size_t max_bytes);

  /// A required string field.
  protocol::expected<std::string> get_string(std::string_view key) const;

  /// An optional string field (absent or `null` → nullopt).
  protocol::expected<std::optional<std::string>>
  opt_string(std::string_view key) const;

  /// An optional integer field; a number with a fraction is wrongly typed.
  protocol::expected<std::optional<int64_t>>
  opt_int(std::string_view key) const;

  /// An optional boolean field.
  protocol::expected<std::optional<bool>> opt_bool(std::string_view key) const;

 private:
  /// The JSON type of a field.
  enum class kind { string, integer, number, boolean, null, array, object };

  /// One top-level field.
  struct field {
    kind type = kind::null;
    std::string text;  ///< When `string`.
    int64_t integer = 0;
    bool boolean = false;
  };

  /// The field named `key`, or nullptr when absent or `null`.
  const field* find(std::string_view key) const;

  std::map<std::string, field, std::less<>> fields_;
};

} // namespace wingman::tools
