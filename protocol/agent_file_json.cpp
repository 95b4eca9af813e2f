// `agent.json` (see protocol/agent_file.hpp).
#include "protocol/agent_file_internal.hpp"

#include <utility>

#include <rapidjson/error/en.h>

#include "protocol/json_internal.hpp"

namespace wingman::protocol::detail {

expected<agent_file> parse_agent_json(std::string_view text,
                                      std::string_view id,
                                      std::string_view file_name) {
  auto fail = [&](std::string what) -> expected<agent_file> {
    return error{error_code::config_invalid,
                 std::string{file_name} + ": " + what};
  };
  auto wrong = [&](std::string_view field, std::string_view form,
                   const rapidjson::Value& got) {
    return fail(std::string{field} + ": expected " + std::string{form}
                + ", got " + describe(got));
  };
  rapidjson::Document doc;
  doc.Parse<parse_flags>(text.data(), text.size());
  if (doc.HasParseError())
    return fail("invalid JSON at offset " + std::to_string(doc.GetErrorOffset())
                + ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject())
    return wrong("top level", "an object", doc);
  agent_file out;
  auto& a = out.agent;
  a.id = std::string{id};
  a.source_file = std::string{file_name};
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    auto key = view_of(it->name);
    const auto& v = it->value;
    if (v.IsNull())
      continue;  // null means "use the default", as in the config file
    if (key == "name" || key == "description" || key == "prompt") {
      auto& slot = key == "name"          ? a.name
                   : key == "description" ? a.description
                                          : a.prompt;
      if (!v.IsString())
        return wrong(key, "a string", v);
      slot = std::string{view_of(v)};
    } else if (key == "id") {
      if (!v.IsString() || view_of(v) != id)
        return fail("id: " + describe(v) + " differs from the folder name "
                    + quote_value(id)
                    + " (the folder name is the agent id; rename the folder "
                      "or remove id)");
    } else if (key == "model") {
      if (!v.IsString() || !is_model_string(view_of(v)))
        return fail("model: " + model_form() + ", got " + describe(v));
      a.model = std::string{view_of(v)};
    } else if (key == "tools") {
      if (!v.IsArray())
        return wrong("tools", "an array of strings", v);
      a.tools.clear();
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (!v[i].IsString() || v[i].GetStringLength() == 0)
          return wrong("tools[" + std::to_string(i) + "]",
                       "a non-empty string", v[i]);
        a.tools.emplace_back(view_of(v[i]));
      }
    } else if (key == "default") {
      if (!v.IsBool())
        return wrong("default", "true or false", v);
      a.is_default = v.GetBool();
    } else {
      out.warnings.push_back(std::string{file_name} + ": unknown key "
                             + quote_value(key) + " (ignored)");
    }
  }
  return out;
}

} // namespace wingman::protocol::detail
