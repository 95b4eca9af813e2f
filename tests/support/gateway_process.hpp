// Integration-test support: runs the real `wingman` binary on loopback port
// 0 with its own state folder, reads the port from its ready line, and talks
// to it with the project's WebSocket/HTTP clients. Processes are stopped (or
// killed) and state folders removed by the destructors.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/client_view.hpp"
#include "transport/client.hpp"

namespace wingman::test {

/// A fresh temporary folder, removed (recursively) on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const noexcept { return path_; }
  /// Writes `content` to `<path>/<name>`; returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

/// Result of running the binary to completion.
struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `wingman <args...>` with extra environment entries and waits for it
/// (bounded by `timeout`). HOME is set to `home` so nothing touches ~.
run_result run_wingman(const std::vector<std::string>& args, const std::string& home,
                       const std::vector<std::string>& env = {},
                       std::chrono::seconds timeout = std::chrono::seconds{60});

/// A running gateway process.
class gateway_process {
 public:
  /// Starts `wingman gateway run --port 0 --state-dir <state> <extra...>`
  /// and waits for its ready line. `REQUIRE`s success.
  gateway_process(const std::string& state_dir, std::vector<std::string> extra = {},
                  std::vector<std::string> env = {});
  ~gateway_process();
  gateway_process(const gateway_process&) = delete;
  gateway_process& operator=(const gateway_process&) = delete;

  uint16_t port() const noexcept { return port_; }
  int pid() const noexcept { return pid_; }

  /// SIGKILL, no cleanup (crash simulation).
  void kill9();

  /// SIGTERM and wait; returns the exit code.
  int terminate();

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  uint16_t port_ = 0;
};

/// A connected protocol client.
class client {
 public:
  /// Opens a WebSocket to the gateway; `REQUIRE`s success.
  explicit client(uint16_t port);

  /// Sends `connect` with `instance_id`/`type` and `auth` (a JSON object)
  /// and returns the `res` view.
  protocol::client_view connect(const std::string& instance_id = "test-cli",
                                const std::string& type = "cli",
                                const std::string& auth = "{}");

  /// Sends raw text.
  void send(const std::string& text);

  /// Sends `req:agent` with `content` and extra payload members.
  void request(const std::string& id, const std::string& content,
               const std::string& extra = "");

  /// Next frame (decoded), or nullopt on timeout/close.
  std::optional<protocol::client_view>
  next(std::chrono::milliseconds timeout = std::chrono::seconds{10});

  /// Reads until a frame satisfies `pred`; returns it and keeps the frames
  /// read on the way in `seen()`. `REQUIRE`s that it arrives.
  template <class Pred>
  protocol::client_view until(Pred pred,
                              std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto v = next(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
      if (!v)
        break;
      if (pred(*v))
        return *v;
    }
    fail_wait();
    return {};
  }

  /// The terminal event (agent-complete / agent-error) of `id`: from the
  /// frames already read, else read until it arrives.
  protocol::client_view terminal(const std::string& id);

  /// Every frame read so far.
  const std::vector<protocol::client_view>& seen() const noexcept { return seen_; }

  /// Event names (`ack:<status>` for acks) of frames about `id`, in order.
  std::vector<std::string> events(const std::string& id) const;

  bool closed() const noexcept { return ws_.closed(); }
  uint16_t close_code() const noexcept { return ws_.close_code(); }
  transport::ws_client& raw() noexcept { return ws_; }

 private:
  void fail_wait() const;
  transport::ws_client ws_;
  std::vector<protocol::client_view> seen_;
};

/// GET/POST etc. on the gateway; returns the result.
transport::http_result http(uint16_t port, const std::string& method,
                            const std::string& target,
                            std::vector<std::pair<std::string, std::string>> headers = {});

/// Like `http` above, with a request body (sent as `application/json`
/// unless `headers` names a Content-Type).
transport::http_result http(uint16_t port, const std::string& method,
                            const std::string& target,
                            std::vector<std::pair<std::string, std::string>> headers,
                            const std::string& body);

/// The value of the first member `name` in `json` (string contents, or the
/// literal for numbers/null/booleans); "<absent>" when missing. For tests.
std::string json_field(const std::string& json, const std::string& name);

/// True when `text` contains `needle`.
bool has(const std::string& text, const std::string& needle);

/// The whole file at `path` ("" when it cannot be read).
std::string read_file(const std::string& path);

/// A minimal config file text with one or more agents (JSON fragments).
std::string config_json(const std::string& gateway_extra,
                        const std::string& agents_list,
                        const std::string& bindings = "[]");

} // namespace wingman::test
