// Private helpers shared by the `*_json.cpp` codecs: RapidJSON aliases and
// the attachment/routing sub-codecs used by both wire frames and records.
//
// Not part of the library's interface: include it only from protocol/*.cpp
// (C14: RapidJSON stays inside the codec sources).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "protocol/frames.hpp"

namespace wingman::protocol::detail {

/// True if any byte of `w` is below 0x20, '"' or '\\' (exact "any" tests
/// from the classic has-zero-byte bit trick).
inline bool word_needs_escape(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ull;
  constexpr uint64_t highs = 0x8080808080808080ull;
  uint64_t quote = w ^ (ones * '"');
  uint64_t slash = w ^ (ones * '\\');
  uint64_t hits = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote)
                  | ((slash - ones) & ~slash);
  return (hits & highs) != 0;
}

/// How many leading bytes of `s` need no escaping (8 at a time).
inline size_t plain_prefix(const char* s, size_t n) {
  size_t i = 0;
  for (uint64_t w; i + 8 <= n; i += 8) {
    std::memcpy(&w, s + i, 8);
    if (word_needs_escape(w))
      break;
  }
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\')
      break;
  }
  return i;
}

/// Appends `s` to `out` as JSON string contents (no quotes), escaping
/// exactly as RapidJSON's writer does: `"`, `\\`, and U+0000–U+001F (`\\n`
/// style where JSON has a short form, else `\\u00XX`); other bytes pass
/// through. Runs that need no escaping are copied at once.
/// Requires: `out` has room for `6 * n` more bytes.
char* write_escaped(char* out, const char* s, size_t n);

/// The one writer type every encoder uses: RapidJSON's writer with a
/// faster `String`/`Key` (output byte-identical to RapidJSON's; its
/// per-character loop was the top cost of encoding frames and records).
class json_writer : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using base = rapidjson::Writer<rapidjson::StringBuffer>;
  using base::base;

  bool String(const char* s, rapidjson::SizeType n, bool = false) {
    Prefix(rapidjson::kStringType);
    auto* buf = os_;
    // Common case, nothing to escape: one copy.
    char* p = buf->Push(size_t{n} + 2);
    *p++ = '"';
    size_t i = plain_prefix(s, n);
    std::memcpy(p, s, i);
    if (i == n) {
      p[n] = '"';
      return EndValue(true);
    }
    buf->Pop(size_t{n} + 1 - i);  // keep the quote and the plain bytes
    // Worst case: every byte becomes \u00XX, plus the closing quote.
    size_t room = (size_t{n} - i) * 6 + 1;
    char* start = buf->Push(room);
    char* end = write_escaped(start, s + i, size_t{n} - i);
    *end++ = '"';
    buf->Pop(static_cast<size_t>(start + room - end));
    return EndValue(true);
  }

  bool String(const char* s) {
    return String(s, static_cast<rapidjson::SizeType>(std::strlen(s)));
  }

  bool Key(const char* s, rapidjson::SizeType n, bool = false) {
    return String(s, n);
  }

  bool Key(const char* s) {
    return String(s);
  }
};

/// Parse flags of every decoder: strict JSON (no comments, trailing commas
/// or NaN), iterative so deep nesting cannot exhaust the stack, and
/// rejecting strings that are not UTF-8.
inline constexpr unsigned parse_flags = rapidjson::kParseDefaultFlags
                                        | rapidjson::kParseIterativeFlag
                                        | rapidjson::kParseValidateEncodingFlag;

/// Writes `s` as a JSON string (any bytes, including NUL, are kept).
inline void write_string(json_writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

/// Writes `"key": s`.
inline void write_field(json_writer& w, const char* key, std::string_view s) {
  w.Key(key);
  write_string(w, s);
}

/// Writes `"key": s` unless `s` is empty.
inline void write_nonempty(json_writer& w, const char* key,
                           std::string_view s) {
  if (!s.empty())
    write_field(w, key, s);
}

/// Views a JSON string value (embedded NULs included).
/// Requires: `v.IsString()`.
inline std::string_view view_of(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

/// Writes one attachment object; empty members are omitted.
void write_attachment(json_writer& w, const attachment& a);

/// Writes an array of attachment objects.
void write_attachments(json_writer& w, const std::vector<attachment>& list);

/// Writes a routing object; empty members are omitted.
void write_routing(json_writer& w, const routing_info& r);

/// Reads member `key` of object `obj` into `out` when it is a string; leaves
/// `out` empty when it is absent or null. Returns an error message naming
/// `<path>.<key>` when it has another type, else an empty string.
std::string read_string(const rapidjson::Value& obj, const char* key,
                        std::string_view path, std::string& out);

/// Reads an `attachments` array (`v`, named `path`) into `out`. Returns an
/// error message naming the offending field, or an empty string.
std::string read_attachments(const rapidjson::Value& v, std::string_view path,
                             std::vector<attachment>& out);

/// Reads a `routing` object (`v`, named `path`) into `out`. Returns an error
/// message naming the offending field, or an empty string.
std::string read_routing(const rapidjson::Value& v, std::string_view path,
                         routing_info& out);

/// Member `key` of `obj`, or null when absent or JSON null.
inline const rapidjson::Value* find_member(const rapidjson::Value& obj,
                                           const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull())
    return nullptr;
  return &it->value;
}

/// `path.key` for error messages, or `key` at the top level.
inline std::string join_path(std::string_view path, std::string_view key) {
  std::string out{path};
  if (!out.empty())
    out += '.';
  out += key;
  return out;
}

/// Renders a JSON value for an error message: `"abc"`, `12.5`, `an array`,
/// `an object`; long values are cut to about 60 characters.
std::string describe(const rapidjson::Value& v);

/// A DOM whose values and parse stack live in buffers inside this object
/// (on the caller's stack), spilling to the heap only beyond them. A default
/// `Document` mallocs a 64 KiB chunk per parse, and freeing a chunk that
/// large makes glibc consolidate its fast bins: a top cost wherever one
/// document is parsed per frame, record or stream event.
using stack_document_type =
  rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                             rapidjson::MemoryPoolAllocator<>>;

template <size_t ValueBytes, size_t StackBytes>
struct stack_document {
  alignas(8) char values_buf[ValueBytes];
  alignas(8) char stack_buf[StackBytes];
  rapidjson::MemoryPoolAllocator<> values{values_buf, sizeof values_buf, 16u << 10};
  rapidjson::MemoryPoolAllocator<> stack{stack_buf, sizeof stack_buf, 16u << 10};
  stack_document_type doc{&values, 1024, &stack};
};

} // namespace wingman::protocol::detail
