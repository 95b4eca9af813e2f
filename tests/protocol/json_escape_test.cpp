#include "protocol/json_internal.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using wingman::protocol::detail::json_writer;

namespace {

/// `s` written as a key and a value by `Writer`.
template <class Writer>
std::string write_with(const std::string& s) {
  rapidjson::StringBuffer buf;
  Writer w{buf};
  w.StartObject();
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

void check_same(const std::string& s) {
  CHECK(write_with<json_writer>(s)
        == write_with<rapidjson::Writer<rapidjson::StringBuffer>>(s));
}

} // namespace

TEST_SUITE("protocol/json_escape") {

TEST_CASE("the fast writer escapes every byte as RapidJSON does") {
  for (int c = 0; c < 256; ++c) {
    check_same(std::string(1, static_cast<char>(c)));
    check_same("abcdefgh" + std::string(1, static_cast<char>(c)) + "ijklmnopq");
  }
  check_same("");
  check_same(std::string("a\0b", 3));
  check_same("quote \" and backslash \\ and newline \n in a longer text");
  check_same("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 stay as bytes");
}

TEST_CASE("the fast writer matches RapidJSON on random strings") {
  std::mt19937 rng{42};
  std::uniform_int_distribution<int> len{0, 80};
  std::uniform_int_distribution<int> byte{0, 255};
  std::uniform_int_distribution<int> plain{0x20, 0x7e};
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<size_t>(len(rng)), ' ');
    for (auto& c : s)  // mostly plain text, some bytes of every kind
      c = static_cast<char>(i % 3 == 0 ? byte(rng) : plain(rng));
    check_same(s);
  }
}

} // TEST_SUITE
