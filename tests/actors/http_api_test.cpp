#include "actors/http_api.hpp"

#include <doctest/doctest.h>

using namespace wingman;

TEST_SUITE("actors/http_api") {

TEST_CASE("query strings are split and percent-decoded") {
  auto q = actors::parse_query("agentId=main&limit=5&name=a%20b+c&flag&=x");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::make_pair(std::string{"agentId"}, std::string{"main"}));
  CHECK(q[2].second == "a b c");
  CHECK(q[3] == std::make_pair(std::string{"flag"}, std::string{}));
  CHECK(q[4].first.empty());
}

TEST_CASE("invalid percent escapes are kept as they are") {
  CHECK(actors::percent_decode("100%") == "100%");
  CHECK(actors::percent_decode("%zz") == "%zz");
  CHECK(actors::percent_decode("a%3Ab") == "a:b");
  CHECK(actors::percent_decode("a+b") == "a+b");
  CHECK(actors::percent_decode("a+b", true) == "a b");
}

} // TEST_SUITE
