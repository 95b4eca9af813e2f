#include "providers/pdf_attachments.hpp"

#include <doctest/doctest.h>

#include <string>

#include "pdf_test_util.hpp"

using namespace wingman;
using namespace wingman::providers;
using wingman::providers::test::make_pdf;
using wingman::providers::test::pdf_data_url;

namespace {

content_attachment pdf_attachment(const std::string& name, const std::string& data_url) {
  content_attachment a;
  a.kind = attachment_kind::pdf;
  a.name = name;
  a.mime_type = "application/pdf";
  a.data_url = data_url;
  return a;
}

content_attachment image_attachment() {
  content_attachment a;
  a.kind = attachment_kind::image;
  a.name = "cat.png";
  a.data_url = "data:image/png;base64,iVBOR=";
  return a;
}

resolved_provider provider(provider_type type, std::string name, std::string model) {
  resolved_provider p;
  p.type = type;
  p.name = std::move(name);
  p.model = std::move(model);
  return p;
}

} // namespace

TEST_SUITE("providers/pdf_attachments") {

TEST_CASE("native PDF input is decided by provider and model") {
  CHECK(takes_native_pdf(provider(provider_type::anthropic, "anthropic", "claude-sonnet-4-5")));
  CHECK(takes_native_pdf(provider(provider_type::anthropic, "my-proxy", "claude-3-5-haiku")));
  CHECK(takes_native_pdf(provider(provider_type::openai, "openai", "gpt-4o")));
  CHECK(takes_native_pdf(provider(provider_type::openai, "openai", "gpt-4o-mini")));
  CHECK(takes_native_pdf(provider(provider_type::openai, "openai", "gpt-4.1-nano")));
  CHECK(takes_native_pdf(provider(provider_type::openai, "openai", "gpt-5")));
  CHECK_FALSE(takes_native_pdf(provider(provider_type::openai, "openai", "gpt-3.5-turbo")));
  CHECK_FALSE(takes_native_pdf(provider(provider_type::openai, "lmstudio", "gpt-4o")));
  CHECK_FALSE(takes_native_pdf(provider(provider_type::openai, "ollama", "llama3.2")));
  CHECK_FALSE(takes_native_pdf(provider(provider_type::openai, "openrouter", "openai/gpt-4o")));
  // The provider's nativePdf config wins either way.
  auto local = provider(provider_type::openai, "lmstudio", "qwen2-vl");
  local.native_pdf = true;
  CHECK(takes_native_pdf(local));
  auto claude = provider(provider_type::anthropic, "proxy", "claude-x");
  claude.native_pdf = false;
  CHECK_FALSE(takes_native_pdf(claude));
}

TEST_CASE("has_pdf finds a PDF in any message") {
  conversation conv;
  conv.messages.push_back(message::user("no files"));
  CHECK_FALSE(has_pdf(conv));
  content_attachment pdf;
  pdf.kind = attachment_kind::pdf;
  conv.messages.push_back(message::user("one file", {pdf}));
  CHECK(has_pdf(conv));
}

TEST_CASE("a PDF attachment becomes text in its message") {
  conversation conv;
  conv.messages.push_back(message::user(
    "Summarize", {pdf_attachment("report.pdf", pdf_data_url(make_pdf({"Hello PDF"}))),
                  image_attachment()}));
  REQUIRE(inline_pdfs(conv));
  auto& m = conv.messages.back();
  CHECK(m.text == "Summarize\n\n[PDF \"report.pdf\", 1 page]\nHello PDF");
  REQUIRE(m.attachments.size() == 1);
  CHECK(m.attachments[0].kind == attachment_kind::image);
}

TEST_CASE("several PDFs follow each other, the first one opening an empty message") {
  conversation conv;
  conv.messages.push_back(message::user(
    "", {pdf_attachment("a.pdf", pdf_data_url(make_pdf({"One", "Two"}))),
         pdf_attachment("", pdf_data_url(make_pdf({"Three"})))}));
  REQUIRE(inline_pdfs(conv));
  auto& m = conv.messages.back();
  CHECK(m.text
        == "[PDF \"a.pdf\", 2 pages]\nOne\n\nTwo\n\n[PDF \"document.pdf\", 1 page]\nThree");
  CHECK(m.attachments.empty());
}

TEST_CASE("a PDF without text says so") {
  conversation conv;
  conv.messages.push_back(
    message::user("", {pdf_attachment("scan.pdf", pdf_data_url(make_pdf({""})))}));
  REQUIRE(inline_pdfs(conv));
  CHECK(conv.messages.back().text
        == "[PDF \"scan.pdf\", 1 page]\n(no text found: the PDF may hold only scanned images)");
}

TEST_CASE("limits apply to each PDF") {
  conversation conv;
  conv.messages.push_back(message::user(
    "", {pdf_attachment("long.pdf", pdf_data_url(make_pdf({"One", "Two", "Three"})))}));
  pdf_limits limits;
  limits.max_pages = 1;
  REQUIRE(inline_pdfs(conv, limits));
  CHECK(conv.messages.back().text
        == "[PDF \"long.pdf\", 3 pages]\nOne\n[PDF text truncated: only the first 1 of 3 "
           "pages were converted]");
}

TEST_CASE("a bad PDF in the message being answered fails, naming the file") {
  conversation conv;
  conv.messages.push_back(message::user(
    "Read this", {pdf_attachment("notes.pdf", test::pdf_data_url("just text"))}));
  auto s = inline_pdfs(conv);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == protocol::error_code::invalid_request);
  CHECK(s.error().message
        == "attachment \"notes.pdf\": attachment is not a readable PDF: it does not start "
           "with %PDF- (wrong file type?)");
}

TEST_CASE("a PDF over the size limit fails with payload_too_large") {
  conversation conv;
  conv.messages.push_back(
    message::user("", {pdf_attachment("big.pdf", pdf_data_url(make_pdf({"Hello PDF"})))}));
  pdf_limits limits;
  limits.max_input_bytes = 64;
  auto s = inline_pdfs(conv, limits);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == protocol::error_code::payload_too_large);
  CHECK(s.error().message.rfind("attachment \"big.pdf\": PDF is too large: ", 0) == 0);
}

TEST_CASE("invalid base64 or a missing data URL fails") {
  conversation conv;
  conv.messages.push_back(message::user(
    "", {pdf_attachment("x.pdf", "data:application/pdf;base64,@@@")}));
  auto s = inline_pdfs(conv);
  REQUIRE_FALSE(s);
  CHECK(s.error().message == "attachment \"x.pdf\": the PDF's data URL is not valid base64");
  conv.messages.back().attachments = {pdf_attachment("y.pdf", "https://example.com/y.pdf")};
  s = inline_pdfs(conv);
  REQUIRE_FALSE(s);
  CHECK(s.error().message
        == "attachment \"y.pdf\": a PDF needs a data:application/pdf;base64 URL");
}

TEST_CASE("a bad PDF in an older message becomes a note") {
  conversation conv;
  conv.messages.push_back(message::user(
    "Old", {pdf_attachment("old.pdf", test::pdf_data_url("%PDF-1.4\ngarbage"))}));
  conv.messages.push_back(message::assistant("I could not read it"));
  conv.messages.push_back(message::user(
    "New", {pdf_attachment("new.pdf", pdf_data_url(make_pdf({"Hello PDF"})))}));
  REQUIRE(inline_pdfs(conv));
  CHECK(conv.messages[0].text.rfind("Old\n\n[attachment \"old.pdf\" omitted: attachment is "
                                    "not a readable PDF: ", 0) == 0);
  CHECK(conv.messages[0].attachments.empty());
  CHECK(conv.messages[1].text == "I could not read it");
  CHECK(conv.messages[2].text == "New\n\n[PDF \"new.pdf\", 1 page]\nHello PDF");
}

} // TEST_SUITE
