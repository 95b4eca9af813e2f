#include "support/gateway_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include <doctest/doctest.h>

extern char** environ;

namespace wingman::test {

namespace {

std::vector<std::string> base_env(const std::string& home,
                                  const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("HOME=", 0) == 0 || kv.rfind("WINGMAN_", 0) == 0)
      continue;
    env.push_back(kv);
  }
  env.push_back("HOME=" + home);
  for (auto& kv : extra)
    env.push_back(kv);
  return env;
}

/// posix_spawn with stdout/stderr piped; returns pid.
int spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
          const std::string& cwd, int& out_fd, int& err_fd) {
  int out[2], err[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  // Run in the test's home so `./.wingman/` lookups see only test files.
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  std::vector<std::string> argv_s{WINGMAN_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv, envp;
  for (auto& a : argv_s)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, WINGMAN_BINARY, &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  ::close(err[1]);
  REQUIRE_MESSAGE(rc == 0, "posix_spawn failed: " << std::strerror(rc));
  out_fd = out[0];
  err_fd = err[0];
  return pid;
}

/// Reads what is available from `fd` within `ms`; false on EOF.
bool read_some(int fd, std::string& into, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0)
    return true;
  char buf[4096];
  auto n = ::read(fd, buf, sizeof(buf));
  if (n <= 0)
    return false;
  into.append(buf, static_cast<size_t>(n));
  return true;
}

} // namespace

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/wingman-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, const std::string& content) const {
  auto p = path_ + "/" + name;
  std::ofstream out{p, std::ios::trunc};
  out << content;
  return p;
}

run_result run_wingman(const std::vector<std::string>& args, const std::string& home,
                       const std::vector<std::string>& env,
                       std::chrono::seconds timeout) {
  int out_fd = -1, err_fd = -1;
  auto pid = spawn(args, base_env(home, env), home, out_fd, err_fd);
  run_result r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true;
  while ((out_open || err_open) && std::chrono::steady_clock::now() < deadline) {
    if (out_open)
      out_open = read_some(out_fd, r.out, 50);
    if (err_open)
      err_open = read_some(err_fd, r.err, 50);
  }
  ::close(out_fd);
  ::close(err_fd);
  if (out_open || err_open)
    ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

gateway_process::gateway_process(const std::string& state_dir,
                                 std::vector<std::string> extra,
                                 std::vector<std::string> env) {
  std::vector<std::string> args{"gateway", "run", "--port", "0", "--state-dir",
                                state_dir, "--log-level", "warn"};
  args.insert(args.end(), extra.begin(), extra.end());
  int err_fd = -1;
  pid_ = spawn(args, base_env(state_dir, env), state_dir, out_fd_, err_fd);
  ::close(err_fd);  // stderr: console log, not needed (daily file has it)
  std::string out;
  std::regex ready{R"(listening on http://[^:]+:(\d+))"};
  std::smatch m;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (std::chrono::steady_clock::now() < deadline) {
    if (!read_some(out_fd_, out, 100))
      break;
    if (std::regex_search(out, m, ready)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return;
    }
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  FAIL("gateway did not become ready; stdout: " << out);
}

gateway_process::~gateway_process() {
  if (pid_ > 0)
    terminate();
  if (out_fd_ >= 0)
    ::close(out_fd_);
}

void gateway_process::kill9() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int gateway_process::terminate() {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

client::client(uint16_t port) {
  auto err = ws_.connect("127.0.0.1", port, "/ws");
  REQUIRE_MESSAGE(err.empty(), "connect failed: " << err);
}

protocol::client_view client::connect(const std::string& instance_id,
                                      const std::string& type,
                                      const std::string& auth) {
  send(R"({"type":"connect","id":"c1","client":{"instanceId":")" + instance_id
       + R"(","clientType":")" + type + R"(","version":"test"},"auth":)" + auth
       + R"(,"timestamp":1})");
  return until([](const protocol::client_view& v) {
    return v.type == "res" && v.id == "c1";
  });
}

void client::send(const std::string& text) {
  auto err = ws_.send(text);
  REQUIRE_MESSAGE(err.empty(), "send failed: " << err);
}

void client::request(const std::string& id, const std::string& content,
                     const std::string& extra) {
  send(R"({"type":"req:agent","id":")" + id + R"(","payload":{"content":")"
       + content + "\"" + (extra.empty() ? "" : "," + extra)
       + R"(},"timestamp":1})");
}

std::optional<protocol::client_view> client::next(std::chrono::milliseconds timeout) {
  auto text = ws_.receive(timeout);
  if (!text)
    return std::nullopt;
  auto v = protocol::view_frame(*text);
  REQUIRE_MESSAGE(v.has_value(), "undecodable frame: " << *text);
  seen_.push_back(*v);
  return v;
}

protocol::client_view client::terminal(const std::string& id) {
  for (auto& v : seen_)  // it may have arrived while waiting for another id
    if (v.id == id && (v.event == "agent-complete" || v.event == "agent-error"))
      return v;
  return until([&](const protocol::client_view& v) {
    return v.id == id && (v.event == "agent-complete" || v.event == "agent-error");
  });
}

std::vector<std::string> client::events(const std::string& id) const {
  std::vector<std::string> out;
  for (auto& v : seen_)
    if (v.id == id)
      out.push_back(v.type == "ack" ? "ack:" + v.event
                    : v.type == "error" ? "error:" + v.code
                                        : v.event);
  return out;
}

void client::fail_wait() const {
  std::string got;
  for (auto& v : seen_)
    got += v.type + "/" + v.id + "/" + v.event + " ";
  FAIL("expected frame did not arrive (closed=" << ws_.closed() << " code="
       << ws_.close_code() << "); frames: " << got);
}

transport::http_result http(uint16_t port, const std::string& method,
                            const std::string& target,
                            std::vector<std::pair<std::string, std::string>> headers) {
  return transport::http_call("127.0.0.1", port, method, target, headers);
}

transport::http_result http(uint16_t port, const std::string& method,
                            const std::string& target,
                            std::vector<std::pair<std::string, std::string>> headers,
                            const std::string& body) {
  bool typed = false;
  for (auto& [k, v] : headers) {
    std::string lower;
    for (char c : k)
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    typed = typed || lower == "content-type";
  }
  if (!typed)
    headers.emplace_back("Content-Type", "application/json");
  return transport::http_call("127.0.0.1", port, method, target, headers, body);
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::string json_field(const std::string& json, const std::string& name) {
  std::smatch m;
  std::regex re{"\"" + name + R"re("\s*:\s*("([^"]*)"|[0-9]+|null|true|false))re"};
  if (!std::regex_search(json, m, re))
    return "<absent>";
  return m[2].matched ? m[2].str() : m[1].str();
}

std::string config_json(const std::string& gateway_extra,
                        const std::string& agents_list,
                        const std::string& bindings) {
  // A caller that configures controlUi itself replaces the default one.
  bool own_ui = gateway_extra.find("\"controlUi\"") != std::string::npos;
  return std::string{R"({"gateway":{"host":"127.0.0.1")"}
         + (own_ui ? "" : R"(,"controlUi":{"enabled":false})")
         + (gateway_extra.empty() ? std::string{} : "," + gateway_extra)
         + R"(},"agents":{"list":)" + agents_list + R"(,"bindings":)" + bindings
         + "}}";
}

} // namespace wingman::test
