// PDF to plain text with poppler (docs/adr/0004-pdf-text.md), for models
// that do not read PDFs themselves. The only poppler user: poppler's types
// stay in pdf_text.cpp. Bounded by `pdf_limits`; never throws, and poppler's
// own diagnostics are captured, not printed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace wingman::providers {

/// Bounds on one PDF conversion (memory and time grow with each).
struct pdf_limits {
  /// Largest PDF accepted, in bytes (decoded). Larger: `payload_too_large`.
  size_t max_input_bytes = 32u << 20;
  /// Pages converted; later pages are skipped with a note in the text.
  int max_pages = 100;
  /// Text kept, in bytes of UTF-8 (cut at a character boundary); the rest
  /// is dropped with a note in the text.
  size_t max_output_chars = 100'000;
};

/// The text of a PDF.
struct pdf_text {
  std::string text;     ///< Pages separated by a blank line, plus any note.
  int page_count = 0;   ///< Pages in the document.
  int pages_read = 0;   ///< Pages whose text is in `text`.
  bool truncated = false;  ///< A limit cut the text (a note says which).
};

/// Extracts the text of `pdf_bytes` page by page, in reading order. When a
/// limit applies, `text` ends with a note such as `[PDF text truncated: only
/// the first 100 of 250 pages were converted]` or `[PDF text truncated after
/// 100000 characters]`. Errors: `payload_too_large` (`PDF is too large: ...`)
/// over `max_input_bytes`; `invalid_request` for empty input, input that
/// does not start with `%PDF-`, a file poppler cannot parse (`attachment is
/// not a readable PDF: ...`, with poppler's first diagnostic) and an
/// encrypted PDF that needs a password.
protocol::expected<pdf_text> pdf_to_text(std::string_view pdf_bytes,
                                         const pdf_limits& limits = {});

} // namespace wingman::providers
