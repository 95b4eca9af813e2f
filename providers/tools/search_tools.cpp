#include "providers/tools/search_tools.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <vector>

#include "providers/tools/confined_dir.hpp"
#include "providers/tools/file_tools.hpp"

namespace wingman::tools {

namespace {

/// Lines are searched up to this many bytes: std::regex recurses per
/// character, so unbounded lines could exhaust the stack.
constexpr size_t max_search_line_bytes = 4096;

// -- glob matching ------------------------------------------------------------

/// Matches one bracket expression at `p[i]` (`[`) against `c`. Sets `next`
/// to the index after `]`; false with `next == npos` when unterminated.
bool match_class(std::string_view p, size_t i, char c, size_t& next) {
  size_t j = i + 1;
  bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
  if (negate)
    ++j;
  bool hit = false;
  bool first = true;
  while (j < p.size() && (p[j] != ']' || first)) {
    first = false;
    char lo = p[j];
    if (lo == '\\' && j + 1 < p.size())
      lo = p[++j];
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      hi = p[j + 2];
      j += 2;
    }
    if (lo <= c && c <= hi)
      hit = true;
    ++j;
  }
  if (j >= p.size()) {
    next = std::string_view::npos;
    return false;
  }
  next = j + 1;
  return hit != negate;
}

/// Matches one path component against one pattern component.
bool match_component(std::string_view p, std::string_view s) {
  size_t pi = 0;
  size_t si = 0;
  size_t star_p = std::string_view::npos;
  size_t star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_p = pi++;
      star_s = si;
      continue;
    }
    if (pi < p.size()) {
      size_t next = pi + 1;
      bool ok = false;
      if (p[pi] == '?') {
        ok = true;
      } else if (p[pi] == '[') {
        ok = match_class(p, pi, s[si], next);
        if (next == std::string_view::npos) {  // unterminated: literal `[`
          ok = s[si] == '[';
          next = pi + 1;
        }
      } else if (p[pi] == '\\' && pi + 1 < p.size()) {
        ok = p[pi + 1] == s[si];
        next = pi + 2;
      } else {
        ok = p[pi] == s[si];
      }
      if (ok) {
        pi = next;
        ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos)
      return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*')
    ++pi;
  return pi == p.size();
}

std::vector<std::string_view> components(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= s.size()) {
    auto j = s.find('/', i);
    if (j == std::string_view::npos)
      j = s.size();
    if (j > i)
      out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool match_parts(const std::vector<std::string_view>& p, size_t pi,
                 const std::vector<std::string_view>& s, size_t si) {
  while (pi < p.size()) {
    if (p[pi] == "**") {
      for (size_t k = si; k <= s.size(); ++k)
        if (match_parts(p, pi + 1, s, k))
          return true;
      return false;
    }
    if (si == s.size() || !match_component(p[pi], s[si]))
      return false;
    ++pi;
    ++si;
  }
  return si == s.size();
}

// -- walking ------------------------------------------------------------------

/// One entry met by `walk`.
struct walk_entry {
  std::string rel;  ///< Relative to the walk's start folder.
  int dirfd;        ///< The folder holding it (valid during the callback).
  std::string name;
  struct stat st;   ///< lstat of the entry.
};

/// Deepest folder level a walk enters (each level holds a descriptor).
constexpr size_t max_walk_depth = 64;

/// State of one walk.
struct walker {
  size_t max_entries;
  size_t max_depth;
  const cancel_flag& cancel;
  const std::function<bool(const walk_entry&)>& visit;
  size_t seen = 0;
  bool cut = false;   ///< Stopped by the entry cap or cancel.
  bool done = false;  ///< Stopped by `visit`.

  /// Visits the folder `fd` (shown as `rel`) at `depth`, in name order,
  /// entering each subfolder right after its own entry.
  void run(int fd, const std::string& rel, size_t depth) {
    int own = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = own < 0 ? nullptr : ::fdopendir(own);
    if (dir == nullptr) {
      if (own >= 0)
        ::close(own);
      return;
    }
    std::vector<std::string> names;
    while (auto* de = ::readdir(dir)) {
      std::string n = de->d_name;
      if (n != "." && n != "..")
        names.push_back(std::move(n));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
      if (cut || done)
        return;
      if (cancel.cancelled() || ++seen > max_entries) {
        cut = true;
        return;
      }
      walk_entry e{rel.empty() ? n : rel + "/" + n, fd, n, {}};
      if (::fstatat(fd, n.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (!visit(e)) {
        done = true;
        return;
      }
      if (S_ISDIR(e.st.st_mode) && depth < max_depth) {
        unique_fd sub{::openat(fd, n.c_str(),
                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW
                                 | O_CLOEXEC)};
        if (sub)
          run(sub.get(), e.rel, depth + 1);
      }
    }
  }
};

/// Walks the folder `start` depth-first in name order (a folder's entries
/// right after it), calling `visit` for every entry, up to `max_entries`
/// (`visit` returns false to stop). Symlinks are reported, never followed;
/// folders deeper than `max_depth` (at most 64) are not entered. Returns
/// false when the entry cap or `cancel` cut the walk short.
bool walk(int start, size_t max_entries, size_t max_depth,
          const cancel_flag& cancel,
          const std::function<bool(const walk_entry&)>& visit) {
  walker w{max_entries, std::min(max_depth, max_walk_depth), cancel, visit};
  w.run(start, "", 1);
  return !w.cut;
}

/// `base` (relative to the working folder, `.` for itself) joined with
/// `rel` (relative to `base`).
std::string display(const std::string& base, const std::string& rel) {
  return base == "." ? rel : base + "/" + rel;
}

/// Resolves the optional `path` argument to an existing folder (or, when
/// `allow_file`, a file) in the working folder.
protocol::expected<confined_path>
resolve_start(const tool_args& args, const tool_context& ctx,
              std::optional<confined_dir>& root) {
  using protocol::error;
  using protocol::error_code;
  auto path = args.opt_string("path");
  if (!path)
    return path.error();
  auto r = confined_dir::open(ctx.working_dir, true);
  if (!r)
    return r.error();
  root.emplace(std::move(*r));
  auto p = root->resolve(path->value_or(""));
  if (!p)
    return p.error();
  if (!p->exists)
    return error{error_code::invalid_request, "no such file or folder: "
                                                + p->rel};
  return p;
}

/// Opens `p` as a folder.
unique_fd open_dir(const confined_path& p) {
  return unique_fd{::openat(p.parent.get(), p.name.c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
}

// -- glob ---------------------------------------------------------------------

tool_result run_glob(const tool_args& args, const tool_context& ctx,
                     const cancel_flag& cancel) {
  auto pattern = args.get_string("pattern");
  if (!pattern)
    return tool_error(pattern.error().message);
  if (pattern->empty() || pattern->size() > ctx.limits.max_pattern_bytes)
    return tool_error("pattern must be 1 to "
                      + std::to_string(ctx.limits.max_pattern_bytes)
                      + " bytes");
  if (pattern->front() == '/')
    return tool_error("pattern must be relative (to path, or to the working "
                      "folder)");
  std::optional<confined_dir> root;
  auto start = resolve_start(args, ctx, root);
  if (!start)
    return tool_error(start.error().message);
  if (!S_ISDIR(start->st.st_mode))
    return tool_error(start->rel + " is not a folder");
  auto dir = open_dir(*start);
  if (!dir)
    return tool_error("cannot open " + start->rel);
  auto parts = components(*pattern);
  bool deep = std::find(parts.begin(), parts.end(), "**") != parts.end();
  std::vector<std::string> hits;
  bool complete = walk(dir.get(), ctx.limits.walk_max_entries,
                       deep ? SIZE_MAX : parts.size(), cancel,
                       [&](const walk_entry& e) {
                         if (match_parts(parts, 0, components(e.rel), 0))
                           hits.push_back(display(start->rel, e.rel)
                                          + (S_ISDIR(e.st.st_mode) ? "/"
                                                                   : ""));
                         return true;
                       });
  if (cancel.cancelled())
    return tool_error("cancelled");
  std::sort(hits.begin(), hits.end());
  tool_result r;
  auto cap = ctx.limits.glob_max_results;
  for (size_t i = 0; i < hits.size() && i < cap; ++i)
    r.content += hits[i] + "\n";
  if (hits.size() > cap)
    r.content += "… " + std::to_string(hits.size() - cap) + " more\n";
  if (hits.empty())
    r.content = "no matches\n";
  if (!complete)
    r.content += "[search stopped after "
                 + std::to_string(ctx.limits.walk_max_entries)
                 + " entries; narrow the path]\n";
  r.summary = std::to_string(hits.size()) + " paths match " + *pattern;
  return r;
}

// -- grep ---------------------------------------------------------------------

/// State of one grep call.
struct grep_run {
  const tool_limits& limits;
  std::function<bool(std::string_view)> matches;
  std::string out;
  size_t count = 0;
  size_t files = 0;
  bool full = false;  ///< A cap was reached.

  /// Searches the regular file `name` in `dirfd`, shown as `shown`.
  void search(int dirfd, const std::string& name, const std::string& shown,
              const struct stat& st) {
    if (full || !S_ISREG(st.st_mode)
        || static_cast<size_t>(st.st_size) > limits.grep_max_file_bytes)
      return;
    unique_fd fd{::openat(dirfd, name.c_str(),
                          O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)};
    if (!fd)
      return;
    std::string text;
    char buf[65536];
    while (text.size() <= limits.grep_max_file_bytes) {
      auto n = ::read(fd.get(), buf, sizeof buf);
      if (n <= 0)
        break;
      text.append(buf, static_cast<size_t>(n));
    }
    if (text.size() > limits.grep_max_file_bytes || looks_binary(text))
      return;
    bool any = false;
    size_t line_no = 1;
    for (size_t pos = 0; pos < text.size() && !full; ++line_no) {
      auto nl = text.find('\n', pos);
      auto end = nl == std::string::npos ? text.size() : nl;
      std::string_view line{text.data() + pos, end - pos};
      pos = end + 1;
      if (!matches(line.substr(0, max_search_line_bytes)))
        continue;
      any = true;
      auto entry = shown + ":" + std::to_string(line_no) + ": "
                   + std::string{line.substr(0, limits.grep_max_line_bytes)}
                   + (line.size() > limits.grep_max_line_bytes ? " …" : "")
                   + "\n";
      if (count == limits.grep_max_matches
          || out.size() + entry.size() > limits.grep_max_output_bytes) {
        full = true;
        break;
      }
      out += entry;
      ++count;
    }
    files += any ? 1 : 0;
  }
};

tool_result run_grep(const tool_args& args, const tool_context& ctx,
                     const cancel_flag& cancel) {
  auto pattern = args.get_string("pattern");
  if (!pattern)
    return tool_error(pattern.error().message);
  auto glob = args.opt_string("glob");
  if (!glob)
    return tool_error(glob.error().message);
  auto icase = args.opt_bool("ignore_case");
  if (!icase)
    return tool_error(icase.error().message);
  auto literal = args.opt_bool("literal");
  if (!literal)
    return tool_error(literal.error().message);
  if (pattern->empty() || pattern->size() > ctx.limits.max_pattern_bytes)
    return tool_error("pattern must be 1 to "
                      + std::to_string(ctx.limits.max_pattern_bytes)
                      + " bytes");
  grep_run run{ctx.limits, {}, {}, 0, 0, false};
  bool ic = icase->value_or(false);
  if (literal->value_or(false)) {
    auto needle = *pattern;
    auto lower = [](std::string_view s) {
      std::string out{s};
      for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return out;
    };
    if (ic)
      needle = lower(needle);
    run.matches = [needle, ic, lower](std::string_view line) {
      return ic ? lower(line).find(needle) != std::string::npos
                : line.find(needle) != std::string_view::npos;
    };
  } else {
    auto flags = std::regex::ECMAScript | std::regex::optimize;
    if (ic)
      flags |= std::regex::icase;
    std::shared_ptr<std::regex> re;
    try {
      re = std::make_shared<std::regex>(*pattern, flags);
    } catch (const std::regex_error& e) {
      return tool_error("invalid regular expression: " + std::string{e.what()}
                        + " (set literal to true to search for plain text)");
    }
    run.matches = [re](std::string_view line) {
      try {
        return std::regex_search(line.begin(), line.end(), *re);
      } catch (const std::regex_error&) {
        return false;  // too complex for this line: treated as no match
      }
    };
  }
  std::optional<confined_dir> root;
  auto start = resolve_start(args, ctx, root);
  if (!start)
    return tool_error(start.error().message);
  bool complete = true;
  if (S_ISDIR(start->st.st_mode)) {
    auto dir = open_dir(*start);
    if (!dir)
      return tool_error("cannot open " + start->rel);
    complete = walk(dir.get(), ctx.limits.walk_max_entries, SIZE_MAX, cancel,
                    [&](const walk_entry& e) {
                      const auto& g = *glob;
                      bool by_path = g && g->find('/') != std::string::npos;
                      if (!g || glob_match(*g, by_path ? e.rel : e.name))
                        run.search(e.dirfd, e.name,
                                   display(start->rel, e.rel), e.st);
                      return !run.full;
                    });
  } else {
    run.search(start->parent.get(), start->name, start->rel, start->st);
  }
  if (cancel.cancelled())
    return tool_error("cancelled");
  tool_result r;
  r.content = run.count == 0 ? std::string{"no matches\n"} : run.out;
  if (run.full)
    r.content += "[stopped after " + std::to_string(run.count)
                 + " matches; narrow the pattern, path or glob]\n";
  if (!complete)
    r.content += "[search stopped after "
                 + std::to_string(ctx.limits.walk_max_entries)
                 + " entries; narrow the path]\n";
  r.summary = std::to_string(run.count) + " matches in "
              + std::to_string(run.files) + " files";
  return r;
}

} // namespace

bool glob_match(std::string_view pattern, std::string_view path) noexcept {
  return match_parts(components(pattern), 0, components(path), 0);
}

void add_search_tools(tool_registry& reg) {
  reg.add({"glob",
           "Find files and folders whose path matches a glob pattern: * and ? "
           "within one path component, [a-z] classes, ** for any number of "
           "folders (e.g. src/**/*.cpp). Paths are relative to the working "
           "folder, sorted; folders end in /. Symlinked folders are not "
           "entered.",
           R"({"type":"object","properties":{"pattern":{"type":"string","description":"Glob pattern, relative to path."},"path":{"type":"string","description":"Folder to search (default: the working folder)."}},"required":["pattern"],"additionalProperties":false})"},
          run_glob);
  reg.add({"grep",
           "Search file contents with an ECMAScript regular expression (or "
           "plain text with literal: true). Results are file:line: text. "
           "Binary and very large files are skipped.",
           R"({"type":"object","properties":{"pattern":{"type":"string","description":"Regular expression (ECMAScript) or, with literal, plain text."},"path":{"type":"string","description":"File or folder to search (default: the working folder)."},"glob":{"type":"string","description":"Only files whose name (or, if it contains /, relative path) matches this glob, e.g. *.cpp."},"ignore_case":{"type":"boolean","description":"Case-insensitive (default false)."},"literal":{"type":"boolean","description":"Treat pattern as plain text (default false)."}},"required":["pattern"],"additionalProperties":false})"},
          run_grep);
}

} // namespace wingman::tools
