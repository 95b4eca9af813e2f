#include "providers/echo_model.hpp"

#include <algorithm>

namespace wingman::providers {

namespace {

bool is_continuation(unsigned char c) noexcept {
  return (c & 0xC0) == 0x80;
}

int64_t tokens_of(size_t bytes) noexcept {
  return static_cast<int64_t>((bytes + 3) / 4);
}

} // namespace

std::vector<std::string> split_utf8(std::string_view text, size_t n) {
  // Offsets of every code point start, plus the end.
  std::vector<size_t> starts;
  starts.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size(); ++i)
    if (!is_continuation(static_cast<unsigned char>(text[i])))
      starts.push_back(i);
  const size_t points = starts.size();
  starts.push_back(text.size());
  n = std::max<size_t>(1, std::min(n, std::max<size_t>(points, 1)));
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    auto first = starts[points * k / n];
    auto last = starts[points * (k + 1) / n];
    out.emplace_back(text.substr(first, last - first));
  }
  return out;
}

echo_plan plan_echo(std::string_view content, size_t attachment_count,
                    const protocol::echo_options& opts) {
  echo_plan plan;
  if (!content.empty())
    plan.response = std::string{content};
  else
    plan.response = "(" + std::to_string(attachment_count) + " attachment"
                    + (attachment_count == 1 ? "" : "s") + ")";
  plan.chunks = split_utf8(plan.response,
                           static_cast<size_t>(std::max(1, opts.chunks)));
  auto count = static_cast<int64_t>(plan.chunks.size());
  plan.interval = std::chrono::milliseconds{
    std::max<int64_t>(0, opts.delay_ms) / count};
  plan.usage.input_tokens = tokens_of(content.size());
  plan.usage.output_tokens = tokens_of(plan.response.size());
  plan.usage.total_tokens = plan.usage.input_tokens + plan.usage.output_tokens;
  return plan;
}

} // namespace wingman::providers
