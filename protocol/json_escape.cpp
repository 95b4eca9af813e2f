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

/// True if any byte of `w` is below 0x20, '"' or '\\' (exact "any" tests
/// from the classic has-zero-byte bit trick).
inline bool word_needs_escape(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ull;
  constexpr uint64_t highs = 0x8080808080808080ull;
  uint64_t quote = w ^ (ones * '"');
  uint64_t slash = w ^ (ones * '\\');
  uint64_t hits = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote)
                  | ((slash - ones) & ~slash);
  return (hits & highs) != 0;
}

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
