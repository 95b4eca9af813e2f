#include "protocol/body.hpp"

#include <doctest/doctest.h>

using namespace wingman::protocol;

TEST_SUITE("protocol/body") {

TEST_CASE("string fields are read, null is present without a value") {
  auto r = decode_string_fields(R"({"name":"x","workdir":null,"other":5})",
                                {"name", "workdir", "agentId"});
  REQUIRE(r);
  CHECK(r->at("name") == std::optional<std::string>{"x"});
  CHECK(r->count("workdir") == 1);
  CHECK_FALSE(r->at("workdir").has_value());
  CHECK(r->count("agentId") == 0);
  CHECK(r->count("other") == 0);
}

TEST_CASE("an empty body is an empty object") {
  auto r = decode_string_fields("  ", {"name"});
  REQUIRE(r);
  CHECK(r->empty());
}

TEST_CASE("bad bodies are precise errors") {
  CHECK(decode_string_fields("{", {"name"}).error().message.rfind(
          "body is not valid JSON: ", 0) == 0);
  CHECK(decode_string_fields("[1]", {"name"}).error().message
        == "body must be a JSON object");
  auto typed = decode_string_fields(R"({"name":1})", {"name"});
  CHECK(typed.error().message == "name must be a string");
  CHECK(typed.error().code == error_code::invalid_request);
}

} // TEST_SUITE

TEST_SUITE("protocol/body") {

TEST_CASE("split_json_array yields each element as compact JSON") {
  auto parts = wingman::protocol::split_json_array(R"([ {"a": 1}, "x", [2] ])");
  REQUIRE(parts.has_value());
  CHECK(*parts == std::vector<std::string>{R"({"a":1})", R"("x")", "[2]"});
  CHECK(wingman::protocol::split_json_array("[]")->empty());
  CHECK_FALSE(wingman::protocol::split_json_array("{}").has_value());
  CHECK_FALSE(wingman::protocol::split_json_array("[1,").has_value());
}

}
