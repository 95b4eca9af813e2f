#include "providers/tools/file_tools.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <random>
#include <vector>

#include "providers/tools/confined_dir.hpp"

namespace wingman::tools {

namespace {

constexpr size_t binary_probe_bytes = 8192;

std::string errno_text() {
  return std::strerror(errno);
}

/// Opens the working folder of `ctx` (created when missing).
protocol::expected<confined_dir> open_root(const tool_context& ctx) {
  return confined_dir::open(ctx.working_dir, true);
}

/// Opens the regular file `p` for reading, never through a symlink.
protocol::expected<unique_fd> open_regular(const confined_path& p) {
  using protocol::error;
  using protocol::error_code;
  if (!p.exists)
    return error{error_code::invalid_request, "no such file: " + p.rel};
  if (S_ISDIR(p.st.st_mode))
    return error{error_code::invalid_request,
                 p.rel + " is a folder; use ls to list it"};
  if (!S_ISREG(p.st.st_mode))
    return error{error_code::invalid_request, p.rel + " is not a regular file"};
  unique_fd fd{::openat(p.parent.get(), p.name.c_str(),
                        O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)};
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0)
    return error{error_code::internal,
                 "cannot open " + p.rel + ": " + errno_text()};
  if (!S_ISREG(st.st_mode))  // swapped after the check
    return error{error_code::invalid_request, p.rel + " is not a regular file"};
  return fd;
}

/// Reads up to `max` bytes from `fd` at its current position.
std::string read_up_to(int fd, size_t max) {
  std::string out;
  char buf[65536];
  while (out.size() < max) {
    auto n = ::read(fd, buf, std::min(sizeof buf, max - out.size()));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

/// Writes `data` to `name` in `dirfd` through a temporary file and a
/// rename, so readers see the old or the new content, never a mix. A
/// symlink at `name` (swapped in after the check) is replaced, not
/// followed. Returns "" or an error.
std::string write_atomic(int dirfd, const std::string& name,
                         std::string_view data, mode_t mode) {
  std::random_device rd;
  unique_fd fd;
  std::string tmp;
  for (int i = 0; i < 16 && !fd; ++i) {
    tmp = "." + name.substr(0, 200) + ".tmp-" + std::to_string(rd());
    fd = unique_fd{::openat(dirfd, tmp.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                              | O_CLOEXEC,
                            mode)};
    if (!fd && errno != EEXIST)
      return "cannot create a temporary file: " + errno_text();
  }
  if (!fd)
    return "cannot create a temporary file: " + errno_text();
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = "cannot write: " + errno_text();
      ::unlinkat(dirfd, tmp.c_str(), 0);
      return err;
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd.get(), mode);
  if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
    auto err = "cannot replace the file: " + errno_text();
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return err;
  }
  return {};
}

std::string plural(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// -- ls -----------------------------------------------------------------------

tool_result run_ls(const tool_args& args, const tool_context& ctx,
                   const cancel_flag&) {
  auto path = args.opt_string("path");
  if (!path)
    return tool_error(path.error().message);
  auto root = open_root(ctx);
  if (!root)
    return tool_error(root.error().message);
  auto p = root->resolve(path->value_or(""));
  if (!p)
    return tool_error(p.error().message);
  if (!p->exists)
    return tool_error("no such folder: " + p->rel);
  if (!S_ISDIR(p->st.st_mode))
    return tool_error(p->rel + " is not a folder; use read_file to read it");
  int dfd = ::openat(p->parent.get(), p->name.c_str(),
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return tool_error("cannot open " + p->rel + ": " + errno_text());
  DIR* dir = ::fdopendir(dfd);
  if (dir == nullptr) {
    ::close(dfd);
    return tool_error("cannot list " + p->rel + ": " + errno_text());
  }
  struct entry {
    std::string name;
    std::string line;
  };
  std::vector<entry> entries;
  while (auto* de = ::readdir(dir)) {
    std::string name = de->d_name;
    if (name == "." || name == "..")
      continue;
    struct stat st {};
    std::string line;
    if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      line = "?  " + name;
    else if (S_ISDIR(st.st_mode))
      line = "d  " + name + "/";
    else if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX];
      auto n = ::readlinkat(dfd, name.c_str(), buf, sizeof buf);
      line = "l  " + name + " -> "
             + (n < 0 ? std::string{"?"}
                      : std::string{buf, static_cast<size_t>(n)});
    } else if (S_ISREG(st.st_mode))
      line = "f  " + name + "  " + std::to_string(st.st_size) + " bytes";
    else
      line = "o  " + name;
    entries.push_back({std::move(name), std::move(line)});
  }
  ::closedir(dir);
  std::sort(entries.begin(), entries.end(),
            [](const entry& a, const entry& b) { return a.name < b.name; });
  tool_result r;
  auto cap = ctx.limits.ls_max_entries;
  for (size_t i = 0; i < entries.size() && i < cap; ++i)
    r.content += entries[i].line + "\n";
  if (entries.size() > cap)
    r.content += "… " + std::to_string(entries.size() - cap) + " more\n";
  if (entries.empty())
    r.content = "(empty folder)\n";
  r.summary = "listed " + std::to_string(entries.size())
              + (entries.size() == 1 ? " entry in " : " entries in ") + p->rel;
  return r;
}

// -- read_file ----------------------------------------------------------------

tool_result run_read(const tool_args& args, const tool_context& ctx,
                     const cancel_flag&) {
  auto path = args.get_string("path");
  if (!path)
    return tool_error(path.error().message);
  auto offset = args.opt_int("offset");
  if (!offset)
    return tool_error(offset.error().message);
  auto limit = args.opt_int("limit");
  if (!limit)
    return tool_error(limit.error().message);
  if (offset->value_or(1) < 1)
    return tool_error("argument \"offset\" must be 1 or more (a line number)");
  if (limit->value_or(1) < 1)
    return tool_error("argument \"limit\" must be 1 or more (lines)");
  auto root = open_root(ctx);
  if (!root)
    return tool_error(root.error().message);
  auto p = root->resolve(*path);
  if (!p)
    return tool_error(p.error().message);
  auto fd = open_regular(*p);
  if (!fd)
    return tool_error(fd.error().message);
  auto first = static_cast<size_t>(offset->value_or(1));
  auto max_lines = limit->has_value() ? static_cast<size_t>(**limit)
                                      : SIZE_MAX;
  auto cap = ctx.limits.read_max_bytes;
  std::string block = read_up_to(fd->get(), binary_probe_bytes);
  if (looks_binary(block))
    return tool_error(p->rel + " is a binary file; read_file shows text only");
  // Streams the file block by block; lines before `first` are counted but
  // not kept, so memory stays bounded by the cap.
  tool_result r;
  size_t line_no = 1;  // number of the line being read
  size_t shown_lines = 0;
  size_t shown_bytes = 0;
  std::string line;
  bool partial = false;  // some bytes of line `line_no` were seen
  std::string note;
  auto show = [&]() {  // false: stop reading
    if (line_no < first)
      return true;
    if (shown_lines == max_lines) {
      note = "[more lines follow; continue with offset="
             + std::to_string(line_no) + "]";
      return false;
    }
    if (shown_bytes + line.size() > cap) {
      if (shown_lines == 0) {  // one line over the cap: show its head
        r.content += std::to_string(line_no) + "\t" + line.substr(0, cap)
                     + "\n";
        ++shown_lines;
        ++line_no;
      }
      note = "[truncated at " + std::to_string(cap)
             + " bytes; continue with offset=" + std::to_string(line_no) + "]";
      return false;
    }
    r.content += std::to_string(line_no) + "\t" + line + "\n";
    shown_bytes += line.size() + 1;
    ++shown_lines;
    return true;
  };
  bool go = true;
  size_t pos = 0;
  while (go && !block.empty()) {
    auto nl = block.find('\n', pos);
    auto end = nl == std::string::npos ? block.size() : nl;
    if (line_no >= first)
      line.append(block, pos, std::min(end - pos, cap + 1 - line.size()));
    partial = partial || end > pos;
    if (nl == std::string::npos) {
      block = read_up_to(fd->get(), 65536);
      pos = 0;
      continue;
    }
    pos = nl + 1;
    go = show();
    if (go) {
      ++line_no;
      line.clear();
      partial = false;
    }
  }
  if (go && partial && show())
    ++line_no;
  if (!note.empty())
    r.content += note + "\n";
  else if (shown_lines == 0)
    r.content = line_no == 1 ? "(empty file)\n"
                             : "(no lines at offset " + std::to_string(first)
                                 + "; the file has "
                                 + plural(line_no - 1, "line") + ")\n";
  r.summary = "read " + plural(shown_lines, "line") + " of " + p->rel;
  return r;
}

// -- write_file ---------------------------------------------------------------

tool_result run_write(const tool_args& args, const tool_context& ctx,
                      const cancel_flag&) {
  auto path = args.get_string("path");
  if (!path)
    return tool_error(path.error().message);
  auto content = args.get_string("content");
  if (!content)
    return tool_error(content.error().message);
  if (content->size() > ctx.limits.write_max_bytes)
    return tool_error("content is " + std::to_string(content->size())
                      + " bytes, over the limit of "
                      + std::to_string(ctx.limits.write_max_bytes));
  auto root = open_root(ctx);
  if (!root)
    return tool_error(root.error().message);
  auto p = root->resolve(*path, true);
  if (!p)
    return tool_error(p.error().message);
  if (p->exists && S_ISDIR(p->st.st_mode))
    return tool_error(p->rel + " is a folder");
  if (p->exists && !S_ISREG(p->st.st_mode))
    return tool_error(p->rel + " is not a regular file");
  mode_t mode = p->exists ? (p->st.st_mode & 07777) : 0644;
  if (auto err = write_atomic(p->parent.get(), p->name, *content, mode);
      !err.empty())
    return tool_error(p->rel + ": " + err);
  tool_result r;
  r.summary = std::string{p->exists ? "overwrote " : "created "} + p->rel;
  r.content = "wrote " + plural(content->size(), "byte") + " to " + p->rel;
  return r;
}

// -- edit_file ----------------------------------------------------------------

tool_result run_edit(const tool_args& args, const tool_context& ctx,
                     const cancel_flag&) {
  auto path = args.get_string("path");
  if (!path)
    return tool_error(path.error().message);
  auto old_s = args.get_string("old_string");
  if (!old_s)
    return tool_error(old_s.error().message);
  auto new_s = args.get_string("new_string");
  if (!new_s)
    return tool_error(new_s.error().message);
  auto all = args.opt_bool("replace_all");
  if (!all)
    return tool_error(all.error().message);
  if (old_s->empty())
    return tool_error("old_string must not be empty; use write_file to "
                      "create or replace a whole file");
  if (*old_s == *new_s)
    return tool_error("old_string and new_string are the same");
  auto root = open_root(ctx);
  if (!root)
    return tool_error(root.error().message);
  auto p = root->resolve(*path);
  if (!p)
    return tool_error(p.error().message);
  auto fd = open_regular(*p);
  if (!fd)
    return tool_error(fd.error().message);
  auto cap = ctx.limits.write_max_bytes;
  if (static_cast<size_t>(p->st.st_size) > cap)
    return tool_error(p->rel + " is over the edit limit of "
                      + std::to_string(cap) + " bytes");
  auto text = read_up_to(fd->get(), cap + 1);
  if (looks_binary(text))
    return tool_error(p->rel + " is a binary file; edit_file edits text only");
  std::vector<size_t> hits;
  for (auto i = text.find(*old_s); i != std::string::npos;
       i = text.find(*old_s, i + old_s->size()))
    hits.push_back(i);
  if (hits.empty())
    return tool_error("old_string was not found in " + p->rel
                      + "; it must match the file exactly, including "
                        "whitespace and indentation");
  if (hits.size() > 1 && !all->value_or(false))
    return tool_error("old_string occurs " + std::to_string(hits.size())
                      + " times in " + p->rel
                      + "; include more surrounding text to make it unique, "
                        "or set replace_all to true");
  std::string out;
  out.reserve(text.size() + hits.size() * new_s->size());
  size_t from = 0;
  for (auto h : hits) {
    out.append(text, from, h - from);
    out += *new_s;
    from = h + old_s->size();
  }
  out.append(text, from, std::string::npos);
  if (out.size() > cap)
    return tool_error("the edited file would be " + std::to_string(out.size())
                      + " bytes, over the limit of " + std::to_string(cap));
  if (auto err = write_atomic(p->parent.get(), p->name, out,
                              p->st.st_mode & 07777);
      !err.empty())
    return tool_error(p->rel + ": " + err);
  tool_result r;
  r.content = "replaced " + plural(hits.size(), "occurrence") + " in "
              + p->rel;
  r.summary = "edited " + p->rel;
  return r;
}

} // namespace

bool looks_binary(std::string_view data) noexcept {
  return data.substr(0, binary_probe_bytes).find('\0')
         != std::string_view::npos;
}

void add_file_tools(tool_registry& reg) {
  reg.add({"ls",
           "List a folder of the working folder: one entry per line, sorted "
           "by name, with its type (d folder, f file with its size, l "
           "symlink, o other).",
           R"({"type":"object","properties":{"path":{"type":"string","description":"Folder relative to the working folder (default: the working folder itself)."}},"additionalProperties":false})"},
          run_ls);
  reg.add({"read_file",
           "Read a text file. Each line is prefixed with its line number and "
           "a tab (the prefix is not part of the file). Long output is "
           "truncated with a note telling the offset to continue from.",
           R"({"type":"object","properties":{"path":{"type":"string","description":"File relative to the working folder."},"offset":{"type":"integer","minimum":1,"description":"First line to show (1-based, default 1)."},"limit":{"type":"integer","minimum":1,"description":"Most lines to show (default: until the size cap)."}},"required":["path"],"additionalProperties":false})"},
          run_read);
  reg.add({"write_file",
           "Create or replace a file with the given content (missing parent "
           "folders are created). The write is atomic.",
           R"({"type":"object","properties":{"path":{"type":"string","description":"File relative to the working folder."},"content":{"type":"string","description":"The complete new content."}},"required":["path","content"],"additionalProperties":false})"},
          run_write);
  reg.add({"edit_file",
           "Replace an exact string in a file. old_string must match exactly "
           "once (or set replace_all to replace every occurrence).",
           R"({"type":"object","properties":{"path":{"type":"string","description":"File relative to the working folder."},"old_string":{"type":"string","description":"Exact text to replace, including whitespace."},"new_string":{"type":"string","description":"Replacement text."},"replace_all":{"type":"boolean","description":"Replace every occurrence (default false)."}},"required":["path","old_string","new_string"],"additionalProperties":false})"},
          run_edit);
}

} // namespace wingman::tools
