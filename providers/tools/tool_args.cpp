#include "providers/tools/tool_args.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace wingman::tools {

namespace {

using protocol::error;
using protocol::error_code;

error bad(std::string message) {
  return error{error_code::invalid_request, std::move(message)};
}

error wrong_type(std::string_view key, const char* want) {
  return bad("argument \"" + std::string{key} + "\" must be " + want);
}

} // namespace

protocol::expected<tool_args> tool_args::parse(std::string_view json,
                                               size_t max_bytes) {
  if (json.size() > max_bytes)
    return bad("arguments are " + std::to_string(json.size())
               + " bytes, over the limit of " + std::to_string(max_bytes));
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos)
    json = "{}";
  rapidjson::Document doc;
  constexpr unsigned flags = rapidjson::kParseIterativeFlag
                             | rapidjson::kParseValidateEncodingFlag;
  doc.Parse<flags>(json.data(), json.size());
  if (doc.HasParseError())
    return bad(std::string{"arguments are not valid JSON: "}
               + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject())
    return bad("arguments must be a JSON object");
  tool_args out;
  for (auto& m : doc.GetObject()) {
    field f;
    auto& v = m.value;
    if (v.IsString()) {
      f.type = kind::string;
      f.text.assign(v.GetString(), v.GetStringLength());
    } else if (v.IsInt64()) {
      f.type = kind::integer;
      f.integer = v.GetInt64();
    } else if (v.IsNumber()) {
      f.type = kind::number;
    } else if (v.IsBool()) {
      f.type = kind::boolean;
      f.boolean = v.GetBool();
    } else if (v.IsArray()) {
      f.type = kind::array;
    } else if (v.IsObject()) {
      f.type = kind::object;
    }
    out.fields_[std::string{m.name.GetString(), m.name.GetStringLength()}] =
      std::move(f);
  }
  return out;
}

const tool_args::field* tool_args::find(std::string_view key) const {
  auto i = fields_.find(key);
  if (i == fields_.end() || i->second.type == kind::null)
    return nullptr;
  return &i->second;
}

protocol::expected<std::string>
tool_args::get_string(std::string_view key) const {
  auto* f = find(key);
  if (f == nullptr)
    return bad("missing required argument \"" + std::string{key}
               + "\" (a string)");
  if (f->type != kind::string)
    return wrong_type(key, "a string");
  return f->text;
}

protocol::expected<std::optional<std::string>>
tool_args::opt_string(std::string_view key) const {
  auto* f = find(key);
  if (f == nullptr)
    return std::optional<std::string>{};
  if (f->type != kind::string)
    return wrong_type(key, "a string");
  return std::optional<std::string>{f->text};
}

protocol::expected<std::optional<int64_t>>
tool_args::opt_int(std::string_view key) const {
  auto* f = find(key);
  if (f == nullptr)
    return std::optional<int64_t>{};
  if (f->type != kind::integer)
    return wrong_type(key, "an integer");
  return std::optional<int64_t>{f->integer};
}

protocol::expected<std::optional<bool>>
tool_args::opt_bool(std::string_view key) const {
  auto* f = find(key);
  if (f == nullptr)
    return std::optional<bool>{};
  if (f->type != kind::boolean)
    return wrong_type(key, "true or false");
  return std::optional<bool>{f->boolean};
}

} // namespace wingman::tools
