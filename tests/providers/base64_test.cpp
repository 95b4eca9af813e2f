#include "providers/base64.hpp"

#include <doctest/doctest.h>

#include <string>

#include "pdf_test_util.hpp"

using namespace wingman::providers;

TEST_SUITE("providers/base64") {

TEST_CASE("base64 decodes with and without padding") {
  CHECK(decode_base64("") == std::string{});
  CHECK(decode_base64("TWFu") == std::string{"Man"});
  CHECK(decode_base64("TWE=") == std::string{"Ma"});
  CHECK(decode_base64("TWE") == std::string{"Ma"});
  CHECK(decode_base64("TQ==") == std::string{"M"});
  CHECK(decode_base64("TQ") == std::string{"M"});
  CHECK(decode_base64("TW\r\nFu") == std::string{"Man"});
}

TEST_CASE("base64 round-trips every byte value") {
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes += static_cast<char>(i);
  CHECK(decode_base64(test::to_base64(bytes)) == bytes);
  CHECK(base64_decoded_size(test::to_base64(bytes)) >= bytes.size());
}

TEST_CASE("invalid base64 is refused") {
  CHECK_FALSE(decode_base64("TW!u"));
  CHECK_FALSE(decode_base64("T"));
  CHECK_FALSE(decode_base64("TQ=x"));
  CHECK_FALSE(decode_base64("TQ==="));
  CHECK_FALSE(decode_base64("TWE=="));
}

} // TEST_SUITE
