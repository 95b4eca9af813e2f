#include "providers/base64.hpp"

#include <array>
#include <cstdint>

namespace wingman::providers {

namespace {

constexpr int8_t invalid = -1;
constexpr int8_t skip = -2;

constexpr std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t)
    v = invalid;
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<int8_t>(i);
    t['a' + i] = static_cast<int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i)
    t['0' + i] = static_cast<int8_t>(52 + i);
  t['+'] = 62;
  t['/'] = 63;
  for (char c : {' ', '\t', '\r', '\n'})
    t[static_cast<unsigned char>(c)] = skip;
  return t;
}

constexpr auto table = make_table();

} // namespace

size_t base64_decoded_size(std::string_view text) noexcept {
  return text.size() / 4 * 3 + text.size() % 4;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(base64_decoded_size(text));
  uint32_t acc = 0;
  int bits = 0;
  size_t digits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    auto v = table[static_cast<unsigned char>(c)];
    if (v == skip)
      continue;
    if (v == invalid || padding > 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    ++digits;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // A last group of one digit carries no whole byte; padding completes a
  // group to four characters and never exceeds two.
  if (digits % 4 == 1 || padding > 2
      || (padding > 0 && (digits + padding) % 4 != 0))
    return std::nullopt;
  return out;
}

} // namespace wingman::providers
