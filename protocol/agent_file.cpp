#include "protocol/agent_file.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "protocol/agent_file_internal.hpp"
#include "protocol/codec.hpp"
#include "protocol/records.hpp"
#include "protocol/routing.hpp"

namespace wingman::protocol {

namespace detail {

std::string quote_value(std::string_view text) {
  auto cut = preview(text, 60);
  auto out = json_string(cut);
  if (cut.size() < text.size())
    out += "...";
  return out;
}

} // namespace detail

namespace {

using detail::quote_value;

constexpr std::string_view spaces = " \t\r\n";

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(spaces);
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(spaces) - first + 1);
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// One line of the file, without its line break.
struct text_line {
  std::string_view text;
  size_t offset = 0;  // of its first byte in the file
};

std::vector<text_line> split_lines(std::string_view text) {
  std::vector<text_line> out;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto end = nl == std::string_view::npos ? text.size() : nl;
    auto line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    out.push_back({line, pos});
    pos = end + 1;
  }
  return out;
}

bool is_fence(std::string_view line) {
  while (!line.empty() && is_blank(line.back()))
    line.remove_suffix(1);
  return line == "---";
}

/// True for a line that is empty, blank or a `# comment`.
bool is_skippable(std::string_view line) {
  auto t = trim(line);
  return t.empty() || t.front() == '#';
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/// A front matter value.
struct fm_value {
  enum class kind : uint8_t { null, scalar, list };
  kind k = kind::null;
  std::string text;                ///< For `scalar`.
  std::vector<std::string> items;  ///< For `list`.
  bool quoted = false;             ///< A quoted scalar (never a bool).
};

/// Reads the quoted string starting at `s[pos]` (`"` or `'`) into `out` and
/// moves `pos` past the closing quote. Returns an error message or "".
std::string read_quoted(std::string_view s, size_t& pos, std::string& out) {
  char quote = s[pos++];
  out.clear();
  while (pos < s.size()) {
    char c = s[pos++];
    if (quote == '\'' && c == '\'') {
      if (pos < s.size() && s[pos] == '\'') {
        out += '\'';
        ++pos;
        continue;
      }
      return {};
    }
    if (quote == '"' && c == '"')
      return {};
    if (quote == '"' && c == '\\') {
      if (pos >= s.size())
        break;
      char e = s[pos++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        default:
          return std::string{"unknown escape \\"} + e
                 + R"( in a double-quoted value (known: \" \\ \/ \n \t \r))";
      }
      continue;
    }
    out += c;
  }
  return quote == '"'
           ? "unclosed double quote (a quoted value ends on its line)"
           : "unclosed single quote (a quoted value ends on its line)";
}

/// What may follow a value on its line: blanks, then optionally `# ...`.
bool only_comment_after(std::string_view s, size_t pos) {
  auto rest = trim(s.substr(pos));
  return rest.empty() || rest.front() == '#';
}

/// A plain (unquoted) scalar: up to a ` #` comment, trimmed.
std::string_view plain_scalar(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '#' && (i == 0 || is_blank(s[i - 1])))
      return trim(s.substr(0, i));
  return trim(s);
}

/// Parses the front matter lines `[begin, end)` into `out`. Keeps the
/// first error.
class front_matter_parser {
 public:
  front_matter_parser(std::string_view file, std::string_view id,
                      const std::vector<text_line>& lines, agent_file& out)
    : file_(file), id_(id), lines_(lines), out_(out) {}

  const std::string& error_message() const noexcept { return error_; }

  bool parse(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      auto line = lines_[i].text;
      if (is_skippable(line))
        continue;
      if (is_blank(line.front()))
        return fail(i, "unexpected indented line; front matter lines are "
                       "\"key: value\" (use | or > for a value over several "
                       "lines)");
      if (line.front() == '-')
        return fail(i, "unexpected list item; list items follow \"tools:\"");
      size_t k = 0;
      while (k < line.size() && is_key_char(line[k]))
        ++k;
      if (k == 0 || k >= line.size() || line[k] != ':')
        return fail(i, "expected \"key: value\", got " + quote_value(line));
      std::string key{line.substr(0, k)};
      for (const auto& seen : seen_)
        if (seen == key)
          return fail(i, key + ": duplicate key");
      seen_.push_back(key);
      size_t at = i;
      fm_value v;
      if (!read_value(key, line.substr(k + 1), i, end, v) || !apply(key, v, at))
        return false;
    }
    return true;
  }

 private:
  /// Records `<file>:<line>: what`; always false.
  bool fail(size_t index, std::string_view what) {
    if (error_.empty())
      error_ = std::string{file_} + ":" + std::to_string(index + 1) + ": "
               + std::string{what};
    return false;
  }

  bool fail_key(size_t index, std::string_view key, std::string_view what) {
    return fail(index, std::string{key} + ": " + std::string{what});
  }

  /// Reads the value after `key:` on line `i`; moves `i` to the last line
  /// it used.
  bool read_value(const std::string& key, std::string_view rest, size_t& i,
                  size_t end, fm_value& v) {
    auto t = trim(rest);
    if (t.empty() || t.front() == '#')
      return read_block_list(key, i, end, v);
    if (t.front() == '"' || t.front() == '\'') {
      size_t pos = 0;
      if (auto err = read_quoted(t, pos, v.text); !err.empty())
        return fail_key(i, key, err);
      if (!only_comment_after(t, pos))
        return fail_key(i, key, "unexpected text after the closing quote");
      v.k = fm_value::kind::scalar;
      v.quoted = true;
      return true;
    }
    if (t.front() == '[')
      return read_flow_list(key, t, i, end, v);
    if (t.front() == '{')
      return fail_key(i, key, "nested mappings are not supported");
    auto plain = plain_scalar(t);
    if (plain == "|" || plain == ">" || plain == "|-" || plain == ">-"
        || plain == "|+" || plain == ">+")
      return read_block_scalar(plain.front() == '>', i, end, v);
    if (plain == "~" || plain == "null") {
      v.k = fm_value::kind::null;
      return true;
    }
    v.k = fm_value::kind::scalar;
    v.text = std::string{plain};
    return true;
  }

  /// `key:` alone: `- item` lines (indented or not) may follow.
  bool read_block_list(const std::string& key, size_t& i, size_t end,
                       fm_value& v) {
    size_t j = i + 1;
    for (; j < end; ++j) {
      auto line = lines_[j].text;
      if (is_skippable(line))
        continue;
      if (!is_blank(line.front()) && line.front() != '-')
        break;
      auto t = trim(line);
      if (t.front() != '-' || (t.size() > 1 && !is_blank(t[1])))
        return fail_key(j, key, "expected \"- item\" lines under \"" + key
                                  + ":\" (nested mappings are not "
                                    "supported)");
      auto item_text = trim(t.substr(1));
      std::string item;
      if (!item_text.empty() && (item_text.front() == '"'
                                 || item_text.front() == '\'')) {
        size_t pos = 0;
        if (auto err = read_quoted(item_text, pos, item); !err.empty())
          return fail_key(j, key, err);
        if (!only_comment_after(item_text, pos))
          return fail_key(j, key, "unexpected text after the closing quote");
      } else {
        item = std::string{plain_scalar(item_text)};
      }
      if (item.empty())
        return fail(j, key + "[" + std::to_string(v.items.size())
                         + "]: expected a non-empty string");
      v.items.push_back(std::move(item));
      v.k = fm_value::kind::list;
    }
    // Trailing skippable lines belong to whatever follows.
    while (j > i + 1 && is_skippable(lines_[j - 1].text))
      --j;
    i = j - 1;
    return true;
  }

  /// `key: [a, "b", 'c']`, possibly continued on following lines.
  bool read_flow_list(const std::string& key, std::string_view first,
                      size_t& i, size_t end, fm_value& v) {
    std::string text{first};
    size_t start = i;
    v.k = fm_value::kind::list;
    size_t pos = 1;  // past '['
    bool after_item = false;
    for (;;) {
      while (pos < text.size() && is_blank(text[pos]))
        ++pos;
      if (pos >= text.size()) {
        // The list goes on on the next line.
        if (i + 1 >= end)
          return fail_key(start, key, "unclosed list (expected ])");
        text += ' ';
        text += trim(lines_[++i].text);
        continue;
      }
      char c = text[pos];
      if (c == ']')
        break;
      if (after_item) {
        if (c != ',')
          return fail_key(i, key, "expected , or ] after item "
                                    + std::to_string(v.items.size() - 1));
        ++pos;
        after_item = false;
        continue;
      }
      std::string item;
      if (c == '"' || c == '\'') {
        if (auto err = read_quoted(text, pos, item); !err.empty())
          return fail_key(i, key, err);
      } else if (c == '[' || c == '{') {
        return fail_key(i, key, "nested lists and mappings are not supported");
      } else if (c == ',') {
        return fail(i, key + "[" + std::to_string(v.items.size())
                         + "]: expected a non-empty string");
      } else {
        auto stop = text.find_first_of(",]", pos);
        if (stop == std::string::npos)
          stop = text.size();
        item = std::string{trim(std::string_view{text}.substr(pos,
                                                              stop - pos))};
        pos = stop;
      }
      if (item.empty())
        return fail(i, key + "[" + std::to_string(v.items.size())
                         + "]: expected a non-empty string");
      v.items.push_back(std::move(item));
      after_item = true;
    }
    if (!only_comment_after(text, pos + 1))
      return fail_key(i, key, "unexpected text after ]");
    return true;
  }

  /// `key: |` (lines kept) or `key: >` (lines folded): the more-indented
  /// lines that follow.
  bool read_block_scalar(bool fold, size_t& i, size_t end, fm_value& v) {
    size_t j = i + 1;
    size_t indent = std::string_view::npos;
    std::vector<std::string_view> block;
    for (; j < end; ++j) {
      auto line = lines_[j].text;
      if (trim(line).empty()) {
        block.emplace_back();
        continue;
      }
      if (!is_blank(line.front()))
        break;
      if (indent == std::string_view::npos)
        indent = line.find_first_not_of(" \t");
      auto strip = std::min(indent, line.find_first_not_of(" \t"));
      block.push_back(line.substr(strip));
    }
    while (!block.empty() && block.back().empty())
      block.pop_back();
    i = i + block.size();
    std::string out;
    for (size_t n = 0; n < block.size(); ++n) {
      // Folding: lines of a paragraph join with a space; each blank line
      // becomes one line break.
      if (n > 0 && !fold)
        out += '\n';
      else if (n > 0 && block[n].empty())
        out += '\n';
      else if (n > 0 && !block[n - 1].empty())
        out += ' ';
      out += block[n];
    }
    v.k = fm_value::kind::scalar;
    v.quoted = true;
    v.text = std::move(out);
    return true;
  }

  bool apply(const std::string& key, const fm_value& v, size_t line) {
    using kind = fm_value::kind;
    auto& a = out_.agent;
    auto scalar = [&](std::string& slot) {
      if (v.k == kind::list)
        return fail_key(line, key, "expected a string, got a list");
      if (v.k == kind::scalar)
        slot = v.text;
      return true;
    };
    if (key == "id") {
      if (v.k == kind::list || (v.k == kind::scalar && v.text != id_))
        return fail_key(line, key,
                        (v.k == kind::list ? std::string{"a list"}
                                           : quote_value(v.text))
                          + " differs from the folder name " + quote_value(id_)
                          + " (the folder name is the agent id; rename the "
                            "folder or remove id)");
      return true;
    }
    if (key == "name")
      return scalar(a.name);
    if (key == "description")
      return scalar(a.description);
    if (key == "model") {
      if (v.k == kind::list)
        return fail_key(line, key, detail::model_form() + ", got a list");
      if (v.k == kind::scalar && !is_model_string(v.text))
        return fail_key(line, key, detail::model_form() + ", got "
                                     + quote_value(v.text));
      if (v.k == kind::scalar)
        a.model = v.text;
      return true;
    }
    if (key == "tools") {
      if (v.k == kind::scalar)
        return fail_key(line, key, "expected a list ([a, b] or \"- a\" "
                                   "lines), got " + quote_value(v.text));
      a.tools = v.items;
      return true;
    }
    if (key == "default") {
      if (v.k == kind::null)
        return true;
      const auto& t = v.text;
      bool yes = t == "true" || t == "True" || t == "TRUE";
      bool no = t == "false" || t == "False" || t == "FALSE";
      if (v.k == kind::list || v.quoted || (!yes && !no))
        return fail_key(line, key, "expected true or false, got "
                                     + (v.k == kind::list
                                          ? std::string{"a list"}
                                          : quote_value(t)));
      a.is_default = yes;
      return true;
    }
    out_.warnings.push_back(
      std::string{file_} + ":" + std::to_string(line + 1) + ": unknown key \""
      + key + "\" (ignored"
      + (key == "prompt" ? "; the prompt is the text after the front matter)"
                         : ")"));
    return true;
  }

  std::string_view file_;
  std::string_view id_;
  const std::vector<text_line>& lines_;
  agent_file& out_;
  std::vector<std::string> seen_;
  std::string error_;
};

expected<agent_file> parse_agent_md(std::string_view text, std::string_view id,
                                    std::string_view file_name) {
  auto fail = [&](size_t line, std::string_view what) -> expected<agent_file> {
    return error{error_code::config_invalid,
                 std::string{file_name} + ":" + std::to_string(line) + ": "
                   + std::string{what}};
  };
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  if (text.substr(0, bom.size()) == bom)
    text.remove_prefix(bom.size());
  auto lines = split_lines(text);
  if (lines.empty() || !is_fence(lines.front().text))
    return fail(1, "expected front matter: the file starts with a \"---\" "
                   "line, then \"key: value\" lines (name, description, "
                   "model, tools), then \"---\" and the prompt");
  size_t close = 1;
  while (close < lines.size() && !is_fence(lines[close].text))
    ++close;
  if (close == lines.size())
    return fail(1, "the front matter is not closed (expected a \"---\" line "
                   "after it)");
  agent_file out;
  out.agent.id = std::string{id};
  out.agent.source_file = std::string{file_name};
  front_matter_parser parser{file_name, id, lines, out};
  if (!parser.parse(1, close))
    return error{error_code::config_invalid, parser.error_message()};
  if (close + 1 < lines.size())
    out.agent.prompt = std::string{trim(text.substr(lines[close + 1].offset))};
  return out;
}

} // namespace

bool is_model_string(std::string_view model) noexcept {
  if (model == "echo")
    return true;
  auto colon = model.find(':');
  if (colon == std::string_view::npos || colon == 0
      || colon + 1 == model.size())
    return false;
  for (char c : model)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return false;
  return true;
}

expected<agent_file> parse_agent_file(std::string_view text,
                                      agent_file_format format,
                                      std::string_view id,
                                      std::string_view file_name) {
  auto fail = [&](std::string what) -> expected<agent_file> {
    return error{error_code::config_invalid,
                 std::string{file_name} + ": " + what};
  };
  if (auto err = validate_agent_id(id); !err.empty())
    return fail("agent id " + quote_value(id) + " (the folder name): " + err);
  if (text.size() > max_agent_file_bytes)
    return fail("the file is larger than "
                + std::to_string(max_agent_file_bytes) + " bytes");
  if (format == agent_file_format::json)
    return detail::parse_agent_json(text, id, file_name);
  return parse_agent_md(text, id, file_name);
}

} // namespace wingman::protocol
