#include "providers/pdf_text.hpp"

#include <doctest/doctest.h>

#include <string>

#include "pdf_test_util.hpp"

using namespace wingman;
using namespace wingman::providers;
using wingman::providers::test::make_locked_pdf;
using wingman::providers::test::make_pdf;

TEST_SUITE("providers/pdf_text") {

TEST_CASE("a one-page PDF becomes its text") {
  auto pdf = pdf_to_text(make_pdf({"Hello PDF"}));
  REQUIRE(pdf);
  CHECK(pdf->text == "Hello PDF");
  CHECK(pdf->page_count == 1);
  CHECK(pdf->pages_read == 1);
  CHECK_FALSE(pdf->truncated);
}

TEST_CASE("pages come in order, separated by a blank line") {
  auto pdf = pdf_to_text(make_pdf({"Page one", "Page two", "Page three"}));
  REQUIRE(pdf);
  CHECK(pdf->text == "Page one\n\nPage two\n\nPage three");
  CHECK(pdf->page_count == 3);
  CHECK(pdf->pages_read == 3);
}

TEST_CASE("text in the PDF's encoding comes out as UTF-8") {
  auto pdf = pdf_to_text(make_pdf({"Caf\\351"}));  // WinAnsi 0xE9: e acute
  REQUIRE(pdf);
  CHECK(pdf->text == "Caf\xC3\xA9");
}

TEST_CASE("pages past the page limit are skipped with a note") {
  pdf_limits limits;
  limits.max_pages = 2;
  auto pdf = pdf_to_text(make_pdf({"Page one", "Page two", "Page three"}), limits);
  REQUIRE(pdf);
  CHECK(pdf->text
        == "Page one\n\nPage two\n[PDF text truncated: only the first 2 of 3 "
           "pages were converted]");
  CHECK(pdf->page_count == 3);
  CHECK(pdf->pages_read == 2);
  CHECK(pdf->truncated);
}

TEST_CASE("text past the output limit is cut with a note") {
  pdf_limits limits;
  limits.max_output_chars = 5;
  auto pdf = pdf_to_text(make_pdf({"Hello PDF", "Never read"}), limits);
  REQUIRE(pdf);
  CHECK(pdf->text == "Hello\n[PDF text truncated after 5 characters]");
  CHECK(pdf->pages_read == 1);
  CHECK(pdf->truncated);
}

TEST_CASE("the output limit never splits a UTF-8 character") {
  pdf_limits limits;
  limits.max_output_chars = 4;  // "Caf" + the first byte of e acute
  auto pdf = pdf_to_text(make_pdf({"Caf\\351"}), limits);
  REQUIRE(pdf);
  CHECK(pdf->text == "Caf\n[PDF text truncated after 4 characters]");
}

TEST_CASE("a PDF over the input limit is refused before parsing") {
  pdf_limits limits;
  limits.max_input_bytes = 100;
  auto pdf = pdf_to_text(make_pdf({"Hello PDF"}), limits);
  REQUIRE_FALSE(pdf);
  CHECK(pdf.error().code == protocol::error_code::payload_too_large);
  CHECK(pdf.error().message.rfind("PDF is too large: ", 0) == 0);
  CHECK(pdf.error().message.find("(limit 100 bytes)") != std::string::npos);
}

TEST_CASE("empty input is not a readable PDF") {
  auto pdf = pdf_to_text("");
  REQUIRE_FALSE(pdf);
  CHECK(pdf.error().code == protocol::error_code::invalid_request);
  CHECK(pdf.error().message == "attachment is not a readable PDF: the file is empty");
}

TEST_CASE("input without a PDF header is not a readable PDF") {
  auto pdf = pdf_to_text("PK\x03\x04 this is a zip file, not a PDF");
  REQUIRE_FALSE(pdf);
  CHECK(pdf.error().code == protocol::error_code::invalid_request);
  CHECK(pdf.error().message
        == "attachment is not a readable PDF: it does not start with %PDF- "
           "(wrong file type?)");
}

TEST_CASE("corrupt bytes after the header are not a readable PDF") {
  std::string junk = "%PDF-1.4\n";
  for (int i = 0; i < 200; ++i)
    junk += static_cast<char>((i * 37) % 256);
  auto pdf = pdf_to_text(junk);
  REQUIRE_FALSE(pdf);
  CHECK(pdf.error().code == protocol::error_code::invalid_request);
  CHECK(pdf.error().message.rfind("attachment is not a readable PDF: ", 0) == 0);
}

TEST_CASE("a PDF cut short loses its pages, not the process") {
  auto whole = make_pdf({"Hello PDF"});
  auto pdf = pdf_to_text(whole.substr(0, whole.size() / 3));
  REQUIRE_FALSE(pdf);
  CHECK(pdf.error().message.rfind("attachment is not a readable PDF: ", 0) == 0);
}

TEST_CASE("a password-protected PDF is refused") {
  auto pdf = pdf_to_text(make_locked_pdf());
  REQUIRE_FALSE(pdf);
  CHECK(pdf.error().code == protocol::error_code::invalid_request);
  CHECK(pdf.error().message
        == "the PDF is encrypted and needs a password (password-protected "
           "PDFs are not supported)");
}

} // TEST_SUITE
