// Small HTTP text helpers shared by the server and the HTTP routes above it.
// Pure functions, no Beast.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wingman::transport {

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`, as in
/// query strings); malformed escapes are kept as they are.
std::string percent_decode(std::string_view in, bool plus_is_space = false);

/// Splits `a=1&b=x%20y` into decoded name/value pairs; a part without `=`
/// has an empty value; empty parts are skipped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

} // namespace wingman::transport
