// wingman-startup-bench: time from process spawn to the first 200 on
// `GET /health`, over N runs, against a baseline from the same run: spawning
// the same binary for `--version` (exec + dynamic linking, no gateway).
//
//   wingman-startup-bench [--binary build/bin/wingman] [--runs 20]
//
// Prints a table and, last, one JSON line.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "transport/client.hpp"

extern char** environ;

namespace {

using clock_type = std::chrono::steady_clock;

std::string self_dir() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return ".";
  buf[n] = '\0';
  return std::filesystem::path{buf}.parent_path().string();
}

pid_t spawn(const std::string& bin, std::vector<std::string> args, int* out_fd) {
  args.insert(args.begin(), bin);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int fds[2] = {-1, -1};
  if (out_fd) {
    if (::pipe(fds) != 0)
      return -1;
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0)
    pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  if (out_fd) {
    ::close(fds[1]);
    *out_fd = fds[0];
  }
  return pid;
}

/// Reads the gateway's ready line; returns its port or 0.
uint16_t read_port(int fd) {
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
    auto at = out.find("listening on http://");
    if (at == std::string::npos)
      continue;
    auto colon = out.find(':', at + 20);
    auto end = out.find(' ', colon);
    if (colon != std::string::npos && end != std::string::npos)
      return static_cast<uint16_t>(std::stoi(out.substr(colon + 1, end - colon - 1)));
  }
  return 0;
}

double us_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
}

/// Spawn to healthy, in µs; -1 on failure.
double gateway_run(const std::string& bin, const std::string& state) {
  auto t0 = clock_type::now();
  int fd = -1;
  auto pid = spawn(bin, {"gateway", "run", "--port", "0", "--state-dir", state,
                         "--log-level", "warn"}, &fd);
  if (pid < 0)
    return -1;
  auto port = read_port(fd);
  double us = -1;
  for (int i = 0; port != 0 && i < 10000; ++i) {
    auto r = wingman::transport::http_call("127.0.0.1", port, "GET", "/health");
    if (r.status == 200) {
      us = us_since(t0);
      break;
    }
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ::close(fd);
  return us;
}

double baseline_run(const std::string& bin) {
  auto t0 = clock_type::now();
  auto pid = spawn(bin, {"--version"}, nullptr);
  if (pid < 0)
    return -1;
  ::waitpid(pid, nullptr, 0);
  return us_since(t0);
}

struct summary {
  double p50 = 0, p90 = 0, min = 0, max = 0;
};

summary summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<size_t>(q * (v.size() - 1))]; };
  return {at(0.5), at(0.9), v.front(), v.back()};
}

} // namespace

int main(int argc, char** argv) {
  std::string bin = self_dir() + "/wingman";
  int runs = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--binary")
      bin = argv[i + 1];
    else if (k == "--runs")
      runs = std::max(1, std::atoi(argv[i + 1]));
  }
  char tmpl[] = "/tmp/wingman-startup-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  std::string root = tmpl;
  std::vector<double> fresh, restart, base;
  for (int i = 0; i < runs; ++i) {
    base.push_back(baseline_run(bin));
    // A new state folder every time (creates the LMDB environment) ...
    fresh.push_back(gateway_run(bin, root + "/fresh-" + std::to_string(i)));
    // ... and a restart on an existing one (opens it, runs recovery).
    restart.push_back(gateway_run(bin, root + "/warm"));
  }
  std::filesystem::remove_all(root);
  for (auto* v : {&fresh, &restart, &base})
    if (std::any_of(v->begin(), v->end(), [](double x) { return x < 0; })) {
      std::fprintf(stderr, "a run failed\n");
      return 1;
    }
  auto f = summarize(fresh), w = summarize(restart), b = summarize(base);
  std::printf("%-34s %9s %9s %9s %9s %8s\n", "startup to healthy /health", "p50 ms",
              "p90 ms", "min ms", "max ms", "÷ base");
  auto row = [&](const char* name, const summary& s) {
    std::printf("%-34s %9.2f %9.2f %9.2f %9.2f %8.2f\n", name, s.p50 / 1e3,
                s.p90 / 1e3, s.min / 1e3, s.max / 1e3, s.p50 / b.p50);
  };
  row("gateway, fresh state dir", f);
  row("gateway, existing state dir", w);
  row("baseline: exec wingman --version", b);
  std::printf("{\"scenario\":\"startup\",\"runs\":%d,\"fresh_p50_us\":%.0f,"
              "\"fresh_p90_us\":%.0f,\"restart_p50_us\":%.0f,"
              "\"restart_p90_us\":%.0f,\"baseline_p50_us\":%.0f,"
              "\"fresh_ratio\":%.2f,\"restart_ratio\":%.2f}\n",
              runs, f.p50, f.p90, w.p50, w.p90, b.p50, f.p50 / b.p50,
              w.p50 / b.p50);
  return 0;
}
