#include "transport/frame_batch.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using namespace wingman::transport;

namespace {

/// A (pointer, size) buffer, as `net::const_buffer` would be.
struct span {
  span(const char* p, size_t n) : data(p), size(n) {
  }
  const char* data;
  size_t size;
};

/// The batch's bytes, concatenated.
std::string wire(const frame_batch& b) {
  std::vector<span> spans;
  b.buffers(spans);
  std::string out;
  for (auto s : spans)
    out.append(s.data, s.size);
  return out;
}

std::string header(uint64_t n) {
  unsigned char h[max_frame_header];
  auto len = encode_frame_header(h, n);
  return std::string(reinterpret_cast<const char*>(h), len);
}

} // namespace

TEST_SUITE("transport/frame_batch") {

TEST_CASE("headers use the shortest length encoding") {
  CHECK(header(0) == std::string("\x81\x00", 2));
  CHECK(header(125) == std::string("\x81\x7d", 2));
  CHECK(header(126) == std::string("\x81\x7e\x00\x7e", 4));
  CHECK(header(65535) == std::string("\x81\x7e\xff\xff", 4));
  CHECK(header(65536)
        == std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  unsigned char h[max_frame_header];
  CHECK(encode_frame_header(h, 5, 0xA) == 2);
  CHECK(h[0] == 0x8A);
}

TEST_CASE("a batch is the frames back to back, payloads intact") {
  frame_batch b;
  std::vector<std::string> payloads{"", "hi", std::string(126, 'a'),
                                    std::string(5000, 'b'), "tail",
                                    std::string(70000, 'c')};
  std::string expected;
  for (const auto& p : payloads) {
    b.add(p);
    expected += header(p.size()) + p;
  }
  CHECK(b.frames() == payloads.size());
  CHECK(b.bytes() == expected.size());
  CHECK(wire(b) == expected);
}

TEST_CASE("small payloads are packed, large ones referenced") {
  frame_batch b;
  std::string big(frame_batch::copy_limit + 1, 'x');
  b.add("a");
  b.add("b");
  b.add(big);
  b.add("c");
  std::vector<span> spans;
  b.buffers(spans);
  // [hdr a hdr b hdr] [big] [hdr c]
  REQUIRE(spans.size() == 3);
  CHECK(spans[1].data == big.data());
  CHECK(spans[1].size == big.size());
}

TEST_CASE("clear empties the batch for reuse") {
  frame_batch b;
  b.add("one");
  b.clear();
  CHECK(b.empty());
  CHECK(b.bytes() == 0);
  b.add("two");
  CHECK(wire(b) == header(3) + "two");
}

} // TEST_SUITE
