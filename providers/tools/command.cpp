#include "providers/tools/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "providers/tools/confined_dir.hpp"

extern char** environ;

namespace wingman::tools {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_punct(char c) {
  return std::strchr("(){}|&;<>", c) != nullptr && c != '\0';
}

/// Characters that glue a match to its neighbour (a longer word or path).
bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0
         || std::strchr("_/-~$", c) != nullptr;
}

/// A pidfd for `pid` (readable once it exits), or -1.
int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

/// Milliseconds left until `deadline` for poll() (0 when past).
int ms_until(steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline
                                                       - steady_clock::now());
  return static_cast<int>(std::clamp<milliseconds::rep>(left.count(), 0,
                                                         1 << 30));
}

/// Waits up to `ms` for the pidfd to report exit.
bool wait_exit(int pidfd, int ms) {
  pollfd p{pidfd, POLLIN, 0};
  while (true) {
    int n = ::poll(&p, 1, ms);
    if (n >= 0 || errno != EINTR)
      return n > 0;
  }
}

/// Reads what is available from the non-blocking `fd` into `out`; false at
/// end of file or on error.
bool drain(int fd, output_capture& out) {
  char buf[65536];
  while (true) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.add({buf, static_cast<size_t>(n)});
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

std::string describe_signal(int sig) {
  const char* name = ::sigdescr_np(sig);
  return "signal " + std::to_string(sig)
         + (name != nullptr ? " (" + std::string{name} + ")" : "");
}

} // namespace

// -- output_capture -----------------------------------------------------------

void output_capture::add(std::string_view data) {
  total_ += data.size();
  auto head_room = max_ / 2 - std::min(max_ / 2, head_.size());
  auto n = std::min(head_room, data.size());
  head_.append(data.substr(0, n));
  data.remove_prefix(n);
  auto tail_max = max_ - max_ / 2;
  if (data.size() >= tail_max) {
    tail_.assign(data.substr(data.size() - tail_max));
  } else {
    tail_.append(data);
    if (tail_.size() > tail_max)
      tail_.erase(0, tail_.size() - tail_max);
  }
}

std::string output_capture::text() const {
  auto omitted = total_ - head_.size() - tail_.size();
  if (omitted == 0)
    return head_ + tail_;
  return head_ + "\n[… " + std::to_string(omitted) + " bytes omitted …]\n"
         + tail_;
}

// -- block list and environment -----------------------------------------------

std::string normalize_command(std::string_view command) {
  std::string out;
  bool space = false;
  for (char c : command) {
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty() && !is_punct(c) && !is_punct(out.back()))
      out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string blocked_by(std::string_view command,
                       const std::vector<std::string>& block_list) {
  auto text = normalize_command(command);
  for (const auto& entry : block_list) {
    auto pattern = normalize_command(entry);
    if (pattern.empty())
      continue;
    for (auto i = text.find(pattern); i != std::string::npos;
         i = text.find(pattern, i + 1)) {
      auto end = i + pattern.size();
      bool glued_before = i > 0 && is_word(pattern.front())
                          && is_word(text[i - 1]);
      bool glued_after = end < text.size() && is_word(pattern.back())
                         && is_word(text[end]);
      if (!glued_before && !glued_after)
        return entry;
    }
  }
  return {};
}

bool is_secret_env(std::string_view name) noexcept {
  // The gateway's token and password, provider keys (`OPENAI_API_KEY`, a config's `apiKeyEnv` such as
  // `FAKE_KEY`) and the usual credential names.
  for (std::string_view suffix : {"_KEY", "_TOKEN", "_SECRET", "_PASSWORD", "_PASSWD",
                                  "_CREDENTIALS"})
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix)
      return true;
  return false;
}

std::vector<std::string> child_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv{*e};
    if (!is_secret_env(kv.substr(0, kv.find('='))))
      out.emplace_back(kv);
  }
  return out;
}

// -- spawning -----------------------------------------------------------------

pid_t spawn_shell(const std::string& command, const std::string& cwd, int in,
                  int out, int err, std::string& error) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&fa);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_adddup2(&fa, in, 0);
  ::posix_spawn_file_actions_adddup2(&fa, out, 1);
  ::posix_spawn_file_actions_adddup2(&fa, err, 2);
  // Descriptors of the gateway opened without O_CLOEXEC (sockets, say)
  // must not leak into commands.
  ::posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  ::posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  // The gateway blocks and ignores signals for its own threads; the command
  // starts with a clean slate.
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1,
                  SIGUSR2})
    sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP
                                      | POSIX_SPAWN_SETSIGMASK
                                      | POSIX_SPAWN_SETSIGDEF);
  auto env = child_environment();
  std::vector<char*> envp;
  for (auto& kv : env)
    envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh";
  std::string dash_c = "-c";
  std::string cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp.data());
  ::posix_spawn_file_actions_destroy(&fa);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = "cannot start /bin/sh in " + cwd + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

// -- run_command --------------------------------------------------------------

command_outcome run_command(const command_request& req,
                            const cancel_flag& cancel) {
  command_outcome res;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    res.spawn_error = std::string{"cannot create a pipe: "}
                      + std::strerror(errno);
    return res;
  }
  unique_fd rd{fds[0]};
  unique_fd wr{fds[1]};
  unique_fd null_in{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  pid_t pid = spawn_shell(req.command, req.cwd, null_in.get(), wr.get(),
                          wr.get(), res.spawn_error);
  wr = unique_fd{};  // only the command holds the write end now
  if (pid < 0)
    return res;
  unique_fd pidfd{open_pidfd(pid)};
  ::fcntl(rd.get(), F_SETFL, O_NONBLOCK);
  output_capture out{req.max_output};
  auto deadline = steady_clock::now() + req.timeout;
  bool eof = false;
  bool exited = false;
  while (!(eof && exited)) {
    pollfd p[3] = {{eof ? -1 : rd.get(), POLLIN, 0},
                   {exited ? -1 : pidfd.get(), POLLIN, 0},
                   {cancel.fd(), POLLIN, 0}};
    int n = ::poll(p, 3, ms_until(deadline));
    if (n < 0 && errno == EINTR)
      continue;
    if (cancel.cancelled()) {
      res.cancelled = true;
      break;
    }
    if (n <= 0) {  // deadline passed (or poll failed: stop all the same)
      res.timed_out = true;
      break;
    }
    if (p[0].revents != 0 && !drain(rd.get(), out))
      eof = true;
    if (eof && !pidfd && !exited) {  // no pidfd: end of output means done
      exited = true;
      ::kill(-pid, SIGKILL);
    }
    if (p[1].revents != 0 && !exited) {
      // The shell ended: whatever it left in its group goes too, before the
      // shell is reaped (its pid, the group id, stays reserved till then).
      exited = true;
      ::kill(-pid, SIGKILL);
    }
  }
  if (res.cancelled) {
    ::kill(-pid, SIGKILL);
  } else if (res.timed_out) {
    ::kill(-pid, SIGTERM);
    wait_exit(pidfd.get(), static_cast<int>(req.kill_grace.count()));
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    res.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    res.signal = WTERMSIG(status);
  drain(rd.get(), out);
  res.output = out.text();
  res.total_bytes = out.total();
  return res;
}

// -- the tool -----------------------------------------------------------------

namespace {

tool_result run_execute(const tool_args& args, const tool_context& ctx,
                        const cancel_flag& cancel) {
  auto command = args.get_string("command");
  if (!command)
    return tool_error(command.error().message);
  auto timeout_ms = args.opt_int("timeout_ms");
  if (!timeout_ms)
    return tool_error(timeout_ms.error().message);
  if (timeout_ms->value_or(1) < 1)
    return tool_error("argument \"timeout_ms\" must be 1 or more");
  if (normalize_command(*command).empty())
    return tool_error("command is empty");
  if (auto hit = blocked_by(*command, ctx.limits.block_list); !hit.empty())
    return tool_error("command refused: it matches the blocked pattern \""
                      + hit + "\"");
  auto root = confined_dir::open(ctx.working_dir, true);
  if (!root)
    return tool_error(root.error().message);
  command_request req;
  req.command = *command;
  req.cwd = root->root();
  req.timeout = timeout_ms->has_value()
                  ? std::min(milliseconds{**timeout_ms},
                             ctx.limits.command_max_timeout)
                  : ctx.limits.command_timeout;
  req.max_output = ctx.limits.command_max_output_bytes;
  req.kill_grace = ctx.limits.kill_grace;
  auto res = run_command(req, cancel);
  if (!res.spawn_error.empty())
    return tool_error(res.spawn_error);
  if (res.cancelled)
    return tool_error("cancelled");
  tool_result r;
  r.content = res.output;
  if (!r.content.empty() && r.content.back() != '\n')
    r.content += '\n';
  if (res.timed_out) {
    r.is_error = true;
    r.content += "[timed out after " + std::to_string(req.timeout.count())
                 + " ms; the command and its child processes were stopped]";
    r.summary = "timed out";
  } else if (res.signal != 0) {
    r.content += "[killed by " + describe_signal(res.signal) + "]";
    r.summary = "killed by " + describe_signal(res.signal);
  } else {
    r.content += "[exit code " + std::to_string(res.exit_code) + "]";
    r.summary = "exit code " + std::to_string(res.exit_code);
  }
  return r;
}

} // namespace

void add_command_tool(tool_registry& reg) {
  reg.add({"command_execute",
           "Run a shell command (/bin/sh -c) in the working folder and return "
           "its combined stdout and stderr and exit code. stdin is empty; "
           "processes it leaves in the background are stopped when it ends "
           "(use background_terminal for long-running processes). Long "
           "output keeps its head and tail.",
           R"({"type":"object","properties":{"command":{"type":"string","description":"Shell command line."},"timeout_ms":{"type":"integer","minimum":1,"description":"Stop the command after this many milliseconds (default 60000; capped by the gateway)."}},"required":["command"],"additionalProperties":false})"},
          run_execute);
}

} // namespace wingman::tools
