#include "providers/tools/tool.hpp"

#include <utility>

namespace wingman::tools {

tool_result tool_error(std::string message) {
  tool_result r;
  r.is_error = true;
  r.summary = message.substr(0, 200);
  r.content = std::move(message);
  return r;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
                 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && len > 1) {
      // Overlong forms, surrogates and values above U+10FFFF are invalid.
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xC0 || c == 0xC1 || (c == 0xE0 && c1 < 0xA0)
             || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90)
             || (c == 0xF4 && c1 >= 0x90) || c > 0xF4);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text, i, len);
    i += len;
  }
  return out;
}

} // namespace wingman::tools
