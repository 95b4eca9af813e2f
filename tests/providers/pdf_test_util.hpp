// Test helpers for PDF conversion: small valid PDFs written by hand (one
// Helvetica text line per page, xref offsets computed), and base64 for data
// URLs.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace wingman::providers::test {

/// A PDF whose page `i` shows `pages[i]` (WinAnsi bytes; `(`, `)` and `\`
/// must be escaped by the caller). `trailer_extra` is added to the trailer
/// dictionary; `extra_object`, when not empty, becomes the last object,
/// numbered `3 + 2 * pages.size() + 1`.
inline std::string make_pdf(const std::vector<std::string>& pages,
                            const std::string& trailer_extra = "",
                            const std::string& extra_object = "") {
  std::vector<std::string> objects;
  std::string kids;
  for (size_t i = 0; i < pages.size(); ++i)
    kids += std::to_string(4 + 2 * i) + " 0 R ";
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count "
                    + std::to_string(pages.size()) + " >>");
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                    "/Encoding /WinAnsiEncoding >>");
  for (size_t i = 0; i < pages.size(); ++i) {
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                      "/Resources << /Font << /F1 3 0 R >> >> /Contents "
                      + std::to_string(5 + 2 * i) + " 0 R >>");
    std::string content = "BT /F1 24 Tf 72 700 Td (" + pages[i] + ") Tj ET";
    objects.push_back("<< /Length " + std::to_string(content.size())
                      + " >>\nstream\n" + content + "\nendstream");
  }
  if (!extra_object.empty())
    objects.push_back(extra_object);
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  auto xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n";
  out += "0000000000 65535 f \n";
  for (auto off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1)
         + " /Root 1 0 R" + trailer_extra + " >>\nstartxref\n"
         + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

/// A one-page PDF encrypted with the standard handler (RC4, revision 2)
/// whose user password is not empty: poppler opens it locked.
inline std::string make_locked_pdf() {
  std::string x32(64, 'A');  // 32 bytes as hex: matches no password
  std::string id = "<0123456789ABCDEF0123456789ABCDEF>";
  return make_pdf({"Secret"}, " /Encrypt 6 0 R /ID [" + id + " " + id + "]",
                  "<< /Filter /Standard /V 1 /R 2 /O <" + x32 + "> /U <" + x32
                    + "> /P -4 >>");
}

/// Standard base64 with padding.
inline std::string to_base64(const std::string& bytes) {
  static const char* digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16)
                 | (static_cast<unsigned char>(bytes[i + 1]) << 8)
                 | static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6)
      out += digits[(v >> s) & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2)
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += rest == 2 ? digits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// A `data:application/pdf;base64,...` URL of `pdf`.
inline std::string pdf_data_url(const std::string& pdf) {
  return "data:application/pdf;base64," + to_base64(pdf);
}

} // namespace wingman::providers::test
