#include "providers/pdf_attachments.hpp"

#include "providers/base64.hpp"

#include <string_view>
#include <utility>
#include <vector>

namespace wingman::providers {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

/// The PDF bytes of `a`, or why there are none.
protocol::expected<std::string> pdf_bytes(const content_attachment& a) {
  auto url = parse_data_url(a.data_url);
  if (!url)
    return protocol::error{protocol::error_code::invalid_request,
                           "a PDF needs a data:application/pdf;base64 URL"};
  auto bytes = decode_base64(url->base64);
  if (!bytes)
    return protocol::error{protocol::error_code::invalid_request,
                           "the PDF's data URL is not valid base64"};
  return std::move(*bytes);
}

protocol::expected<std::string> convert(const content_attachment& a,
                                        const pdf_limits& limits) {
  auto bytes = pdf_bytes(a);
  if (!bytes)
    return bytes.error();
  auto pdf = pdf_to_text(*bytes, limits);
  if (!pdf)
    return pdf.error();
  return pdf_attachment_text(a, *pdf);
}

void append(std::string& text, const std::string& part) {
  if (!text.empty())
    text += "\n\n";
  text += part;
}

} // namespace

bool takes_native_pdf(const resolved_provider& p) noexcept {
  if (p.native_pdf)
    return *p.native_pdf;
  if (p.type == provider_type::anthropic)
    return true;
  if (p.name != "openai")
    return false;
  for (std::string_view family : {"gpt-4o", "gpt-4.1", "gpt-5"})
    if (starts_with(p.model, family))
      return true;
  return false;
}

bool has_pdf(const conversation& conv) noexcept {
  for (const auto& m : conv.messages)
    for (const auto& a : m.attachments)
      if (a.kind == attachment_kind::pdf)
        return true;
  return false;
}

std::string pdf_attachment_text(const content_attachment& a,
                                const pdf_text& pdf) {
  std::string out = "[PDF \"" + (a.name.empty() ? "document.pdf" : a.name)
                    + "\", " + std::to_string(pdf.page_count)
                    + (pdf.page_count == 1 ? " page]\n" : " pages]\n");
  if (pdf.text.empty())
    return out + "(no text found: the PDF may hold only scanned images)";
  return out + pdf.text;
}

protocol::status inline_pdfs(conversation& conv, const pdf_limits& limits) {
  size_t last_user = conv.messages.size();
  for (size_t i = 0; i < conv.messages.size(); ++i)
    if (conv.messages[i].role == message_role::user)
      last_user = i;
  for (size_t i = 0; i < conv.messages.size(); ++i) {
    auto& m = conv.messages[i];
    std::vector<content_attachment> kept;
    for (auto& a : m.attachments) {
      if (a.kind != attachment_kind::pdf) {
        kept.push_back(std::move(a));
        continue;
      }
      auto text = convert(a, limits);
      if (text) {
        append(m.text, *text);
        continue;
      }
      if (i == last_user)
        return protocol::error{text.error().code, "attachment \"" + a.name
                                                    + "\": " + text.error().message};
      append(m.text, "[attachment \"" + a.name + "\" omitted: "
                       + text.error().message + "]");
    }
    m.attachments = std::move(kept);
  }
  return protocol::ok();
}

} // namespace wingman::providers
