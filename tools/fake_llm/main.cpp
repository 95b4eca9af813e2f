// wingman-fake-llm: an OpenAI- and Anthropic-compatible streaming server for
// tests and benchmarks (issue 4 and issue 5). See docs/fake_llm.md.
#include "tools/fake_llm/fake_llm.hpp"
#include "tools/fake_llm/server.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  using namespace wingman::fake_llm;
  options opts;
  CLI::App app{"wingman-fake-llm: scripted OpenAI/Anthropic streaming server"};
  int port = 0;
  long long chunk_delay = 0;
  long long first_byte_delay = 0;
  std::string text;
  app.add_option("--port", port, "Port to listen on (0: pick one)")->check(CLI::Range(0, 65535));
  app.add_option("--host", opts.host, "Address to listen on")->capture_default_str();
  app.add_option("--chunks", opts.chunks, "Deltas per text reply")
    ->check(CLI::Range(1, 100000))
    ->capture_default_str();
  app.add_option("--chunk-delay-ms", chunk_delay, "Delay between deltas")
    ->check(CLI::NonNegativeNumber);
  app.add_option("--first-byte-delay-ms", first_byte_delay, "Delay before the response")
    ->check(CLI::NonNegativeNumber);
  auto* text_opt = app.add_option("--text", text, "Fixed reply text (default: echo)");
  app.add_option("--api-key", opts.api_key, "Require this key (Bearer or x-api-key)");
  app.add_option("--max-body-bytes", opts.max_body_bytes, "Largest request body")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  opts.port = static_cast<uint16_t>(port);
  opts.chunk_delay = std::chrono::milliseconds{chunk_delay};
  opts.first_byte_delay = std::chrono::milliseconds{first_byte_delay};
  if (text_opt->count() > 0)
    opts.text = text;
  std::string error;
  int rc = serve(
    opts,
    [&](uint16_t p) {
      std::printf("listening on %s:%u\n", opts.host.c_str(), static_cast<unsigned>(p));
      std::fflush(stdout);
    },
    error);
  if (rc != 0)
    std::cerr << "wingman-fake-llm: " << error << "\n";
  return rc;
}
