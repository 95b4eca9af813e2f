// Server-side WebSocket framing for gather writes: turns a run of queued
// text messages into one buffer sequence of unmasked FIN frames (RFC 6455
// §5.2), so a connection sends everything queued with one write. Headers and
// small payloads are packed into one contiguous buffer (a copy is cheaper
// than an iovec entry); large payloads are referenced, not copied, so bytes
// shared by many recipients stay shared.
//
// Plain class, no Asio: `buffers` fills any vector of types constructible
// from (pointer, size), e.g. `net::const_buffer`. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wingman::transport {

/// Longest WebSocket frame header: 2 bytes plus a 64-bit length.
inline constexpr size_t max_frame_header = 10;

/// Writes the header of an unmasked FIN frame with `opcode` (0x1 text) and a
/// `payload_size`-byte payload to `out`; returns its length (2, 4 or 10).
inline size_t encode_frame_header(unsigned char* out, uint64_t payload_size,
                                  uint8_t opcode = 0x1) {
  out[0] = static_cast<unsigned char>(0x80 | (opcode & 0x0F));
  if (payload_size < 126) {
    out[1] = static_cast<unsigned char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<unsigned char>(payload_size >> 8);
    out[3] = static_cast<unsigned char>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<unsigned char>(payload_size >> (56 - 8 * i));
  return 10;
}

/// A batch of text frames for one gather write (see the file comment).
class frame_batch {
 public:
  /// Payloads up to this size are copied next to their header.
  static constexpr size_t copy_limit = 4096;

  /// Appends one text frame. A payload over `copy_limit` is referenced:
  /// it must stay alive and unchanged until the write completes.
  void add(const std::string& payload) {
    unsigned char hdr[max_frame_header];
    auto n = encode_frame_header(hdr, payload.size());
    pack(reinterpret_cast<const char*>(hdr), n);
    if (payload.size() <= copy_limit) {
      pack(payload.data(), payload.size());
    } else {
      segments_.push_back({payload.data(), 0, payload.size()});
    }
    bytes_ += n + payload.size();
    ++frames_;
  }

  /// Replaces `out` with the batch as (pointer, size) buffers. Valid until
  /// the next `add` or `clear`.
  template <class Buffer>
  void buffers(std::vector<Buffer>& out) const {
    out.clear();
    for (const auto& s : segments_)
      out.emplace_back(s.external ? s.external : pack_.data() + s.offset,
                       s.size);
  }

  /// Wire bytes in the batch (headers included).
  size_t bytes() const noexcept {
    return bytes_;
  }

  /// Frames in the batch.
  size_t frames() const noexcept {
    return frames_;
  }

  bool empty() const noexcept {
    return frames_ == 0;
  }

  /// Empties the batch; keeps the storage unless it grew past `keep` bytes.
  void clear(size_t keep = 64u << 10) {
    if (pack_.capacity() > keep)
      std::string{}.swap(pack_);
    else
      pack_.clear();
    if (segments_.capacity() * sizeof(segment) > keep)
      std::vector<segment>{}.swap(segments_);
    else
      segments_.clear();
    bytes_ = 0;
    frames_ = 0;
  }

 private:
  /// Bytes in `pack_` (`external` null) or outside it.
  struct segment {
    const char* external;
    size_t offset;
    size_t size;
  };

  void pack(const char* p, size_t n) {
    if (segments_.empty() || segments_.back().external)
      segments_.push_back({nullptr, pack_.size(), 0});
    pack_.append(p, n);
    segments_.back().size += n;
  }

  std::string pack_;
  std::vector<segment> segments_;
  size_t bytes_ = 0;
  size_t frames_ = 0;
};

} // namespace wingman::transport
