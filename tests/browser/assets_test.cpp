// Unit test of the embedded Control UI assets (ui/assets.hpp).
// Registered by tests/CMakeLists.txt as its own executable linking wingman_ui
// and doctest, e.g.:
//   wingman_add_tests(wingman_ui_tests SOURCES browser/assets_test.cpp
//                     LIBS wingman_ui)
#include "ui/assets.hpp"

#include <doctest/doctest.h>

#include <string_view>

using wingman::ui::find_asset;

TEST_SUITE("ui/assets") {

TEST_CASE("/ serves index.html as HTML") {
  auto* root = find_asset("/");
  REQUIRE(root != nullptr);
  CHECK(root->content_type.rfind("text/html", 0) == 0);
  CHECK(root->body.find("<!doctype html>") != std::string_view::npos);
  auto* index = find_asset("/index.html");
  REQUIRE(index != nullptr);
  CHECK(index->body == root->body);
}

TEST_CASE("app.js is JavaScript, style.css is CSS, favicon is SVG") {
  auto* js = find_asset("/app.js");
  REQUIRE(js != nullptr);
  CHECK(js->content_type.rfind("text/javascript", 0) == 0);
  CHECK(js->body.size() > 1000);
  auto* css = find_asset("/style.css");
  REQUIRE(css != nullptr);
  CHECK(css->content_type.rfind("text/css", 0) == 0);
  auto* icon = find_asset("/favicon.svg");
  REQUIRE(icon != nullptr);
  CHECK(icon->content_type == "image/svg+xml");
}

TEST_CASE("the assets make no external requests") {
  for (auto name : {"/", "/app.js", "/markdown.js", "/style.css"}) {
    auto* a = find_asset(name);
    REQUIRE(a != nullptr);
    CHECK(a->body.find("https://cdn") == std::string_view::npos);
    CHECK(a->body.find("<script src=\"http") == std::string_view::npos);
  }
}

TEST_CASE("unknown paths give nullptr") {
  CHECK(find_asset("/nope.js") == nullptr);
  CHECK(find_asset("/api/sessions") == nullptr);
  CHECK(find_asset("index.html") == nullptr);
  CHECK(find_asset("/../CMakeLists.txt") == nullptr);
}

}
