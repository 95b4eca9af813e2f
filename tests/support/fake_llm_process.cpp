#include "support/fake_llm_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <regex>

#include <doctest/doctest.h>

extern char** environ;

namespace wingman::test {

fake_llm_process::fake_llm_process(std::vector<std::string> args) {
  int out[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  std::vector<std::string> argv_s{WINGMAN_FAKE_LLM_BINARY};
  if (std::find(args.begin(), args.end(), "--port") == args.end())
    argv_s.insert(argv_s.end(), {"--port", "0"});
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, WINGMAN_FAKE_LLM_BINARY, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  REQUIRE_MESSAGE(rc == 0, "posix_spawn failed: " << std::strerror(rc));
  pid_ = pid;
  out_fd_ = out[0];
  std::string text;
  std::regex ready{R"(^listening on 127\.0\.0\.1:(\d+)\n)"};
  std::smatch m;
  for (;;) {
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, 30'000) <= 0)
      break;  // no output for 30 s
    char buf[256];
    auto n = ::read(out_fd_, buf, sizeof(buf));
    if (n <= 0)
      break;
    text.append(buf, static_cast<size_t>(n));
    if (std::regex_search(text, m, ready)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return;
    }
  }
  terminate();
  FAIL("wingman-fake-llm did not become ready; stdout: " << text);
}

fake_llm_process::~fake_llm_process() {
  terminate();
  if (out_fd_ >= 0)
    ::close(out_fd_);
}

std::string fake_llm_process::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

int fake_llm_process::terminate() {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string fetched::header(const std::string& name) const {
  auto lower = [](std::string s) {
    for (auto& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (auto& h : headers)
    if (lower(h.name) == lower(name))
      return h.value;
  return "<absent>";
}

fetched fetch(transport::http_client& client, transport::outbound_request req,
              transport::http_timeouts timeouts) {
  struct shared {
    std::mutex mtx;
    std::condition_variable cv;
    fetched out;
    bool done = false;
  };
  auto st = std::make_shared<shared>();
  transport::http_stream_handler h;
  h.on_headers = [st](int status, const std::vector<transport::http_header>& headers) {
    std::lock_guard<std::mutex> g{st->mtx};
    st->out.status = status;
    st->out.headers = headers;
  };
  h.on_data = [st](std::string_view bytes) {
    std::lock_guard<std::mutex> g{st->mtx};
    st->out.pieces.emplace_back(bytes);
    st->out.body.append(bytes);
  };
  h.on_done = [st](const transport::http_error& e) {
    std::lock_guard<std::mutex> g{st->mtx};
    st->out.result = e;
    st->done = true;
    st->cv.notify_all();
  };
  auto stream = client.start(std::move(req), timeouts, std::move(h));
  std::unique_lock<std::mutex> g{st->mtx};
  REQUIRE_MESSAGE(st->cv.wait_for(g, std::chrono::seconds{30}, [&] { return st->done; }),
                  "request did not end");
  return st->out;
}

transport::outbound_request json_post(const std::string& url, std::string body,
                                  std::vector<transport::http_header> headers) {
  headers.push_back({"Content-Type", "application/json"});
  return {"POST", url, std::move(headers), std::move(body)};
}

} // namespace wingman::test
