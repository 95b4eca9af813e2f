#include "actors/http_admin.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "protocol/config_edit.hpp"
#include "protocol/records.hpp"
#include "protocol/routing.hpp"
#include "providers/model_spec.hpp"
#include "providers/provider_registry.hpp"
#include "providers/wire.hpp"
#include "providers/tools/fs_guard.hpp"

namespace wingman::actors {

using tools::fs_check;
using tools::fs_guard;
using tools::fs_verdict;
using tools::is_text;

namespace {

using transport::http_request;
using transport::http_response;
namespace fs = std::filesystem;

/// Serializes every read-modify-write of the config file and the
/// credentials file, and guards `voice_by_config`. Taken before the
/// catalog's mutex, never while holding it. Listed in docs/locks.md.
std::mutex admin_mutex;

/// The current voice object per config file (keyed by `config_path`, so
/// several gateways in one process stay apart). Guarded by admin_mutex.
std::map<std::string, std::string>& voice_by_config() {
  static std::map<std::string, std::string> m;
  return m;
}

// -- small helpers -------------------------------------------------------------

http_response method_not_allowed(const http_request& req,
                                 const std::string& allow) {
  auto r = http_error(405, "Method " + req.method + " not allowed on "
                             + req.path);
  r.headers.emplace_back("Allow", allow);
  return r;
}

/// HTTP status for an error of the protocol layer.
unsigned status_of(const protocol::error& err) {
  switch (err.code) {
    case protocol::error_code::invalid_request:
      return 400;
    case protocol::error_code::forbidden:
      return 409;
    default:
      return 500;
  }
}

http_response error_response(const protocol::error& err) {
  return http_error(status_of(err), err.message);
}

std::string bool_text(bool b) { return b ? "true" : "false"; }

/// GET, or HEAD (answered like GET; the transport drops the body).
bool is_get(const http_request& req) {
  return req.method == "GET" || req.method == "HEAD";
}

/// Reads a whole file; a missing file gives `missing_text`. Returns nullopt
/// (with `err` set) on any other failure.
std::optional<std::string> read_whole(const std::string& path,
                                      std::string_view missing_text,
                                      std::string& err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return std::string{missing_text};
    err = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  char buf[8192];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      err = "cannot read " + path + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

/// Applies `edit` (text -> expected<text>) to the file at `path` and writes
/// the result atomically. Requires: admin_mutex held.
template <class Edit>
std::optional<http_response> edit_file(const std::string& path, Edit edit) {
  if (path.empty())
    return http_error(500, "no configuration file to write");
  std::string err;
  auto text = read_whole(path, "{}", err);
  if (!text)
    return http_error(500, err);
  auto next = edit(*text);
  if (!next)
    return error_response(next.error());
  if (*next == *text)
    return std::nullopt;
  if (auto werr = write_file_atomically(path, *next); !werr.empty())
    return http_error(500, werr);
  return std::nullopt;
}

// -- agents -------------------------------------------------------------------

std::string agent_json(const http_context& ctx,
                       const protocol::agent_config& a) {
  return protocol::encode_agent(a, a.id == ctx.agents->default_agent());
}

/// The agent as written to the file: paths stay implied (or as the file
/// has them), since the API does not change them.
protocol::agent_config file_view(protocol::agent_config a) {
  a.workspace.clear();
  a.agent_dir.clear();
  return a;
}

std::optional<http_response> check_model(const std::string& model) {
  if (model == "echo" || providers::parse_model_spec(model))
    return std::nullopt;
  return http_error(400, "model: expected provider:model (e.g. "
                         "openai:gpt-4o-mini) or echo, got "
                           + protocol::json_string(model));
}

/// 409 for an agent defined by an agent file: the API writes only the
/// config file, and the same id in both would stop the next start.
std::optional<http_response> check_editable(const protocol::agent_config& a) {
  if (a.source_file.empty())
    return std::nullopt;
  return http_error(409, "Agent " + a.id + " is defined in " + a.source_file
                           + "; edit that file and restart the gateway");
}

/// Persists `a` (making it the default when `a.is_default`), then updates
/// the catalog and tells the router. Requires: admin_mutex held.
std::optional<http_response> store_agent(const http_context& ctx,
                                         protocol::agent_config a) {
  auto old_default = ctx.agents->default_agent();
  bool becomes_default = a.is_default && old_default != a.id;
  // With agent files there is no implicit `main` to keep in the list.
  auto all = ctx.agents->list();
  bool implicit_main = std::none_of(all.begin(), all.end(), [](const auto& x) {
    return !x.source_file.empty();
  });
  if (auto r = edit_file(ctx.config_path, [&](std::string_view text) {
        return protocol::config_upsert_agent(text, file_view(a),
                                             implicit_main);
      }))
    return r;
  ctx.agents->put(a);
  caf::anon_send(ctx.router, upsert_agent{a});
  if (becomes_default) {
    ctx.agents->default_agent(a.id);
    if (auto prev = ctx.agents->get(old_default)) {
      prev->is_default = false;
      ctx.agents->put(*prev);
      caf::anon_send(ctx.router, upsert_agent{*prev});
    }
  }
  return std::nullopt;
}

http_response list_agents(const http_context& ctx) {
  std::vector<std::string> out;
  for (const auto& a : ctx.agents->list())
    out.push_back(agent_json(ctx, a));
  return http_json(200, protocol::json_array(out));
}

http_response create_agent(const http_context& ctx, const http_request& req) {
  auto patch = protocol::decode_agent_patch(req.body);
  if (!patch)
    return error_response(patch.error());
  if (!patch->id)
    return http_error(400, "id: required");
  std::lock_guard<std::mutex> guard{admin_mutex};
  if (ctx.agents->get(*patch->id))
    return http_error(409, "Agent already exists: " + *patch->id);
  protocol::agent_config a;
  a.id = *patch->id;
  a.name = a.id;
  a.workspace = ctx.config->state_dir + "/outputs/" + a.id;
  a.agent_dir = ctx.config->state_dir + "/agents/" + a.id;
  protocol::apply_agent_patch(*patch, a);
  if (auto bad = check_model(a.model))
    return *bad;
  if (auto r = store_agent(ctx, a))
    return *r;
  return http_json(201, agent_json(ctx, a));
}

http_response update_agent(const http_context& ctx, const http_request& req,
                           const std::string& id) {
  auto patch = protocol::decode_agent_patch(req.body);
  if (!patch)
    return error_response(patch.error());
  if (patch->id && *patch->id != id)
    return http_error(400, "id: cannot change the id of agent " + id
                             + " (got " + *patch->id + ")");
  std::lock_guard<std::mutex> guard{admin_mutex};
  auto current = ctx.agents->get(id);
  if (!current)
    return http_error(404, "Agent not found: " + id);
  if (auto locked = check_editable(*current))
    return *locked;
  bool is_default = ctx.agents->default_agent() == id;
  if (patch->is_default && !*patch->is_default && is_default)
    return http_error(409, "Agent " + id + " is the default agent; make "
                           "another agent the default instead");
  auto a = *current;
  a.is_default = is_default;
  protocol::apply_agent_patch(*patch, a);
  if (auto bad = check_model(a.model))
    return *bad;
  if (auto r = store_agent(ctx, a))
    return *r;
  return http_json(200, agent_json(ctx, a));
}

http_response delete_agent(const http_context& ctx, const std::string& id) {
  std::lock_guard<std::mutex> guard{admin_mutex};
  auto current = ctx.agents->get(id);
  if (!current)
    return http_error(404, "Agent not found: " + id);
  if (auto locked = check_editable(*current))
    return *locked;
  if (ctx.agents->default_agent() == id)
    return http_error(409, "Agent " + id + " is the default agent; make "
                           "another agent the default first");
  if (ctx.agents->list().size() <= 1)
    return http_error(409, "Agent " + id + " is the last agent");
  if (auto r = edit_file(ctx.config_path, [&](std::string_view text) {
        return protocol::config_remove_agent(text, id);
      }))
    return *r;
  ctx.agents->remove(id);
  caf::anon_send(ctx.router, remove_agent{id});
  return http_json(200, R"({"ok":true})");
}

http_response agents_route(const http_context& ctx, const http_request& req) {
  static const std::string prefix = "/api/agents/";
  if (req.path == "/api/agents") {
    if (is_get(req))
      return list_agents(ctx);
    if (req.method == "POST")
      return create_agent(ctx, req);
    return method_not_allowed(req, "GET, POST");
  }
  auto id = req.path.substr(prefix.size());
  if (!is_get(req) && req.method != "PUT" && req.method != "DELETE")
    return method_not_allowed(req, "GET, PUT, DELETE");
  if (!protocol::validate_agent_id(id).empty())
    return http_error(404, "Agent not found: " + id);
  if (req.method == "PUT")
    return update_agent(ctx, req, id);
  if (req.method == "DELETE")
    return delete_agent(ctx, id);
  auto a = ctx.agents->get(id);
  if (!a)
    return http_error(404, "Agent not found: " + id);
  return http_json(200, agent_json(ctx, *a));
}

// -- providers ----------------------------------------------------------------

std::string credentials_path(const http_context& ctx) {
  return ctx.config->state_dir + "/credentials.json";
}

/// `{name, type, baseUrl, configured, source, fromConfig}` of provider
/// `name` as the turns would reach it; never the key itself.
std::optional<std::string> provider_json(const providers::provider_registry& registry,
                                         const std::string& name,
                                         const std::string& credentials,
                                         http_response& failure) {
  auto p = registry.describe(name, providers::process_env, credentials);
  if (!p) {
    failure = error_response(p.error());
    return std::nullopt;
  }
  return "{\"name\":" + protocol::json_string(p->name)
         + ",\"type\":" + protocol::json_string(providers::to_string(p->type))
         + ",\"baseUrl\":" + protocol::json_string(p->base_url)
         + ",\"configured\":" + bool_text(p->ready)
         + ",\"source\":" + protocol::json_string(p->key_source)
         + ",\"fromConfig\":" + bool_text(p->from_config) + "}";
}

http_response providers_route(const http_context& ctx,
                              const http_request& req) {
  static const std::string prefix = "/api/providers/";
  std::lock_guard<std::mutex> guard{admin_mutex};
  providers::provider_registry registry{ctx.config->providers};
  http_response failure;
  std::string err;
  if (req.path == "/api/providers") {
    if (!is_get(req))
      return method_not_allowed(req, "GET");
    auto text = read_whole(credentials_path(ctx), "", err);
    if (!text)
      return http_error(500, err);
    std::vector<std::string> out;
    for (const auto& name : registry.names()) {
      auto json = provider_json(registry, name, *text, failure);
      if (!json)
        return failure;
      out.push_back(std::move(*json));
    }
    return http_json(200, protocol::json_array(out));
  }
  auto name = req.path.substr(prefix.size());
  if (req.method != "POST" && req.method != "DELETE")
    return method_not_allowed(req, "POST, DELETE");
  if (!registry.knows(name)) {
    std::string known;
    for (const auto& n : registry.names())
      known += (known.empty() ? "" : ", ") + n;
    return http_error(404, "Unknown provider: " + name + " (known: " + known + ")");
  }
  std::optional<http_response> r;
  if (req.method == "POST") {
    auto creds = protocol::decode_provider_credentials(req.body);
    if (!creds)
      return error_response(creds.error());
    r = edit_file(credentials_path(ctx), [&](std::string_view text) {
      return protocol::credentials_set(text, name, *creds);
    });
  } else {
    r = edit_file(credentials_path(ctx), [&](std::string_view text) {
      return protocol::credentials_remove(text, name);
    });
  }
  if (r)
    return *r;
  auto text = read_whole(credentials_path(ctx), "", err);
  if (!text)
    return http_error(500, err);
  auto json = provider_json(registry, name, *text, failure);
  if (!json)
    return failure;
  return http_json(200, *json);
}

// -- voice --------------------------------------------------------------------

/// The current voice object. Requires: admin_mutex held.
std::string& current_voice(const http_context& ctx) {
  auto& m = voice_by_config();
  auto it = m.find(ctx.config_path);
  if (it == m.end())
    it = m.emplace(ctx.config_path, ctx.config->voice_json).first;
  return it->second;
}

http_response voice_route(const http_context& ctx, const http_request& req) {
  if (req.path == "/api/voice/speak") {
    if (req.method != "POST")
      return method_not_allowed(req, "POST");
    return http_error(501, "server-side speech (elevenlabs) is not available "
                           "in this build; web_speech runs in the browser");
  }
  std::lock_guard<std::mutex> guard{admin_mutex};
  auto& voice = current_voice(ctx);
  if (is_get(req))
    return http_json(200, protocol::voice_public_json(voice));
  if (req.method != "PUT")
    return method_not_allowed(req, "GET, PUT");
  auto next = protocol::decode_voice(req.body, voice);
  if (!next)
    return error_response(next.error());
  if (auto r = edit_file(ctx.config_path, [&](std::string_view text) {
        return protocol::config_set_voice(text, *next);
      }))
    return *r;
  voice = *next;
  return http_json(200, protocol::voice_public_json(voice));
}

// -- files --------------------------------------------------------------------

/// The response for a refused or failed path check.
http_response refused(const fs_check& c, const std::string& path) {
  switch (c.verdict) {
    case fs_verdict::missing:
      return http_error(404, "Not found: " + path);
    case fs_verdict::invalid:
      return http_error(400, "Not a directory: " + path);
    case fs_verdict::exists:
      return http_error(409, "Already exists: " + path);
    default:
      return http_error(403, "path is outside the allowed roots");
  }
}

int64_t mtime_ms(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000
         + st.st_mtim.tv_nsec / 1'000'000;
}

http_response fs_roots(const http_context& ctx) {
  std::vector<std::string> roots;
  for (const auto& r : ctx.config->fs_roots)
    roots.push_back(protocol::json_string(r));
  return http_json(200, "{\"roots\":" + protocol::json_array(roots) + "}");
}

http_response fs_list(const fs_guard& guard, const http_request& req) {
  auto path = query_param(req, "path");
  auto dir = guard.check_dir(path);
  if (dir.verdict != fs_verdict::ok)
    return refused(dir, path);
  struct item {
    std::string name;
    bool is_dir;
    std::string json;
  };
  std::vector<item> items;
  std::error_code ec;
  for (fs::directory_iterator it{dir.path, ec}, end; !ec && it != end;
       it.increment(ec)) {
    auto name = it->path().filename().string();
    auto full = dir.path == "/" ? "/" + name : dir.path + "/" + name;
    struct stat st {};
    // Follows symlinks; broken links and special files are not listed.
    if (::stat(full.c_str(), &st) != 0
        || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)))
      continue;
    bool is_dir = S_ISDIR(st.st_mode);
    auto size = is_dir ? 0 : static_cast<int64_t>(st.st_size);
    items.push_back({name, is_dir,
                     "{\"name\":" + protocol::json_string(name)
                       + ",\"path\":" + protocol::json_string(full)
                       + ",\"type\":" + (is_dir ? "\"dir\"" : "\"file\"")
                       + ",\"size\":" + std::to_string(size)
                       + ",\"modifiedAt\":" + std::to_string(mtime_ms(st))
                       + "}"});
  }
  if (ec)
    return http_error(500, "cannot list " + dir.path + ": " + ec.message());
  std::sort(items.begin(), items.end(), [](const item& a, const item& b) {
    return a.is_dir != b.is_dir ? a.is_dir : a.name < b.name;
  });
  std::vector<std::string> entries;
  for (auto& i : items)
    entries.push_back(std::move(i.json));
  return http_json(200, "{\"path\":" + protocol::json_string(dir.path)
                          + ",\"entries\":" + protocol::json_array(entries)
                          + "}");
}

http_response fs_mkdir(const fs_guard& guard, const http_request& req) {
  auto path = protocol::decode_path_body(req.body);
  if (!path)
    return error_response(path.error());
  auto target = guard.resolve_new(*path);
  if (target.verdict != fs_verdict::ok)
    return refused(target, *path);
  if (::mkdir(target.path.c_str(), 0755) != 0)
    return errno == EEXIST
             ? http_error(409, "Already exists: " + *path)
             : http_error(500, "cannot create " + target.path + ": "
                                 + std::strerror(errno));
  return http_json(201, "{\"path\":" + protocol::json_string(target.path)
                          + "}");
}

http_response fs_file(const fs_guard& guard, const http_request& req) {
  auto path = query_param(req, "path");
  auto file = guard.resolve(path);
  if (file.verdict != fs_verdict::ok)
    return refused(file, path);
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return http_error(500, "cannot open " + file.path + ": "
                             + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return http_error(400, "Not a regular file: " + path);
  }
  if (static_cast<uint64_t>(st.st_size) > max_fs_file_bytes) {
    ::close(fd);
    return http_error(413, "File is larger than "
                             + std::to_string(max_fs_file_bytes) + " bytes");
  }
  std::string content;
  char buf[8192];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || content.size() + static_cast<size_t>(n) > max_fs_file_bytes)
      break;
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (n != 0)
    return n < 0 ? http_error(500, "cannot read " + file.path)
                 : http_error(413, "File is larger than "
                                     + std::to_string(max_fs_file_bytes)
                                     + " bytes");
  if (!is_text(content))
    return http_error(415, "Binary file (not UTF-8 text): " + path);
  return http_json(200, "{\"path\":" + protocol::json_string(file.path)
                          + ",\"content\":" + protocol::json_string(content)
                          + ",\"size\":" + std::to_string(content.size())
                          + "}");
}

http_response fs_route(const http_context& ctx, const http_request& req) {
  fs_guard guard{ctx.config->fs_roots};
  auto only = [&](const char* method) {
    bool ok = req.method == method
              || (std::string_view{method} == "GET" && is_get(req));
    return ok ? std::optional<http_response>{}
              : method_not_allowed(req, method);
  };
  if (req.path == "/api/fs/roots") {
    if (auto r = only("GET"))
      return *r;
    return fs_roots(ctx);
  }
  if (req.path == "/api/fs/list") {
    if (auto r = only("GET"))
      return *r;
    return fs_list(guard, req);
  }
  if (req.path == "/api/fs/mkdir") {
    if (auto r = only("POST"))
      return *r;
    return fs_mkdir(guard, req);
  }
  if (req.path == "/api/fs/file") {
    if (auto r = only("GET"))
      return *r;
    return fs_file(guard, req);
  }
  return http_error(404, "Not found: " + req.path);
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

bool handle_admin(const http_context& ctx, const http_request& req,
                  transport::http_responder& respond) {
  const auto& p = req.path;
  if (p == "/api/agents"
      || (starts_with(p, "/api/agents/") && p.size() > 12))
    respond(agents_route(ctx, req));
  else if (p == "/api/providers"
           || (starts_with(p, "/api/providers/") && p.size() > 15))
    respond(providers_route(ctx, req));
  else if (p == "/api/voice" || p == "/api/voice/speak")
    respond(voice_route(ctx, req));
  else if (starts_with(p, "/api/fs/"))
    respond(fs_route(ctx, req));
  else
    return false;
  return true;
}

std::string current_voice_json(const http_context& ctx) {
  std::lock_guard<std::mutex> guard{admin_mutex};
  return protocol::voice_public_json(current_voice(ctx));
}

std::string write_file_atomically(const std::string& path,
                                  std::string_view content) {
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  auto dir = fs::path{path}.parent_path();
  if (!dir.empty())
    fs::create_directories(dir, ec);
  if (ec)
    return "cannot create " + dir.string() + ": " + ec.message();
  auto tmp = path + ".tmp." + std::to_string(::getpid()) + "."
             + std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return "cannot create " + tmp + ": " + std::strerror(errno);
  auto fail = [&](const char* what) {
    std::string msg = std::string{what} + " " + tmp + ": "
                      + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return msg;
  };
  size_t done = 0;
  while (done < content.size()) {
    auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0)
    return fail("cannot sync");
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return "cannot close " + tmp + ": " + std::strerror(errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string msg = "cannot replace " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return msg;
  }
  return {};
}

} // namespace wingman::actors
