// Resolution of model-supplied paths inside a tool call's working folder,
// walking one component at a time from an open descriptor of the folder
// (openat + O_NOFOLLOW), so neither `..`, an absolute path, nor a symlink
// (swapped in at any moment) can lead outside. Symlinks that stay inside
// are followed. Each object is used by one tool call on one thread.
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace wingman::tools {

/// An owned file descriptor, closed on destruction.
class unique_fd {
 public:
  unique_fd() = default;
  /// Takes ownership of `fd` (-1 for none).
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  ~unique_fd();
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  /// The descriptor, or -1.
  int get() const noexcept { return fd_; }
  /// True when a descriptor is held.
  explicit operator bool() const noexcept { return fd_ >= 0; }
  /// Gives up ownership.
  int release() noexcept;

 private:
  int fd_ = -1;
};

/// A resolved path: a folder inside the working folder plus a final name.
struct confined_path {
  /// The folder holding `name`, opened by the confined walk.
  unique_fd parent;
  /// The final component: a plain name that was not a symlink when checked
  /// (open it with `O_NOFOLLOW`), or `.` when the path names `parent` itself.
  std::string name;
  /// The path relative to the working folder (`.` for the folder itself),
  /// for messages.
  std::string rel;
  /// Whether `name` existed during resolution.
  bool exists = false;
  /// `fstatat(parent, name, AT_SYMLINK_NOFOLLOW)` when `exists`.
  struct stat st {};
};

/// The working folder of a tool call.
class confined_dir {
 public:
  /// Opens the absolute folder `root`, creating it (and its parents, mode
  /// 0700) when `create` is set and it is missing.
  static protocol::expected<confined_dir> open(const std::string& root,
                                               bool create);

  /// The folder's real path (symlinks in the root itself resolved).
  const std::string& root() const noexcept { return real_; }

  /// The open descriptor of the folder.
  int fd() const noexcept { return fd_.get(); }

  /// Resolves `path` (relative to the folder, or absolute and under it;
  /// empty means the folder itself). `..` and symlinks are resolved
  /// physically and may never leave the folder; symlinks (at most 40 hops)
  /// are followed when their target stays inside. A missing final component
  /// gives `exists == false`; missing intermediate folders are created
  /// (mode 0755) when `create_parents` is set, else are an error.
  /// Errors: `forbidden` "path escapes the working folder" (also for NUL
  /// bytes); `invalid_request` for a missing folder, a file used as a folder
  /// or a symlink loop; `internal` for other system errors.
  protocol::expected<confined_path> resolve(std::string_view path,
                                            bool create_parents = false) const;

  /// `path`'s components relative to the folder when it is absolute and
  /// under the folder (by its given or real path); false otherwise.
  bool relative_to_root(std::string_view path, std::string& rel) const;

 private:
  confined_dir(unique_fd fd, std::string given, std::string real)
    : fd_(std::move(fd)), given_(std::move(given)), real_(std::move(real)) {}

  unique_fd fd_;
  std::string given_;  ///< As passed to `open`, without trailing slashes.
  std::string real_;   ///< realpath of `given_`.
};

/// The "path escapes the working folder" error for `path`.
protocol::error escape_error(std::string_view path);

} // namespace wingman::tools
