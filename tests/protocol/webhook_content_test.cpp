#include "protocol/webhook_content.hpp"

#include <doctest/doctest.h>

using namespace wingman::protocol;

TEST_SUITE("protocol/webhook_content") {

TEST_CASE("prompt, content and message fields win, in that order") {
  auto p = webhook_prompt({R"({"message":"m","content":"c"})", "", "", "Hook", ""});
  CHECK(p.find("\nc\n") != std::string::npos);
  CHECK(p.find("\nm\n") == std::string::npos);
  CHECK(p.rfind("Webhook \"Hook\" delivered", 0) == 0);
  CHECK(p.find("untrusted") != std::string::npos);
}

TEST_CASE("the gog-gmail preset formats a readable summary") {
  auto p = webhook_prompt({R"({"message":{"from":"ana@example.com","subject":"Invoice",)"
                           R"("id":"m-1","snippet":"Please pay","body":"Full text"}})",
                           "gog-gmail", "", "Mail", "inbox"});
  // `message` here is an object, so the formatter (not the field) is used
  CHECK(p.find("From: ana@example.com") != std::string::npos);
  CHECK(p.find("Subject: Invoice") != std::string::npos);
  CHECK(p.find("Message ID: m-1") != std::string::npos);
  CHECK(p.find("Snippet: Please pay") != std::string::npos);
  CHECK(p.find("Full text") != std::string::npos);
  CHECK(p.find("(inbox)") != std::string::npos);
}

TEST_CASE("github events are summarized") {
  auto pr = webhook_prompt({R"({"action":"opened","pull_request":{"title":"Add X",)"
                            R"("html_url":"https://x/pr/1"},"repository":{"full_name":"a/b"}})",
                            "github", "pull_request", "Repo", ""});
  CHECK(pr.find("GitHub pull_request in a/b") != std::string::npos);
  CHECK(pr.find("Title: Add X") != std::string::npos);
  auto run = webhook_prompt({R"({"action":"completed","workflow_run":{"name":"CI",)"
                             R"("conclusion":"failure"}})", "github", "workflow_run", "R", ""});
  CHECK(run.find("Conclusion: failure") != std::string::npos);
}

TEST_CASE("anything else is dumped readably, non-JSON passes through") {
  auto dump = webhook_prompt({R"({"level":"warn","n":3})", "", "", "H", ""});
  CHECK(dump.find("\"level\": \"warn\"") != std::string::npos);
  auto text = webhook_prompt({"plain text body", "", "", "H", ""});
  CHECK(text.find("plain text body") != std::string::npos);
  auto empty = webhook_prompt({"", "", "", "H", ""});
  CHECK(empty.find("(empty payload)") != std::string::npos);
}

} // TEST_SUITE
