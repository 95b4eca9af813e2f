#include "providers/pdf_text.hpp"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace wingman::providers {

namespace {

/// Most characters of poppler's diagnostic kept in an error message.
constexpr size_t max_diagnostic = 200;

/// Where the current thread's conversion keeps poppler's first diagnostic
/// (null: no conversion running; the message is dropped).
thread_local std::string* diagnostic = nullptr;

/// Keeps the first message, without poppler-cpp's `error: ` or
/// `error (<offset>): ` prefix.
void on_poppler_message(const std::string& msg, void*) {
  if (diagnostic == nullptr || !diagnostic->empty())
    return;
  std::string_view text = msg;
  if (auto colon = text.find(": ");
      text.substr(0, 5) == "error" && colon != std::string_view::npos)
    text.remove_prefix(colon + 2);
  *diagnostic = std::string{text.substr(0, max_diagnostic)};
}

/// Poppler prints to stderr unless given a function; set it once, process
/// wide (no other code in the gateway uses poppler).
void install_error_function() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function(on_poppler_message, nullptr);
  });
}

/// Captures poppler's diagnostics while alive.
struct diagnostic_scope {
  std::string text;
  diagnostic_scope() { diagnostic = &text; }
  ~diagnostic_scope() { diagnostic = nullptr; }
  diagnostic_scope(const diagnostic_scope&) = delete;
  diagnostic_scope& operator=(const diagnostic_scope&) = delete;
};

protocol::error unreadable(const std::string& why) {
  return {protocol::error_code::invalid_request,
          "attachment is not a readable PDF: " + why};
}

std::string format_size(size_t n) {
  char buf[32];
  if (n >= (1u << 20))
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1u << 20));
  else if (n >= 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  else
    std::snprintf(buf, sizeof buf, "%zu bytes", n);
  return buf;
}

void trim_right(std::string& s) {
  auto end = s.find_last_not_of(" \t\r\n\f\v");
  s.erase(end == std::string::npos ? 0 : end + 1);
}

/// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& s, size_t max) {
  if (s.size() <= max)
    return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  s.resize(n);
}

void add_note(std::string& text, const std::string& note) {
  if (!text.empty())
    text += '\n';
  text += note;
}

std::string page_text(const poppler::document& doc, int index) {
  std::unique_ptr<poppler::page> page{doc.create_page(index)};
  if (!page)
    return {};
  auto utf8 = page->text(poppler::rectf{},
                         poppler::page::non_raw_non_physical_layout)
                .to_utf8();
  std::string out{utf8.begin(), utf8.end()};
  trim_right(out);
  return out;
}

protocol::expected<pdf_text> extract(std::string_view bytes,
                                     const pdf_limits& limits) {
  diagnostic_scope scope;
  std::unique_ptr<poppler::document> doc{poppler::document::load_from_raw_data(
    bytes.data(), static_cast<int>(bytes.size()))};
  if (!doc)
    return unreadable(scope.text.empty() ? "the file is damaged" : scope.text);
  if (doc->is_locked())
    return protocol::error{protocol::error_code::invalid_request,
                           "the PDF is encrypted and needs a password "
                           "(password-protected PDFs are not supported)"};
  pdf_text out;
  out.page_count = doc->pages();
  int last = std::min(out.page_count, std::max(limits.max_pages, 0));
  for (int i = 0; i < last; ++i) {
    auto text = page_text(*doc, i);
    ++out.pages_read;
    if (text.empty())
      continue;
    if (!out.text.empty())
      out.text += "\n\n";
    out.text += text;
    if (out.text.size() > limits.max_output_chars) {
      cut_utf8(out.text, limits.max_output_chars);
      out.truncated = true;
      add_note(out.text, "[PDF text truncated after "
                           + std::to_string(limits.max_output_chars)
                           + " characters]");
      return out;
    }
  }
  if (last < out.page_count) {
    out.truncated = true;
    add_note(out.text, "[PDF text truncated: only the first "
                         + std::to_string(last) + " of "
                         + std::to_string(out.page_count)
                         + " pages were converted]");
  }
  return out;
}

} // namespace

protocol::expected<pdf_text> pdf_to_text(std::string_view pdf_bytes,
                                         const pdf_limits& limits) {
  if (pdf_bytes.empty())
    return unreadable("the file is empty");
  if (pdf_bytes.size() > limits.max_input_bytes
      || pdf_bytes.size() > static_cast<size_t>(INT_MAX))
    return protocol::error{protocol::error_code::payload_too_large,
                           "PDF is too large: " + format_size(pdf_bytes.size())
                             + " (limit " + format_size(limits.max_input_bytes)
                             + ")"};
  // The header may follow up to 1024 bytes of junk (as PDF readers allow).
  if (pdf_bytes.substr(0, 1024).find("%PDF-") == std::string_view::npos)
    return unreadable("it does not start with %PDF- (wrong file type?)");
  install_error_function();
  try {
    return extract(pdf_bytes, limits);
  } catch (const std::exception& e) {  // poppler allocates; it may throw
    return unreadable(e.what());
  }
}

} // namespace wingman::providers
