#include "tools/wingman/daemon.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "actors/gateway.hpp"
#include "actors/log.hpp"
#include "providers/tools/fs_guard.hpp"
#include "transport/client.hpp"

#include <spdlog/spdlog.h>

namespace wingman::tools {

namespace {

std::string pid_file(const protocol::gateway_config& cfg) {
  return cfg.state_dir + "/gateway.pid";
}

std::string port_file(const protocol::gateway_config& cfg) {
  return cfg.state_dir + "/gateway.port";
}

long read_number(const std::string& path) {
  std::ifstream in{path};
  long v = 0;
  return (in >> v) ? v : 0;
}

/// The pid of the gateway holding the lock on the pid file, or 0 when no
/// gateway runs on this state dir (a stale file or a recycled pid is never
/// mistaken for a live gateway).
pid_t running_pid(const protocol::gateway_config& cfg) {
  int fd = ::open(pid_file(cfg).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return 0;
  pid_t pid = 0;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
    pid = static_cast<pid_t>(read_number(pid_file(cfg)));
  ::close(fd);  // also releases the lock if we got it
  return pid;
}

/// Takes the state dir's lock for this process's lifetime and writes our
/// pid. Returns the fd (kept open) or -1 with `err` set.
int take_lock(const protocol::gateway_config& cfg, std::string& err) {
  if (auto e = make_dirs(cfg.state_dir); !e.empty()) {
    err = e;
    return -1;
  }
  int fd = ::open(pid_file(cfg).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    err = "cannot open " + pid_file(cfg) + ": " + std::strerror(errno);
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    err = "another gateway (pid " + std::to_string(read_number(pid_file(cfg)))
          + ") is using the state dir " + cfg.state_dir;
    ::close(fd);
    return -1;
  }
  auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    err = "cannot write " + pid_file(cfg) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

void write_all(int fd, const std::string& s) {
  if (fd < 0)
    return;
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out{path, std::ios::trunc};
  out << content;
}

} // namespace

int run_gateway(const protocol::gateway_config& cfg, const std::string& log_level,
                int ready_fd) {
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::string lock_err;
  int lock_fd = take_lock(cfg, lock_err);
  if (lock_fd < 0) {
    std::cerr << "wingman: " << lock_err << "\n";
    write_all(ready_fd, "error " + lock_err + "\n");
    return 1;
  }

  actors::log::log_options lo;
  lo.level = log_level;
  lo.dir = cfg.state_dir + "/logs";
  if (auto err = actors::log::init_logging(lo); !err.empty()) {
    std::cerr << "wingman: " << err << "\n";
    write_all(ready_fd, "error " + err + "\n");
    return 1;
  }
  auto log = spdlog::get("wingman");
  for (auto& w : cfg.warnings)
    log->warn("config {}: {}", cfg.source.empty() ? "(default)" : cfg.source, w);
  auto t0 = std::chrono::steady_clock::now();
  actors::gateway gw{cfg};
  if (auto err = gw.start(); !err.empty()) {
    log->error("gateway failed to start: {}", err);
    write_all(ready_fd, "error " + err + "\n");
    return 1;
  }
  auto startup_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - t0).count();
  auto port = gw.port();
  write_file(port_file(cfg), std::to_string(port) + "\n");
  log->info("gateway listening host={} port={} auth={} agents={} state={} "
            "startup_us={}", cfg.host, port,
            cfg.auth == protocol::auth_mode::none    ? "none"
            : cfg.auth == protocol::auth_mode::token ? "token"
                                                     : "password",
            cfg.agents.size(), cfg.state_dir, startup_us);
  // The machine-readable ready line (tests and scripts parse it).
  std::printf("wingman gateway listening on http://%s:%u (ws://%s:%u/ws)\n",
              cfg.host.c_str(), port, cfg.host.c_str(), port);
  std::fflush(stdout);
  write_all(ready_fd, "ok " + std::to_string(port) + "\n");
  if (ready_fd >= 0)
    ::close(ready_fd);

  std::thread waiter{[&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::get("wingman")->info("signal={} stopping", sig);
    gw.stop();
  }};
  gw.run();
  // run() also returns if the server stopped for another reason: wake the
  // waiter so it can be joined.
  ::kill(::getpid(), SIGTERM);
  waiter.join();
  ::unlink(port_file(cfg).c_str());
  ::unlink(pid_file(cfg).c_str());
  ::close(lock_fd);
  log->info("gateway stopped");
  spdlog::shutdown();
  return 0;
}

int start_daemon(const protocol::gateway_config& cfg, const std::string& log_level) {
  if (auto pid = running_pid(cfg)) {
    std::cerr << "wingman: gateway already running (pid " << pid << ")\n";
    return 1;
  }
  if (auto err = make_dirs(cfg.state_dir + "/logs"); !err.empty()) {
    std::cerr << "wingman: " << err << "\n";
    return 1;
  }
  int fds[2];
  if (::pipe(fds) != 0) {
    std::perror("wingman: pipe");
    return 1;
  }
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("wingman: fork");
    return 1;
  }
  if (child == 0) {
    ::close(fds[0]);
    ::setsid();
    if (::fork() > 0)  // the grandchild is the daemon; no controlling tty
      ::_exit(0);
    auto out = cfg.state_dir + "/logs/gateway.out";
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
      fd = ::open("/dev/null", O_WRONLY);  // never keep the caller's stdout
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::_exit(run_gateway(cfg, log_level, fds[1]));  // takes the pid-file lock
  }
  ::close(fds[1]);
  ::waitpid(child, nullptr, 0);
  std::string reply;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
    reply.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  if (reply.rfind("ok ", 0) == 0) {
    std::cout << "wingman gateway started (pid "
              << running_pid(cfg) << ") on http://" << cfg.host
              << ":" << std::stoi(reply.substr(3)) << "\n"
              << "logs: " << cfg.state_dir << "/logs/\n";
    return 0;
  }
  std::cerr << "wingman: gateway failed to start: "
            << (reply.empty() ? "no reply (see " + cfg.state_dir
                                  + "/logs/gateway.out)"
                              : reply.substr(reply.find(' ') + 1));
  return 1;
}

int stop_daemon(const protocol::gateway_config& cfg) {
  auto pid = running_pid(cfg);
  if (pid == 0) {
    std::cout << "wingman gateway is not running\n";
    return 0;
  }
  ::kill(pid, SIGTERM);
  // A CLI waiting for another process: poll its lock, bounded.
  for (int i = 0; i < 300 && running_pid(cfg) == pid; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  if (running_pid(cfg) == pid) {
    std::cerr << "wingman: gateway (pid " << pid
              << ") did not stop within 15 s; sending SIGKILL\n";
    ::kill(pid, SIGKILL);
  }
  std::cout << "wingman gateway stopped (pid " << pid << ")\n";
  return 0;
}

int daemon_status(const protocol::gateway_config& cfg) {
  auto pid = running_pid(cfg);
  if (pid == 0) {
    std::cout << "wingman gateway: not running\n";
    return 1;
  }
  auto port = static_cast<uint16_t>(read_number(port_file(cfg)));
  std::cout << "wingman gateway: running (pid " << pid << ", port " << port
            << ")\n";
  return check_health(cfg.host, port);
}

int check_health(const std::string& host, uint16_t port) {
  auto r = transport::http_call(host, port, "GET", "/health");
  if (!r.error.empty()) {
    std::cerr << "wingman: health check failed: " << r.error << "\n";
    return 1;
  }
  std::cout << r.body << "\n";
  return r.status == 200 ? 0 : 1;
}

std::string generate_token() {
  unsigned char bytes[24];
  std::ifstream in{"/dev/urandom", std::ios::binary};
  in.read(reinterpret_cast<char*>(bytes), sizeof(bytes));
  static const char* digits = "0123456789abcdef";
  std::string out = "wm_";
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

} // namespace wingman::tools
