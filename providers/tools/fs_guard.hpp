// Confinement of the file routes (`/api/fs/*`, session workdirs) to the
// configured `gateway.fsRoots`, and of the agent's file tools to their
// working folder (see `confined_dir`). Plain classes with no CAF types,
// immutable after construction, so any thread may call them. Every answer is
// computed from the file system at call time (roots are resolved with
// `realpath` on each call, so a root created after startup works).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wingman::tools {

/// Outcome of a path check.
enum class fs_verdict {
  ok,       ///< Inside a root; `fs_check::path` is the resolved path.
  outside,  ///< Escapes the roots, or is empty / holds a NUL byte (403).
  missing,  ///< Would be inside a root but does not exist (404).
  invalid,  ///< Exists but has the wrong kind (a file where a folder is needed).
  exists,   ///< `resolve_new`: the target already exists.
};

/// A checked path.
struct fs_check {
  fs_verdict verdict = fs_verdict::outside;
  std::string path;  ///< Resolved (symlink-free, absolute) when `ok`.
};

/// Resolves user-supplied paths and decides whether they are inside one of
/// the roots. A relative path is taken relative to the first root. The
/// resolved path must equal a resolved root or lie under it, compared by
/// whole components (`/rootX` is not under `/root`).
class fs_guard {
 public:
  /// `roots` are absolute paths (already `~`-expanded); roots that do not
  /// exist contain nothing.
  explicit fs_guard(std::vector<std::string> roots);

  /// The configured roots, as given.
  const std::vector<std::string>& roots() const noexcept { return roots_; }

  /// Resolves an existing path (file or folder) with `realpath`.
  fs_check resolve(std::string_view path) const;

  /// Like `resolve`, and the path must be a folder (`invalid` otherwise).
  /// Used for session workdirs.
  fs_check check_dir(std::string_view path) const;

  /// For creating `path`: its parent must resolve inside a root (and be a
  /// folder), its final component must be a plain name (not empty, `.`,
  /// `..`), and the target must not exist yet (`exists`). On `ok`, `path`
  /// is the resolved parent joined with the final component.
  fs_check resolve_new(std::string_view path) const;

  /// True when `resolved` equals `root` or lies under it, component-wise.
  /// Both must be absolute and normalized.
  static bool is_within(std::string_view resolved, std::string_view root);

 private:
  /// `path` made absolute against the first root; empty when not possible.
  std::string absolute(std::string_view path) const;

  /// The resolved roots that exist right now.
  std::vector<std::string> resolved_roots() const;

  /// True when `resolved` lies inside one of the resolved roots.
  bool inside(const std::string& resolved) const;

  std::vector<std::string> roots_;
};

/// A folder that belongs to someone (an agent's workspace or agentDir).
struct owned_folder {
  std::string owner;  ///< E.g. the agent id.
  std::string path;   ///< Absolute; resolved with `realpath` when it exists.
};

/// The owner of the first folder in `owned` that overlaps `dir` (`dir` is
/// inside it, or it is inside `dir`), or "" when none does. `dir` is an
/// absolute, resolved path. Keeps one agent's session workdir out of another
/// agent's folders (per-agent isolation).
std::string overlapping_owner(std::string_view dir, const std::vector<owned_folder>& owned);

/// True when `data` looks like text: no NUL byte and valid UTF-8.
bool is_text(std::string_view data) noexcept;

/// Creates `dir` and its missing parents (mode 0700). Returns "" or an error
/// naming the folder that could not be created.
std::string make_dirs(const std::string& dir);

} // namespace wingman::tools
