#include "transport/http_util.hpp"

#include <doctest/doctest.h>

using namespace wingman;

TEST_SUITE("transport/http_util") {

TEST_CASE("query strings are split and percent-decoded") {
  auto q = transport::parse_query("agentId=main&limit=5&name=a%20b+c&flag&=x");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::make_pair(std::string{"agentId"}, std::string{"main"}));
  CHECK(q[2].second == "a b c");
  CHECK(q[3] == std::make_pair(std::string{"flag"}, std::string{}));
  CHECK(q[4].first.empty());
}

TEST_CASE("invalid percent escapes are kept as they are") {
  CHECK(transport::percent_decode("100%") == "100%");
  CHECK(transport::percent_decode("%zz") == "%zz");
  CHECK(transport::percent_decode("a%3Ab") == "a:b");
  CHECK(transport::percent_decode("a+b") == "a+b");
  CHECK(transport::percent_decode("a+b", true) == "a b");
}

} // TEST_SUITE
