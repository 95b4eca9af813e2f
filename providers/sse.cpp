#include "providers/sse.hpp"

#include <algorithm>

namespace wingman::providers {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// The first CR or LF at or after `pos`, or npos. (`find_first_of` calls
/// memchr on its two-character set once per input byte: the top cost of
/// reading a stream.)
size_t line_end(std::string_view bytes, size_t pos) {
  for (; pos < bytes.size(); ++pos)
    if (bytes[pos] == '\n' || bytes[pos] == '\r')
      return pos;
  return std::string_view::npos;
}

} // namespace

sse_parser::sse_parser(size_t max_event_bytes)
  : max_event_bytes_(max_event_bytes) {}

size_t sse_parser::buffered() const noexcept {
  return line_.size() + data_.size() + event_type_.size() + id_buffer_.size();
}

bool sse_parser::has_partial_event() const noexcept {
  return !line_.empty() || !data_.empty() || !event_type_.empty()
         || seen_field_;
}

protocol::status sse_parser::too_large() {
  failed_ = true;
  return protocol::error{protocol::error_code::payload_too_large,
                         "SSE event exceeds " + std::to_string(max_event_bytes_)
                           + " bytes"};
}

protocol::status sse_parser::feed(std::string_view bytes,
                                  std::vector<sse_event>& out) {
  if (failed_)
    return too_large();
  std::string joined;  // BOM prefix plus `bytes`, only while undecided
  if (!bom_checked_) {
    bom_prefix_.append(bytes);
    auto n = std::min(bom_prefix_.size(), utf8_bom.size());
    bool bom = bom_prefix_.compare(0, n, utf8_bom.substr(0, n)) == 0;
    if (bom && bom_prefix_.size() < utf8_bom.size())
      return protocol::ok();  // still a possible BOM: wait for more bytes
    bom_checked_ = true;
    joined = std::move(bom_prefix_);
    bom_prefix_.clear();
    if (bom)
      joined.erase(0, utf8_bom.size());
    bytes = joined;
  }
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (bytes[pos] == '\n') {
        ++pos;
        continue;
      }
    }
    auto end = line_end(bytes, pos);
    if (end == std::string_view::npos) {
      line_.append(bytes.substr(pos));
      if (buffered() > max_event_bytes_)
        return too_large();
      break;
    }
    line_.append(bytes.substr(pos, end - pos));
    if (bytes[end] == '\r') {
      if (end + 1 < bytes.size()) {
        if (bytes[end + 1] == '\n')
          ++end;
      } else {
        skip_lf_ = true;
      }
    }
    pos = end + 1;
    if (auto st = line_done(out); !st)
      return st;
  }
  return protocol::ok();
}

protocol::status sse_parser::line_done(std::vector<sse_event>& out) {
  std::string line = std::move(line_);
  line_.clear();
  if (line.empty()) {  // dispatch
    last_id_ = id_buffer_;
    seen_field_ = false;
    if (data_.empty()) {
      event_type_.clear();
      return protocol::ok();
    }
    data_.pop_back();  // the '\n' after the last data line
    sse_event ev;
    if (!event_type_.empty())
      ev.event = std::move(event_type_);
    ev.data = std::move(data_);
    ev.id = last_id_;
    out.push_back(std::move(ev));
    data_.clear();
    event_type_.clear();
    return protocol::ok();
  }
  if (line.front() == ':')
    return protocol::ok();  // comment
  std::string_view view{line};
  auto colon = view.find(':');
  std::string_view field = view.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = view.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  process_field(field, value);
  if (buffered() > max_event_bytes_)
    return too_large();
  return protocol::ok();
}

void sse_parser::process_field(std::string_view field,
                               std::string_view value) {
  seen_field_ = true;
  if (field == "event") {
    event_type_.assign(value);
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos)
      id_buffer_.assign(value);
  } else if (field == "retry") {
    if (value.empty() || value.size() > 18)
      return;
    uint64_t ms = 0;
    for (char c : value) {
      if (c < '0' || c > '9')
        return;
      ms = ms * 10 + static_cast<uint64_t>(c - '0');
    }
    retry_ms_ = ms;
  }
}

} // namespace wingman::providers
