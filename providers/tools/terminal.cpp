#include "providers/tools/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "providers/tools/command.hpp"

namespace wingman::tools {

namespace {

using protocol::error;
using protocol::error_code;

error not_found(const std::string& id) {
  return error{error_code::invalid_request,
               "no background process with id \"" + id
                 + "\" (use action list to see yours)"};
}

/// Writes to a pipe whose reader may be gone without raising SIGPIPE in
/// this process: the signal is blocked for this thread and a pending one
/// consumed before unblocking.
ssize_t write_no_sigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set;
  sigset_t old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  auto n = ::write(fd, data, size);
  int saved = errno;
  if (n < 0 && errno == EPIPE) {
    timespec zero{0, 0};
    ::sigtimedwait(&pipe_set, nullptr, &zero);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

std::string exit_status(int status) {
  if (WIFEXITED(status))
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exited";
}

} // namespace

/// One background process. Fields after `mtx_`-guarded ones are owned by
/// the reader thread.
struct terminal_manager::process {
  std::string id;
  terminal_owner owner;
  std::string command;
  pid_t pid = -1;
  unique_fd pidfd;
  unique_fd in;   ///< Our end of its stdin (non-blocking).
  unique_fd out;  ///< Our end of its stdout (non-blocking).
  unique_fd err;  ///< Our end of its stderr (non-blocking).
  // Guarded by the manager's mutex:
  std::string buffer;  ///< Unread output, at most `terminal_buffer_bytes`.
  size_t dropped = 0;  ///< Unread bytes dropped since the last read.
  bool exited = false;
  bool out_eof = false;
  bool err_eof = false;
  bool removed = false;  ///< Killed/forgotten; waiting to be reaped.
  std::string status = "running";
  clock::time_point last_active;

  bool finished() const { return exited && out_eof && err_eof; }
};

terminal_manager::terminal_manager(tool_limits limits,
                                   std::function<clock::time_point()> now)
  : limits_(std::move(limits)),
    now_(std::move(now)),
    wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_)
    std::abort();  // out of descriptors at startup
  reader_ = std::thread{[this] { run_reader(); }};
}

terminal_manager::~terminal_manager() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
    for (auto& [id, p] : procs_)
      if (!p->exited)
        ::kill(-p->pid, SIGKILL);
  }
  wake_reader();
  reader_.join();
}

void terminal_manager::wake_reader() {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

void terminal_manager::wake_waiters() {
  std::lock_guard<std::mutex> guard{mtx_};
  changed_.notify_all();
}

size_t terminal_manager::running() {
  std::lock_guard<std::mutex> guard{mtx_};
  return static_cast<size_t>(
    std::count_if(procs_.begin(), procs_.end(), [](const auto& kv) {
      return !kv.second->removed && !kv.second->exited;
    }));
}

terminal_manager::process_ptr
terminal_manager::find(const terminal_owner& owner, const std::string& id) {
  auto i = procs_.find(id);
  if (i == procs_.end() || i->second->removed || !(i->second->owner == owner))
    return nullptr;
  return i->second;
}

void terminal_manager::remove(const process_ptr& p) {
  p->removed = true;
  if (!p->exited)
    ::kill(-p->pid, SIGKILL);
  // An exited, fully read process is erased by the reader too.
  wake_reader();
}

protocol::expected<std::string>
terminal_manager::start(const terminal_owner& owner,
                        const std::string& command, const std::string& cwd) {
  sweep(now_());
  std::lock_guard<std::mutex> guard{mtx_};
  size_t mine = 0;
  size_t all = 0;
  for (auto& [id, p] : procs_) {
    if (p->removed || p->exited)
      continue;
    ++all;
    mine += p->owner == owner ? 1 : 0;
  }
  if (mine >= limits_.terminal_max_per_owner)
    return error{error_code::rate_limited,
                 "this session already runs "
                   + std::to_string(limits_.terminal_max_per_owner)
                   + " background processes (the limit); kill one first"};
  if (all >= limits_.terminal_max_total)
    return error{error_code::rate_limited,
                 "the gateway already runs "
                   + std::to_string(limits_.terminal_max_total)
                   + " background processes (the limit); try again later"};
  int in[2];
  int out[2];
  int err[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return error{error_code::internal, "cannot create a pipe"};
  unique_fd in_r{in[0]};
  unique_fd in_w{in[1]};
  if (::pipe2(out, O_CLOEXEC) != 0)
    return error{error_code::internal, "cannot create a pipe"};
  unique_fd out_r{out[0]};
  unique_fd out_w{out[1]};
  if (::pipe2(err, O_CLOEXEC) != 0)
    return error{error_code::internal, "cannot create a pipe"};
  unique_fd err_r{err[0]};
  unique_fd err_w{err[1]};
  std::string why;
  pid_t pid = spawn_shell(command, cwd, in_r.get(), out_w.get(), err_w.get(),
                          why);
  if (pid < 0)
    return error{error_code::internal, why};
  auto p = std::make_shared<process>();
  p->id = "t" + std::to_string(next_id_++);
  p->owner = owner;
  p->command = command;
  p->pid = pid;
  p->pidfd = unique_fd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
  if (!p->pidfd) {  // cannot watch it (Linux < 5.3): do not leave it running
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return error{error_code::internal,
                 "cannot watch a background process (pidfd_open failed)"};
  }
  for (int fd : {in_w.get(), out_r.get(), err_r.get()})
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
  p->in = std::move(in_w);
  p->out = std::move(out_r);
  p->err = std::move(err_r);
  p->last_active = now_();
  procs_[p->id] = p;
  wake_reader();
  return p->id;
}

protocol::expected<size_t> terminal_manager::write(const terminal_owner& owner,
                                                   const std::string& id,
                                                   std::string_view input) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto p = find(owner, id);
  if (!p)
    return not_found(id);
  p->last_active = now_();
  if (p->exited)
    return error{error_code::invalid_request,
                 "process " + id + " has " + p->status
                   + "; it takes no more input"};
  size_t done = 0;
  while (done < input.size()) {
    auto n = write_no_sigpipe(p->in.get(), input.data() + done,
                              input.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EPIPE)
      return error{error_code::invalid_request,
                   "process " + id + " has closed its input"};
    if (n <= 0)
      break;  // pipe full: the process is not reading
    done += static_cast<size_t>(n);
  }
  return done;
}

protocol::expected<terminal_output>
terminal_manager::read(const terminal_owner& owner, const std::string& id,
                       std::chrono::milliseconds wait,
                       const cancel_flag& cancel) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto p = find(owner, id);
  if (!p)
    return not_found(id);
  if (wait.count() > 0)
    changed_.wait_for(guard, wait, [&] {
      return !p->buffer.empty() || p->finished() || p->removed
             || cancel.cancelled() || stopping_;
    });
  if (p->removed)
    return not_found(id);
  terminal_output out;
  out.running = !p->exited;
  out.status = p->status;
  if (cancel.cancelled())
    return out;  // nothing consumed: the output stays for the next read
  out.output = std::move(p->buffer);
  p->buffer.clear();
  out.dropped = std::exchange(p->dropped, 0);
  out.running = !p->exited;
  out.status = p->status;
  p->last_active = now_();
  if (p->finished())
    remove(p);
  return out;
}

protocol::status terminal_manager::kill(const terminal_owner& owner,
                                        const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto p = find(owner, id);
  if (!p)
    return not_found(id);
  remove(p);
  changed_.notify_all();
  return protocol::ok();
}

std::vector<terminal_info> terminal_manager::list(const terminal_owner& owner) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<terminal_info> out;
  for (auto& [id, p] : procs_)
    if (!p->removed && p->owner == owner)
      out.push_back({id, p->command, p->status, p->buffer.size()});
  // Ids are `t<N>`: numeric order is start order.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.id.size() != b.id.size() ? a.id.size() < b.id.size()
                                      : a.id < b.id;
  });
  return out;
}

size_t terminal_manager::sweep(clock::time_point now) {
  std::lock_guard<std::mutex> guard{mtx_};
  size_t n = 0;
  for (auto& [id, p] : procs_) {
    if (!p->removed && now - p->last_active >= limits_.terminal_idle) {
      remove(p);
      ++n;
    }
  }
  if (n > 0)
    changed_.notify_all();
  return n;
}

void terminal_manager::run_reader() {
  std::vector<pollfd> fds;
  std::vector<process_ptr> who;  // parallel to fds; nullptr for wake_
  char buf[65536];
  // The idle sweep runs on a real-time deadline (not only when poll times
  // out, which a chatty process would prevent); `sweep` itself uses `now_`.
  using steady = std::chrono::steady_clock;
  const auto sweep_every = std::max<std::chrono::milliseconds>(
    std::chrono::milliseconds{1},
    std::min<std::chrono::milliseconds>(limits_.terminal_idle, std::chrono::seconds{60}));
  auto next_sweep = steady::now() + sweep_every;
  // Bytes read from one pipe per wake-up, so a process writing without
  // pause cannot hold the lock (and starve the tool calls) for long.
  constexpr size_t max_drain_bytes = 1u << 20;
  while (true) {
    fds.assign(1, pollfd{wake_.get(), POLLIN, 0});
    who.assign(1, nullptr);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      for (auto i = procs_.begin(); i != procs_.end();) {
        auto& p = i->second;
        // Reap what has ended; erase what is both forgotten and reaped.
        if (p->exited && (p->removed || stopping_)) {
          i = procs_.erase(i);
          continue;
        }
        if (!p->out_eof)
          fds.push_back({p->out.get(), POLLIN, 0}), who.push_back(p);
        if (!p->err_eof)
          fds.push_back({p->err.get(), POLLIN, 0}), who.push_back(p);
        if (!p->exited)
          fds.push_back({p->pidfd.get(), POLLIN, 0}), who.push_back(p);
        ++i;
      }
      if (stopping_ && procs_.empty())
        return;
    }
    // While processes are alive, wake up by the sweep deadline (no timer
    // thread; an idle gateway without processes never wakes).
    bool live = fds.size() > 1;
    int timeout = -1;
    if (live) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_sweep
                                                                        - steady::now());
      timeout = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR)
      continue;
    if (!live || steady::now() >= next_sweep) {
      if (live)
        sweep(now_());
      next_sweep = steady::now() + sweep_every;
    }
    if (ready <= 0)
      continue;
    uint64_t drained = 0;
    [[maybe_unused]] auto n = ::read(wake_.get(), &drained, sizeof drained);
    std::lock_guard<std::mutex> guard{mtx_};
    for (size_t k = 1; k < fds.size(); ++k) {
      if (fds[k].revents == 0)
        continue;
      auto& p = who[k];
      if (fds[k].fd == p->pidfd.get()) {
        // The shell ended: stop what it left behind, then reap it.
        ::kill(-p->pid, SIGKILL);
        int status = 0;
        while (::waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
        }
        p->exited = true;
        p->status = exit_status(status);
        continue;
      }
      for (size_t taken = 0; taken < max_drain_bytes;) {
        auto got = ::read(fds[k].fd, buf, sizeof buf);
        if (got > 0) {
          taken += static_cast<size_t>(got);
          p->buffer.append(buf, static_cast<size_t>(got));
          auto cap = limits_.terminal_buffer_bytes;
          if (p->buffer.size() > cap) {
            p->dropped += p->buffer.size() - cap;
            p->buffer.erase(0, p->buffer.size() - cap);
          }
          continue;
        }
        if (got < 0 && errno == EINTR)
          continue;
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
          (fds[k].fd == p->out.get() ? p->out_eof : p->err_eof) = true;
        break;
      }
    }
    changed_.notify_all();
  }
}

// -- the tool -----------------------------------------------------------------

namespace {

/// Longest `wait_ms` of a read.
constexpr int64_t max_read_wait_ms = 30000;

tool_result run_terminal(terminal_manager& terms, const tool_args& args,
                         const tool_context& ctx, const cancel_flag& cancel) {
  auto action = args.get_string("action");
  if (!action)
    return tool_error(action.error().message);
  auto id = args.opt_string("id");
  if (!id)
    return tool_error(id.error().message);
  terminal_owner owner{ctx.agent_id, ctx.session_key};
  auto need_id = [&]() -> std::string {
    return id->has_value() ? std::string{}
                           : "action " + *action + " needs argument \"id\"";
  };
  tool_result r;
  if (*action == "start") {
    auto command = args.get_string("command");
    if (!command)
      return tool_error(command.error().message);
    if (normalize_command(*command).empty())
      return tool_error("command is empty");
    if (auto hit = blocked_by(*command, ctx.limits.block_list); !hit.empty())
      return tool_error("command refused: it matches the blocked pattern \""
                        + hit + "\"");
    auto root = confined_dir::open(ctx.working_dir, true);
    if (!root)
      return tool_error(root.error().message);
    auto started = terms.start(owner, *command, root->root());
    if (!started)
      return tool_error(started.error().message);
    r.content = "started process " + *started
                + "; use action read with this id to see its output";
    r.summary = "started " + *started;
  } else if (*action == "write") {
    if (auto e = need_id(); !e.empty())
      return tool_error(e);
    auto input = args.get_string("input");
    if (!input)
      return tool_error(input.error().message);
    if (input->size() > ctx.limits.terminal_max_input_bytes)
      return tool_error("input is over the limit of "
                        + std::to_string(ctx.limits.terminal_max_input_bytes)
                        + " bytes");
    auto n = terms.write(owner, **id, *input);
    if (!n)
      return tool_error(n.error().message);
    r.content = "wrote " + std::to_string(*n) + " of "
                + std::to_string(input->size()) + " bytes to " + **id;
    if (*n < input->size())
      r.content += " (the process is not reading its input; try later)";
    r.summary = "wrote to " + **id;
  } else if (*action == "read") {
    if (auto e = need_id(); !e.empty())
      return tool_error(e);
    auto wait = args.opt_int("wait_ms");
    if (!wait)
      return tool_error(wait.error().message);
    auto ms = std::clamp<int64_t>(wait->value_or(0), 0, max_read_wait_ms);
    auto out = terms.read(owner, **id, std::chrono::milliseconds{ms}, cancel);
    if (!out)
      return tool_error(out.error().message);
    if (cancel.cancelled())  // the output stays buffered for the next read
      return tool_error("cancelled");
    if (out->dropped > 0)
      r.content += "[… " + std::to_string(out->dropped)
                   + " earlier bytes dropped …]\n";
    r.content += out->output;
    if (!out->output.empty() && out->output.back() != '\n')
      r.content += '\n';
    r.content += "[" + **id + " " + out->status + "]";
    r.summary = "read " + std::to_string(out->output.size()) + " bytes from "
                + **id;
  } else if (*action == "kill") {
    if (auto e = need_id(); !e.empty())
      return tool_error(e);
    if (auto st = terms.kill(owner, **id); !st)
      return tool_error(st.error().message);
    r.content = "killed " + **id;
    r.summary = r.content;
  } else if (*action == "list") {
    auto rows = terms.list(owner);
    for (auto& row : rows)
      r.content += row.id + "  " + row.status + "  "
                   + std::to_string(row.unread) + " bytes unread  "
                   + row.command + "\n";
    if (rows.empty())
      r.content = "no background processes\n";
    r.summary = std::to_string(rows.size()) + " background processes";
  } else {
    return tool_error("argument \"action\" must be one of start, write, "
                      "read, kill, list");
  }
  return r;
}

} // namespace

void add_terminal_tool(tool_registry& reg, terminal_manager& terminals) {
  reg.add({"background_terminal",
           "Run long-lived processes in the background (servers, watchers, "
           "interactive programs) in the working folder. action start "
           "(command) returns an id; write (id, input) sends text to its "
           "stdin; read (id, optional wait_ms up to 30000) returns the output "
           "since the last read; kill (id) stops it; list shows yours. "
           "Processes idle for a long time are stopped.",
           R"({"type":"object","properties":{"action":{"type":"string","enum":["start","write","read","kill","list"]},"id":{"type":"string","description":"Process id from start (write, read, kill)."},"command":{"type":"string","description":"Shell command line (start)."},"input":{"type":"string","description":"Text for stdin, include \\n for Enter (write)."},"wait_ms":{"type":"integer","minimum":0,"maximum":30000,"description":"read: wait up to this long for new output (default 0)."}},"required":["action"],"additionalProperties":false})"},
          [&terminals](const tool_args& args, const tool_context& ctx,
                       const cancel_flag& cancel) {
            return run_terminal(terminals, args, ctx, cancel);
          });
}

} // namespace wingman::tools
