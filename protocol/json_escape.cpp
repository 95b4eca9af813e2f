// The string escaper behind `detail::json_writer` (json_internal.hpp).
#include "protocol/json_internal.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace wingman::protocol::detail {

namespace {

/// RapidJSON's escape table: 0 = copy; else the letter after the backslash
/// ('u' = \u00XX).
constexpr std::array<char, 256> make_escape_table() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c)
    t[c] = 'u';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}

constexpr auto escape_table = make_escape_table();

} // namespace

char* write_escaped(char* out, const char* s, size_t n) {
  static constexpr char hex[] = "0123456789ABCDEF";
  const char* end = s + n;
  for (;;) {
    // Plain bytes: 8 at a time, then one at a time up to the next byte to
    // escape (the word test is exact, so that byte is within 8).
    for (uint64_t w; end - s >= 8; s += 8, out += 8) {
      std::memcpy(&w, s, 8);
      if (word_needs_escape(w))
        break;
      std::memcpy(out, s, 8);
    }
    while (s != end && escape_table[static_cast<unsigned char>(*s)] == 0)
      *out++ = *s++;
    if (s == end)
      return out;
    auto c = static_cast<unsigned char>(*s++);
    char e = escape_table[c];
    *out++ = '\\';
    *out++ = e;
    if (e == 'u') {
      *out++ = '0';
      *out++ = '0';
      *out++ = hex[c >> 4];
      *out++ = hex[c & 15];
    }
  }
}

} // namespace wingman::protocol::detail
