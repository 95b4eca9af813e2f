#include "providers/tools/tool_registry.hpp"

#include <doctest/doctest.h>

using namespace wingman::tools;

namespace {

/// A registry with one tool, `echo {text, times?}`, that repeats its text.
tool_registry echo_registry() {
  tool_registry reg;
  reg.add({"echo", "Repeats text.", R"({"type":"object"})"},
          [](const tool_args& args, const tool_context&, const cancel_flag&) {
            auto text = args.get_string("text");
            if (!text)
              return tool_error(text.error().message);
            auto times = args.opt_int("times");
            if (!times)
              return tool_error(times.error().message);
            tool_result r;
            for (int64_t i = 0; i < times->value_or(1); ++i)
              r.content += *text;
            r.summary = "echoed";
            return r;
          });
  reg.add({"other", "Does nothing.", R"({"type":"object"})"},
          [](const tool_args&, const tool_context&, const cancel_flag&) {
            return tool_result{false, "done", "done"};
          });
  return reg;
}

tool_context ctx_allowing(std::vector<std::string> allowed) {
  tool_context ctx;
  ctx.working_dir = "/nonexistent";
  ctx.allowed_tools = std::move(allowed);
  return ctx;
}

} // namespace

TEST_SUITE("providers/tools/tool_registry") {

TEST_CASE("a known, allowed tool runs with its parsed arguments") {
  auto reg = echo_registry();
  cancel_flag cancel;
  auto r = reg.execute("echo", R"({"text":"ab","times":3})",
                       ctx_allowing({"echo"}), cancel);
  CHECK_FALSE(r.is_error);
  CHECK(r.content == "ababab");
  CHECK(r.summary == "echoed");
}

TEST_CASE("an empty tools list allows nothing, * allows everything") {
  auto reg = echo_registry();
  cancel_flag cancel;
  auto none = reg.execute("echo", R"({"text":"x"})", ctx_allowing({}), cancel);
  CHECK(none.is_error);
  CHECK(none.content.find("not enabled") != std::string::npos);
  auto all = reg.execute("other", "{}", ctx_allowing({"*"}), cancel);
  CHECK_FALSE(all.is_error);
  CHECK(reg.specs_for({}).empty());
  CHECK(reg.specs_for({"*"}).size() == 2);
  auto only = reg.specs_for({"other", "missing"});
  REQUIRE(only.size() == 1);
  CHECK(only[0].name == "other");
  CHECK(is_allowed({"a", "b"}, "b"));
  CHECK_FALSE(is_allowed({"a", "b"}, "c"));
  CHECK_FALSE(is_allowed({"a*"}, "ab"));
}

TEST_CASE("without_command_tools keeps the allowed tools that run no process") {
  tool_registry reg;
  auto noop = [](const tool_args&, const tool_context&, const cancel_flag&) {
    return tool_result{false, "", ""};
  };
  for (auto name : {"ls", "read_file", "command_execute", "background_terminal"})
    reg.add({name, "", R"({"type":"object"})"}, noop);
  CHECK(without_command_tools(reg, {"*"}) == std::vector<std::string>{"ls", "read_file"});
  CHECK(without_command_tools(reg, {"command_execute", "read_file"})
        == std::vector<std::string>{"read_file"});
  CHECK(without_command_tools(reg, {}).empty());
}

TEST_CASE("a tool left out of the list is refused") {
  auto reg = echo_registry();
  cancel_flag cancel;
  auto r = reg.execute("other", "{}", ctx_allowing({"echo"}), cancel);
  CHECK(r.is_error);
  CHECK(r.content == "tool \"other\" is not enabled for this agent");
}

TEST_CASE("an unknown tool names the available ones") {
  auto reg = echo_registry();
  cancel_flag cancel;
  auto r = reg.execute("nope", "{}", ctx_allowing({"echo"}), cancel);
  CHECK(r.is_error);
  CHECK(r.content == "unknown tool \"nope\"; available tools: echo");
}

TEST_CASE("arguments must be a JSON object with well-typed fields") {
  auto reg = echo_registry();
  cancel_flag cancel;
  auto ctx = ctx_allowing({"*"});
  auto run = [&](std::string_view json) {
    return reg.execute("echo", json, ctx, cancel);
  };
  CHECK(run("[1]").content
        == "invalid arguments for echo: arguments must be a JSON object");
  CHECK(run("{nope").content.find("not valid JSON") != std::string::npos);
  CHECK(run(R"({"text":"a"} trailing)").is_error);
  CHECK(run("{}").content
        == "missing required argument \"text\" (a string)");
  CHECK(run(R"({"text":null})").content
        == "missing required argument \"text\" (a string)");
  CHECK(run(R"({"text":5})").content == "argument \"text\" must be a string");
  CHECK(run(R"({"text":"a","times":1.5})").content
        == "argument \"times\" must be an integer");
  CHECK(run(R"({"text":"a","times":"2"})").content
        == "argument \"times\" must be an integer");
  CHECK_FALSE(run(R"({"text":"a","times":null})").is_error);
}

TEST_CASE("empty arguments are an empty object, oversized ones are refused") {
  auto reg = echo_registry();
  cancel_flag cancel;
  auto ctx = ctx_allowing({"*"});
  CHECK_FALSE(reg.execute("other", "", ctx, cancel).is_error);
  ctx.limits.max_argument_bytes = 10;
  auto r = reg.execute("echo", R"({"text":"0123456789"})", ctx, cancel);
  CHECK(r.is_error);
  CHECK(r.content.find("over the limit of 10") != std::string::npos);
}

TEST_CASE("typed accessors report each wrong type") {
  auto args = tool_args::parse(R"({"b":1,"s":true,"i":"x","ok":false})", 1000);
  REQUIRE(args);
  CHECK(args->opt_bool("b").error().message
        == "argument \"b\" must be true or false");
  CHECK(!args->opt_string("s"));
  CHECK(!args->opt_int("i"));
  CHECK(*args->opt_bool("ok") == std::optional<bool>{false});
  CHECK(!args->opt_bool("absent")->has_value());
  CHECK(!tool_args::parse("\"str\"", 100));
  CHECK(!tool_args::parse("{\"a\":\"\xff\"}", 100));
}

TEST_CASE("results are made valid UTF-8") {
  CHECK(to_valid_utf8("gr\xc3\xbc\xc3\x9f") == "gr\xc3\xbc\xc3\x9f");
  CHECK(to_valid_utf8("a\xff" "b") == "a\xef\xbf\xbd" "b");
  CHECK(to_valid_utf8("cut \xe2\x82") == "cut \xef\xbf\xbd\xef\xbf\xbd");
  CHECK(to_valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(to_valid_utf8("\xed\xa0\x80").size() == 9);
  CHECK(to_valid_utf8("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
  tool_registry reg;
  reg.add({"raw", "Returns raw bytes.", R"({"type":"object"})"},
          [](const tool_args&, const tool_context&, const cancel_flag&) {
            return tool_result{false, "x\xfey", "s\xfe"};
          });
  cancel_flag cancel;
  auto r = reg.execute("raw", "{}", ctx_allowing({"*"}), cancel);
  CHECK(r.content == "x\xef\xbf\xbdy");
  CHECK(r.summary == "s\xef\xbf\xbd");
}

TEST_CASE("a call cancelled before it starts does not run") {
  auto reg = echo_registry();
  cancel_flag cancel;
  cancel.cancel();
  auto r = reg.execute("echo", R"({"text":"x"})", ctx_allowing({"*"}), cancel);
  CHECK(r.is_error);
  CHECK(r.content == "cancelled");
}

} // TEST_SUITE
