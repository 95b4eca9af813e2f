// Minimal RFC 6455 framing for the benchmark tools: encode single-frame
// messages (masked for clients, unmasked for servers) and parse inbound
// frames from a byte buffer. No extensions, no UTF-8 validation: the tools
// only talk to peers that we trust to be well-formed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace wingman::bench {

/// WebSocket opcodes used here.
enum class ws_op : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Appends one FIN frame to `out`; masks the payload with `mask_key` when
/// `masked` (client → server frames must be masked).
inline void append_frame(std::string& out, ws_op op, std::string_view payload,
                         bool masked = false, uint32_t mask_key = 0) {
  const size_t n = payload.size();
  out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(op)));
  const uint8_t mbit = masked ? 0x80 : 0x00;
  if (n < 126) {
    out.push_back(static_cast<char>(mbit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mbit | 126));
    out.push_back(static_cast<char>((n >> 8) & 0xFF));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mbit | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> shift) & 0xFF));
  }
  if (!masked) {
    out.append(payload.data(), n);
    return;
  }
  char key[4];
  std::memcpy(key, &mask_key, 4);
  out.append(key, 4);
  const size_t at = out.size();
  out.append(payload.data(), n);
  char* p = out.data() + at;
  for (size_t i = 0; i < n; ++i)
    p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

/// Incremental frame parser over a growable receive buffer. Call `space()`
/// to get room for the next read, `commit(n)` after it, then `parse(f)`,
/// which calls `f(op, payload)` for each complete message (fragments are
/// reassembled) and each control frame. Masked frames are unmasked in place.
class ws_parser {
public:
  explicit ws_parser(size_t initial = 16384) : buf_(initial) {}

  /// Writable area for the next read (grows the buffer when needed).
  std::pair<char*, size_t> space() {
    if (begin_ > 0 && begin_ == end_)
      begin_ = end_ = 0;
    if (buf_.size() - end_ < 4096) {
      if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (buf_.size() - end_ < 4096)
        buf_.resize(buf_.size() * 2);
    }
    return {buf_.data() + end_, buf_.size() - end_};
  }

  /// Marks `n` bytes of `space()` as received.
  void commit(size_t n) { end_ += n; }

  /// Copies bytes received before framing started (e.g. after a handshake).
  void feed(const char* data, size_t n) {
    while (n > 0) {
      auto [p, room] = space();
      size_t k = n < room ? n : room;
      std::memcpy(p, data, k);
      commit(k);
      data += k;
      n -= k;
    }
  }

  /// Parses every complete frame; returns false on a protocol error.
  template <class F>
  bool parse(F&& on_message) {
    for (;;) {
      const size_t avail = end_ - begin_;
      if (avail < 2)
        return true;
      auto* h = reinterpret_cast<const uint8_t*>(buf_.data() + begin_);
      const bool fin = (h[0] & 0x80) != 0;
      const auto op = static_cast<ws_op>(h[0] & 0x0F);
      const bool masked = (h[1] & 0x80) != 0;
      uint64_t len = h[1] & 0x7F;
      size_t hdr = 2;
      if (len == 126) {
        if (avail < 4)
          return true;
        len = (uint64_t{h[2]} << 8) | h[3];
        hdr = 4;
      } else if (len == 127) {
        if (avail < 10)
          return true;
        len = 0;
        for (int i = 0; i < 8; ++i)
          len = (len << 8) | h[2 + i];
        hdr = 10;
      }
      if (len > (uint64_t{1} << 31))
        return false;
      const size_t key_at = hdr;
      if (masked)
        hdr += 4;
      if (avail < hdr + len)
        return true;
      char* payload = buf_.data() + begin_ + hdr;
      if (masked) {
        char key[4];
        std::memcpy(key, buf_.data() + begin_ + key_at, 4);
        for (size_t i = 0; i < len; ++i)
          payload[i] = static_cast<char>(payload[i] ^ key[i & 3]);
      }
      std::string_view body{payload, static_cast<size_t>(len)};
      begin_ += hdr + static_cast<size_t>(len);
      if (static_cast<uint8_t>(op) >= 0x8) {
        on_message(op, body);
      } else if (op == ws_op::continuation) {
        frag_.append(body.data(), body.size());
        if (fin) {
          on_message(frag_op_, std::string_view{frag_});
          frag_.clear();
        }
      } else if (!fin) {
        frag_op_ = op;
        frag_.assign(body.data(), body.size());
      } else {
        on_message(op, body);
      }
    }
  }

private:
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  std::string frag_;
  ws_op frag_op_ = ws_op::text;
};

}  // namespace wingman::bench
