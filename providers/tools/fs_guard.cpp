#include "providers/tools/fs_guard.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <utility>

#include <sys/stat.h>

namespace wingman::tools {

namespace {

/// `realpath(path)`, or "" with `errno` set.
std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr)
    return {};
  return std::string{buf};
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

/// Splits `/a/b/c` into its parent `/a/b` and final component `c`, ignoring
/// trailing slashes. The parent of `/c` is `/`.
std::pair<std::string, std::string> split_last(std::string path) {
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return {std::string{}, path};
  auto parent = slash == 0 ? std::string{"/"} : path.substr(0, slash);
  return {parent, path.substr(slash + 1)};
}

} // namespace

fs_guard::fs_guard(std::vector<std::string> roots) : roots_(std::move(roots)) {
  // Nothing else: roots are resolved on each call.
}

bool fs_guard::is_within(std::string_view resolved, std::string_view root) {
  if (root.empty() || resolved.empty())
    return false;
  if (root == "/")
    return resolved.front() == '/';
  if (resolved.size() < root.size() || resolved.substr(0, root.size()) != root)
    return false;
  return resolved.size() == root.size() || resolved[root.size()] == '/';
}

std::string overlapping_owner(std::string_view dir, const std::vector<owned_folder>& owned) {
  for (const auto& f : owned) {
    std::string path = f.path;
    if (char* real = ::realpath(f.path.c_str(), nullptr)) {
      path = real;
      std::free(real);
    }
    if (fs_guard::is_within(dir, path) || fs_guard::is_within(path, dir))
      return f.owner;
  }
  return {};
}

std::string fs_guard::absolute(std::string_view path) const {
  if (!path.empty() && path.front() == '/')
    return std::string{path};
  if (roots_.empty())
    return {};
  return roots_.front() + "/" + std::string{path};
}

std::vector<std::string> fs_guard::resolved_roots() const {
  std::vector<std::string> out;
  for (const auto& root : roots_)
    if (auto r = real_path(root); !r.empty())
      out.push_back(std::move(r));
  return out;
}

bool fs_guard::inside(const std::string& resolved) const {
  for (const auto& root : resolved_roots())
    if (is_within(resolved, root))
      return true;
  return false;
}

fs_check fs_guard::resolve(std::string_view path) const {
  if (path.empty() || has_nul(path))
    return {fs_verdict::outside, {}};
  auto abs = absolute(path);
  if (abs.empty())
    return {fs_verdict::outside, {}};
  if (auto r = real_path(abs); !r.empty())
    return inside(r) ? fs_check{fs_verdict::ok, r}
                     : fs_check{fs_verdict::outside, {}};
  if (errno != ENOENT && errno != ENOTDIR)
    return {fs_verdict::outside, {}};
  // Missing: 404 only when the deepest existing ancestor is inside a root
  // and the rest cannot climb out again; anything else is 403, so a
  // missing path never reveals what exists outside.
  auto [parent, last] = split_last(abs);
  std::string tail = last;
  while (!parent.empty()) {
    if (tail == ".." || tail.rfind("../", 0) == 0
        || tail.find("/../") != std::string::npos
        || (tail.size() >= 3 && tail.compare(tail.size() - 3, 3, "/..") == 0))
      return {fs_verdict::outside, {}};
    if (auto r = real_path(parent); !r.empty())
      return inside(r) ? fs_check{fs_verdict::missing, {}}
                       : fs_check{fs_verdict::outside, {}};
    if (parent == "/")
      break;
    auto [up, name] = split_last(parent);
    tail = name + "/" + tail;
    parent = up;
  }
  return {fs_verdict::outside, {}};
}

fs_check fs_guard::check_dir(std::string_view path) const {
  auto res = resolve(path);
  if (res.verdict == fs_verdict::ok && !is_dir(res.path))
    return {fs_verdict::invalid, {}};
  return res;
}

fs_check fs_guard::resolve_new(std::string_view path) const {
  if (path.empty() || has_nul(path))
    return {fs_verdict::outside, {}};
  auto abs = absolute(path);
  if (abs.empty())
    return {fs_verdict::outside, {}};
  auto [parent, name] = split_last(abs);
  if (name.empty() || name == "." || name == ".." || parent.empty())
    return {fs_verdict::outside, {}};
  auto dir = check_dir(parent);
  if (dir.verdict != fs_verdict::ok)
    return dir;
  auto target = dir.path == "/" ? "/" + name : dir.path + "/" + name;
  struct stat st {};
  if (::lstat(target.c_str(), &st) == 0)
    return {fs_verdict::exists, target};
  return {fs_verdict::ok, target};
}

bool is_text(std::string_view data) noexcept {
  size_t i = 0;
  while (i < data.size()) {
    auto c = static_cast<unsigned char>(data[i]);
    if (c == 0)
      return false;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
                 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > data.size())
      return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(data[i + k]) & 0xC0) != 0x80)
        return false;
    i += len;
  }
  return true;
}

std::string make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      auto part = dir.substr(0, i);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
        return "cannot create " + part + ": " + std::strerror(errno);
    }
  }
  return {};
}

} // namespace wingman::tools
