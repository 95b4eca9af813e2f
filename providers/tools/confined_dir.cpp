#include "providers/tools/confined_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include "providers/tools/fs_guard.hpp"

namespace wingman::tools {

namespace {

using protocol::error;
using protocol::error_code;

/// Longest chain of symlinks followed in one resolution (as Linux).
constexpr int max_symlink_hops = 40;

error invalid(std::string message) {
  return error{error_code::invalid_request, std::move(message)};
}

error system_error(const std::string& what, const std::string& rel) {
  return error{error_code::internal,
               what + " " + rel + ": " + std::strerror(errno)};
}

/// The components of `path`, without empty ones and `.`.
std::deque<std::string> split(std::string_view path) {
  std::deque<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    auto part = path.substr(i, j - i);
    if (!part.empty() && part != ".")
      out.emplace_back(part);
    i = j + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& names,
                 const std::string& last) {
  std::string out;
  for (const auto& n : names)
    out += n + "/";
  out += last;
  if (out.empty())
    return ".";
  if (out.back() == '/')
    out.pop_back();
  return out;
}

std::string strip_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/')
    s.pop_back();
  return s;
}

} // namespace

// -- unique_fd ----------------------------------------------------------------

unique_fd::~unique_fd() {
  if (fd_ >= 0)
    ::close(fd_);
}

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

int unique_fd::release() noexcept {
  return std::exchange(fd_, -1);
}

// -- confined_dir -------------------------------------------------------------

error escape_error(std::string_view path) {
  std::string shown{path.substr(0, path.find('\0'))};
  return error{error_code::forbidden,
               "path escapes the working folder: " + shown};
}

protocol::expected<confined_dir> confined_dir::open(const std::string& root,
                                                    bool create) {
  if (root.empty() || root.front() != '/')
    return invalid("the working folder must be an absolute path: " + root);
  if (create)
    if (auto err = make_dirs(root); !err.empty())
      return error{error_code::internal, err};
  unique_fd fd{::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!fd)
    return system_error("cannot open the working folder", root);
  char buf[PATH_MAX];
  if (::realpath(root.c_str(), buf) == nullptr)
    return system_error("cannot resolve the working folder", root);
  return confined_dir{std::move(fd), strip_slashes(root), buf};
}

bool confined_dir::relative_to_root(std::string_view path,
                                    std::string& rel) const {
  for (const auto* root : {&given_, &real_}) {
    if (fs_guard::is_within(path, *root)) {
      rel = *root == "/" ? std::string{path.substr(1)}
                         : std::string{path.substr(root->size())};
      while (!rel.empty() && rel.front() == '/')
        rel.erase(0, 1);
      return true;
    }
  }
  return false;
}

protocol::expected<confined_path>
confined_dir::resolve(std::string_view path, bool create_parents) const {
  if (path.find('\0') != std::string_view::npos)
    return escape_error(path);
  std::string rel_in{path};
  if (!path.empty() && path.front() == '/' && !relative_to_root(path, rel_in))
    return escape_error(path);
  auto todo = split(rel_in);
  // Lexically above the folder: refused before touching the file system.
  long depth = 0;
  for (const auto& c : todo)
    if ((depth += c == ".." ? -1 : 1) < 0)
      return escape_error(path);
  // Folders below the root, opened in order; `..` pops one, so it can never
  // climb above the root (whatever the file system's `..` says).
  std::vector<unique_fd> stack;
  std::vector<std::string> names;
  int hops = 0;
  auto top = [&] { return stack.empty() ? fd_.get() : stack.back().get(); };
  while (!todo.empty()) {
    auto c = std::move(todo.front());
    todo.pop_front();
    if (c == "..") {
      if (stack.empty())
        return escape_error(path);
      stack.pop_back();
      names.pop_back();
      continue;
    }
    bool last = todo.empty();
    struct stat st {};
    if (::fstatat(top(), c.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT)
        return system_error("cannot inspect", join(names, c));
      if (last) {
        confined_path out;
        out.parent = unique_fd{::fcntl(top(), F_DUPFD_CLOEXEC, 0)};
        out.name = c;
        out.rel = join(names, c);
        return out;
      }
      if (!create_parents)
        return invalid("no such folder: " + join(names, c));
      if (::mkdirat(top(), c.c_str(), 0755) != 0 && errno != EEXIST)
        return system_error("cannot create folder", join(names, c));
    } else if (S_ISLNK(st.st_mode)) {
      if (++hops > max_symlink_hops)
        return invalid("too many levels of symbolic links: "
                       + std::string{path});
      char buf[PATH_MAX];
      auto n = ::readlinkat(top(), c.c_str(), buf, sizeof buf);
      if (n < 0)
        return system_error("cannot read link", join(names, c));
      std::string target{buf, static_cast<size_t>(n)};
      std::string target_rel = target;
      if (!target.empty() && target.front() == '/') {
        if (!relative_to_root(target, target_rel))
          return escape_error(path);
        stack.clear();
        names.clear();
      }
      auto parts = split(target_rel);
      todo.insert(todo.begin(), parts.begin(), parts.end());
      continue;
    } else if (last) {
      confined_path out;
      out.parent = unique_fd{::fcntl(top(), F_DUPFD_CLOEXEC, 0)};
      out.name = c;
      out.rel = join(names, c);
      out.exists = true;
      out.st = st;
      return out;
    } else if (!S_ISDIR(st.st_mode)) {
      return invalid("not a folder: " + join(names, c));
    }
    unique_fd next{::openat(top(), c.c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
    if (!next)
      return errno == ELOOP || errno == ENOTDIR
               ? invalid("path changed while being resolved: "
                         + join(names, c))
               : system_error("cannot open folder", join(names, c));
    stack.push_back(std::move(next));
    names.push_back(std::move(c));
  }
  // The path names a folder reached by the walk itself.
  confined_path out;
  out.parent = unique_fd{::fcntl(top(), F_DUPFD_CLOEXEC, 0)};
  out.name = ".";
  out.rel = join(names, "");
  out.exists = true;
  if (::fstat(out.parent.get(), &out.st) != 0)
    return system_error("cannot inspect", out.rel);
  return out;
}

} // namespace wingman::tools
