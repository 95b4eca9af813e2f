#include "protocol/body.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace wingman::protocol {

expected<string_fields> decode_string_fields(std::string_view body,
                                             const std::vector<std::string>& allowed) {
  string_fields out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return out;
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError())
    return error{error_code::invalid_request,
                 std::string{"body is not valid JSON: "}
                   + rapidjson::GetParseError_En(d.GetParseError())};
  if (!d.IsObject())
    return error{error_code::invalid_request, "body must be a JSON object"};
  for (auto& name : allowed) {
    auto m = d.FindMember(name.c_str());
    if (m == d.MemberEnd())
      continue;
    if (m->value.IsNull())
      out.emplace(name, std::nullopt);
    else if (m->value.IsString())
      out.emplace(name, std::string{m->value.GetString(), m->value.GetStringLength()});
    else
      return error{error_code::invalid_request, name + " must be a string"};
  }
  return out;
}

expected<std::vector<std::string>> split_json_array(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError())
    return error{error_code::invalid_request,
                 std::string{"not valid JSON: "}
                   + rapidjson::GetParseError_En(d.GetParseError())};
  if (!d.IsArray())
    return error{error_code::invalid_request, "not a JSON array"};
  std::vector<std::string> out;
  for (auto& v : d.GetArray()) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> wr{buf};
    v.Accept(wr);
    out.emplace_back(buf.GetString(), buf.GetSize());
  }
  return out;
}

} // namespace wingman::protocol
