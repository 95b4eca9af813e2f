#include "protocol/config_edit.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <utility>

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>

#include "protocol/codec.hpp"
#include "protocol/json_internal.hpp"
#include "protocol/routing.hpp"

namespace wingman::protocol {

namespace {

using rapidjson::Document;
using rapidjson::Value;

/// Files keep exact numbers (e.g. doubles of sections we do not own).
constexpr unsigned file_flags = detail::parse_flags
                                | rapidjson::kParseFullPrecisionFlag;

error bad_request(std::string message) {
  return error{error_code::invalid_request, std::move(message)};
}

error bad_file(std::string message) {
  return error{error_code::config_invalid, std::move(message)};
}

using detail::describe;

error wrong_type(std::string_view field, std::string_view form,
                 const Value& got) {
  return bad_request(std::string{field} + ": expected " + std::string{form}
                     + ", got " + describe(got));
}

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
}

/// Parses file text (`what` names it in errors); blank text is `{}`.
expected<std::monostate> parse_file(std::string_view text, std::string_view what,
                                    Document& doc) {
  if (blank(text)) {
    doc.SetObject();
    return ok();
  }
  doc.Parse<file_flags>(text.data(), text.size());
  if (doc.HasParseError())
    return bad_file(std::string{what} + ": invalid JSON at offset "
                    + std::to_string(doc.GetErrorOffset()) + ": "
                    + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject())
    return bad_file(std::string{what} + ": top level: expected an object");
  return ok();
}

/// Parses a request body, which must be a JSON object.
expected<std::monostate> parse_body(std::string_view body, Document& doc) {
  doc.Parse<detail::parse_flags>(body.data(), body.size());
  if (doc.HasParseError())
    return bad_request("invalid JSON body at offset "
                       + std::to_string(doc.GetErrorOffset()) + ": "
                       + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject())
    return bad_request("body: expected a JSON object, got " + describe(doc));
  return ok();
}

/// Pretty-printed document text with a final newline.
std::string write_file(const Document& doc) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w{buf};
  w.SetIndent(' ', 2);
  doc.Accept(w);
  return std::string{buf.GetString(), buf.GetSize()} + "\n";
}

std::string write_compact(const Value& v) {
  rapidjson::StringBuffer buf;
  detail::json_writer w{buf};
  v.Accept(w);
  return std::string{buf.GetString(), buf.GetSize()};
}

/// Member `key` of `obj`, or null when absent or JSON null.
const Value* find(const Value& obj, const char* key) {
  return detail::find_member(obj, key);
}

Value* find(Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd())
    return nullptr;
  return &it->value;
}

/// Sets `obj[key] = value`, in place when the member exists, else appended.
void set_member(Value& obj, std::string_view key, Value value,
                Document::AllocatorType& alloc) {
  auto it = obj.FindMember(
    Value{rapidjson::StringRef(key.data(),
                               static_cast<rapidjson::SizeType>(key.size()))});
  if (it != obj.MemberEnd()) {
    it->value = std::move(value);
    return;
  }
  obj.AddMember(Value{key.data(), static_cast<rapidjson::SizeType>(key.size()),
                      alloc},
                std::move(value), alloc);
}

Value string_value(std::string_view s, Document::AllocatorType& alloc) {
  return Value{s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc};
}

bool has_member(const Value& obj, const char* key) {
  return obj.FindMember(key) != obj.MemberEnd();
}

/// `parent[key]`, which must be of `kind` (JSON null counts as absent);
/// created empty in place when absent and `create`. Null without error when
/// absent and not created; an error naming `path` when it has another type.
expected<Value*> child(Value& parent, const char* key, rapidjson::Type kind,
                       bool create, Document::AllocatorType& alloc,
                       const char* path) {
  Value* v = find(parent, key);
  if (!v || v->IsNull()) {
    if (!create)
      return static_cast<Value*>(nullptr);
    set_member(parent, key, Value{kind}, alloc);
    v = find(parent, key);
  }
  if (v->GetType() != kind)
    return bad_file(std::string{path} + ": expected "
                    + (kind == rapidjson::kArrayType ? "an array" : "an object"));
  return v;
}

/// The `agents.list` array of the config document, created when `create`.
/// Null without error when absent and not created.
expected<Value*> agents_list(Document& doc, bool create) {
  auto& alloc = doc.GetAllocator();
  auto agents = child(doc, "agents", rapidjson::kObjectType, create, alloc,
                      "config file: agents");
  if (!agents || !*agents)
    return agents;
  return child(**agents, "list", rapidjson::kArrayType, create, alloc,
               "config file: agents.list");
}

bool entry_has_id(const Value& entry, std::string_view id) {
  if (!entry.IsObject())
    return false;
  const Value* v = find(entry, "id");
  return v && v->IsString() && detail::view_of(*v) == id;
}

/// Writes the fields of `a` into the list entry `entry` (an object).
void write_agent_fields(Value& entry, const agent_config& a,
                        Document::AllocatorType& alloc) {
  set_member(entry, "id", string_value(a.id, alloc), alloc);
  if (!a.name.empty() && (a.name != a.id || has_member(entry, "name")))
    set_member(entry, "name", string_value(a.name, alloc), alloc);
  if (!a.description.empty() || has_member(entry, "description"))
    set_member(entry, "description", string_value(a.description, alloc),
               alloc);
  if (a.is_default || has_member(entry, "default"))
    set_member(entry, "default", Value{a.is_default}, alloc);
  if (!a.workspace.empty())
    set_member(entry, "workspace", string_value(a.workspace, alloc), alloc);
  if (!a.agent_dir.empty())
    set_member(entry, "agentDir", string_value(a.agent_dir, alloc), alloc);
  set_member(entry, "model", string_value(a.model, alloc), alloc);
  if (!a.prompt.empty() || has_member(entry, "prompt"))
    set_member(entry, "prompt", string_value(a.prompt, alloc), alloc);
  if (!a.tools.empty() || has_member(entry, "tools")) {
    Value tools{rapidjson::kArrayType};
    for (const auto& t : a.tools)
      tools.PushBack(string_value(t, alloc), alloc);
    set_member(entry, "tools", std::move(tools), alloc);
  }
  const echo_options defaults;
  bool echo_changed = a.echo.delay_ms != defaults.delay_ms
                      || a.echo.chunks != defaults.chunks;
  if (echo_changed || has_member(entry, "echo")) {
    Value* echo = find(entry, "echo");
    if (!echo || !echo->IsObject()) {
      set_member(entry, "echo", Value{rapidjson::kObjectType}, alloc);
      echo = find(entry, "echo");
    }
    set_member(*echo, "delayMs", Value{a.echo.delay_ms}, alloc);
    set_member(*echo, "chunks", Value{a.echo.chunks}, alloc);
  }
}

/// The credentials document's `providers` object, created when `create`.
expected<Value*> providers_object(Document& doc, bool create) {
  return child(doc, "providers", rapidjson::kObjectType, create,
               doc.GetAllocator(), "credentials file: providers");
}

bool is_http_url(std::string_view s) {
  auto starts = [&](std::string_view prefix) {
    return s.size() > prefix.size() && s.substr(0, prefix.size()) == prefix;
  };
  return starts("http://") || starts("https://");
}

// -- agent body decoding -------------------------------------------------------

/// Reads an optional string member into `out`.
expected<std::monostate> opt_string(const Value& obj, const char* key,
                                    std::optional<std::string>& out,
                                    bool non_empty = false) {
  const Value* v = find(obj, key);
  if (!v)
    return ok();
  if (!v->IsString() || (non_empty && v->GetStringLength() == 0))
    return wrong_type(key, non_empty ? "a non-empty string" : "a string", *v);
  out = std::string{detail::view_of(*v)};
  return ok();
}

expected<std::monostate> read_echo(const Value& obj, agent_patch& out) {
  const Value* echo = find(obj, "echo");
  if (!echo)
    return ok();
  if (!echo->IsObject())
    return wrong_type("echo", "an object", *echo);
  if (const Value* d = find(*echo, "delayMs")) {
    if (!d->IsInt64() || d->GetInt64() < 0 || d->GetInt64() > INT_MAX)
      return wrong_type("echo.delayMs",
                        "an integer from 0 to " + std::to_string(INT_MAX), *d);
    out.echo_delay_ms = d->GetInt64();
  }
  if (const Value* c = find(*echo, "chunks")) {
    if (!c->IsInt() || c->GetInt() < 1 || c->GetInt() > 1000)
      return wrong_type("echo.chunks", "an integer from 1 to 1000", *c);
    out.echo_chunks = c->GetInt();
  }
  return ok();
}

} // namespace

// -- agents -------------------------------------------------------------------

expected<agent_patch> decode_agent_patch(std::string_view body) {
  Document doc;
  if (auto r = parse_body(body, doc); !r)
    return r.error();
  agent_patch out;
  if (const Value* id = find(doc, "id")) {
    if (!id->IsString())
      return wrong_type("id", "an agent id", *id);
    if (auto err = validate_agent_id(detail::view_of(*id)); !err.empty())
      return bad_request("id: " + err);
    out.id = std::string{detail::view_of(*id)};
  }
  for (auto r : {opt_string(doc, "name", out.name),
                 opt_string(doc, "description", out.description),
                 opt_string(doc, "model", out.model, true),
                 opt_string(doc, "prompt", out.prompt)})
    if (!r)
      return r.error();
  if (const Value* tools = find(doc, "tools")) {
    if (!tools->IsArray())
      return wrong_type("tools", "an array of strings", *tools);
    std::vector<std::string> list;
    for (rapidjson::SizeType i = 0; i < tools->Size(); ++i) {
      const Value& t = (*tools)[i];
      if (!t.IsString() || t.GetStringLength() == 0)
        return wrong_type("tools[" + std::to_string(i) + "]",
                          "a non-empty string", t);
      list.emplace_back(detail::view_of(t));
    }
    out.tools = std::move(list);
  }
  if (auto r = read_echo(doc, out); !r)
    return r.error();
  if (const Value* d = find(doc, "default")) {
    if (!d->IsBool())
      return wrong_type("default", "true or false", *d);
    out.is_default = d->GetBool();
  }
  return out;
}

void apply_agent_patch(const agent_patch& patch, agent_config& agent) {
  if (patch.name)
    agent.name = patch.name->empty() ? agent.id : *patch.name;
  if (patch.description)
    agent.description = *patch.description;
  if (patch.model)
    agent.model = *patch.model;
  if (patch.prompt)
    agent.prompt = *patch.prompt;
  if (patch.tools)
    agent.tools = *patch.tools;
  if (patch.echo_delay_ms)
    agent.echo.delay_ms = *patch.echo_delay_ms;
  if (patch.echo_chunks)
    agent.echo.chunks = *patch.echo_chunks;
  if (patch.is_default)
    agent.is_default = *patch.is_default;
}

std::string encode_agent(const agent_config& a, bool is_default) {
  rapidjson::StringBuffer buf;
  detail::json_writer w{buf};
  w.StartObject();
  detail::write_field(w, "id", a.id);
  detail::write_field(w, "name", a.name.empty() ? a.id : a.name);
  detail::write_field(w, "description", a.description);
  w.Key("default");
  w.Bool(is_default);
  detail::write_field(w, "model", a.model);
  detail::write_field(w, "prompt", a.prompt);
  w.Key("tools");
  w.StartArray();
  for (const auto& t : a.tools)
    detail::write_string(w, t);
  w.EndArray();
  detail::write_field(w, "workspace", a.workspace);
  detail::write_field(w, "agentDir", a.agent_dir);
  w.Key("echo");
  w.StartObject();
  w.Key("delayMs");
  w.Int64(a.echo.delay_ms);
  w.Key("chunks");
  w.Int(a.echo.chunks);
  w.EndObject();
  detail::write_nonempty(w, "file", a.source_file);
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

expected<std::string> config_upsert_agent(std::string_view file_text,
                                          const agent_config& agent,
                                          bool implicit_main) {
  Document doc;
  if (auto r = parse_file(file_text, "config file", doc); !r)
    return r.error();
  auto& alloc = doc.GetAllocator();
  auto list = agents_list(doc, true);
  if (!list)
    return list.error();
  Value& arr = **list;
  if (arr.Empty() && implicit_main && agent.id != "main") {
    // parse_config runs an implicit `main` when the list is empty; keep it.
    Value main{rapidjson::kObjectType};
    main.AddMember("id", "main", alloc);
    arr.PushBack(std::move(main), alloc);
  }
  Value* entry = nullptr;
  for (auto& item : arr.GetArray()) {
    if (entry_has_id(item, agent.id))
      entry = &item;
    else if (agent.is_default && item.IsObject() && has_member(item, "default"))
      set_member(item, "default", Value{false}, alloc);
  }
  if (!entry) {
    arr.PushBack(Value{rapidjson::kObjectType}, alloc);
    entry = &arr[arr.Size() - 1];
  }
  write_agent_fields(*entry, agent, alloc);
  if (agent.is_default) {
    if (Value* named = find(doc, "defaultAgent"); named && !named->IsNull())
      *named = string_value(agent.id, alloc);
  }
  return write_file(doc);
}

expected<std::string> config_remove_agent(std::string_view file_text,
                                          std::string_view id) {
  Document doc;
  if (auto r = parse_file(file_text, "config file", doc); !r)
    return r.error();
  auto list = agents_list(doc, false);
  if (!list)
    return list.error();
  if (!*list)
    return std::string{file_text};
  const Value& agents = doc["agents"];
  if (const Value* bindings = find(agents, "bindings");
      bindings && bindings->IsArray()) {
    for (rapidjson::SizeType i = 0; i < bindings->Size(); ++i) {
      const Value& b = (*bindings)[i];
      if (b.IsObject() && find(b, "agentId") && find(b, "agentId")->IsString()
          && detail::view_of(*find(b, "agentId")) == id)
        return error{error_code::forbidden,
                     "agent " + std::string{id}
                       + " is used by agents.bindings["
                       + std::to_string(i) + "]; remove the binding first"};
    }
  }
  Value& arr = **list;
  for (auto it = arr.Begin(); it != arr.End(); ++it)
    if (entry_has_id(*it, id)) {
      arr.Erase(it);
      return write_file(doc);
    }
  return std::string{file_text};
}

// -- voice --------------------------------------------------------------------

expected<std::string> decode_voice(std::string_view body,
                                   std::string_view current_json) {
  Document doc;
  if (auto r = parse_body(body, doc); !r)
    return r.error();
  const Value* provider = find(doc, "provider");
  if (!provider)
    return bad_request("provider: required (\"web_speech\" or "
                       "\"elevenlabs\")");
  if (!provider->IsString()
      || (detail::view_of(*provider) != "web_speech"
          && detail::view_of(*provider) != "elevenlabs"))
    return wrong_type("provider", "\"web_speech\" or \"elevenlabs\"",
                      *provider);
  if (const Value* policy = find(doc, "defaultPolicy")) {
    if (!policy->IsString()
        || (detail::view_of(*policy) != "off"
            && detail::view_of(*policy) != "auto"))
      return wrong_type("defaultPolicy", "\"off\" or \"auto\"", *policy);
  }
  for (const char* key : {"webSpeech", "elevenlabs"})
    if (const Value* v = find(doc, key); v && !v->IsObject())
      return wrong_type(key, "an object", *v);
  Value* eleven = find(doc, "elevenlabs");
  if (eleven && eleven->IsObject()) {
    // The API never shows the key, so a client echoing the object back
    // must not erase it.
    eleven->RemoveMember("apiKeyConfigured");
    if (!has_member(*eleven, "apiKey")) {
      Document current;
      current.Parse<detail::parse_flags>(current_json.data(),
                                         current_json.size());
      const Value* old = !current.HasParseError() && current.IsObject()
                           ? find(current, "elevenlabs")
                           : nullptr;
      const Value* key = old && old->IsObject() ? find(*old, "apiKey") : nullptr;
      if (key)
        eleven->AddMember("apiKey", Value{*key, doc.GetAllocator()},
                          doc.GetAllocator());
    }
  }
  return write_compact(doc);
}

std::string voice_public_json(std::string_view voice_json) {
  Document doc;
  doc.Parse<detail::parse_flags>(voice_json.data(), voice_json.size());
  if (doc.HasParseError() || !doc.IsObject())
    doc.SetObject();
  auto& alloc = doc.GetAllocator();
  if (!find(doc, "provider"))
    set_member(doc, "provider", Value{"web_speech"}, alloc);
  if (!find(doc, "defaultPolicy"))
    set_member(doc, "defaultPolicy", Value{"off"}, alloc);
  if (Value* eleven = find(doc, "elevenlabs"); eleven && eleven->IsObject()) {
    bool had_key = eleven->RemoveMember("apiKey");
    if (had_key)
      set_member(*eleven, "apiKeyConfigured", Value{true}, alloc);
  }
  return write_compact(doc);
}

expected<std::string> config_set_voice(std::string_view file_text,
                                       std::string_view voice_json) {
  Document doc;
  if (auto r = parse_file(file_text, "config file", doc); !r)
    return r.error();
  Document voice{&doc.GetAllocator()};
  voice.Parse<file_flags>(voice_json.data(), voice_json.size());
  if (voice.HasParseError() || !voice.IsObject())
    return bad_request("voice: expected a JSON object");
  set_member(doc, "voice", Value{voice, doc.GetAllocator()},
             doc.GetAllocator());
  return write_file(doc);
}

// -- provider credentials -----------------------------------------------------

expected<provider_credentials> decode_provider_credentials(
  std::string_view body) {
  Document doc;
  if (auto r = parse_body(body, doc); !r)
    return r.error();
  provider_credentials out;
  const Value* key = find(doc, "apiKey");
  if (key) {
    if (!key->IsString() || key->GetStringLength() == 0)
      return bad_request("apiKey: expected a non-empty string");
    out.api_key = std::string{detail::view_of(*key)};
  }
  const Value* url = find(doc, "baseUrl");
  if (url) {
    if (!url->IsString() || !is_http_url(detail::view_of(*url)))
      return wrong_type("baseUrl", "an http:// or https:// URL", *url);
    out.base_url = std::string{detail::view_of(*url)};
  }
  if (!key && !url)
    return bad_request("apiKey: required (or give baseUrl)");
  return out;
}

expected<std::vector<stored_provider>> read_credentials(
  std::string_view file_text) {
  Document doc;
  if (auto r = parse_file(file_text, "credentials file", doc); !r)
    return r.error();
  auto providers = providers_object(doc, false);
  if (!providers)
    return providers.error();
  std::vector<stored_provider> out;
  if (!*providers)
    return out;
  for (auto& m : (*providers)->GetObject()) {
    stored_provider p;
    p.name = std::string{detail::view_of(m.name)};
    if (m.value.IsObject()) {
      const Value* key = find(m.value, "apiKey");
      p.has_key = key && key->IsString() && key->GetStringLength() > 0;
      const Value* url = find(m.value, "baseUrl");
      if (url && url->IsString())
        p.base_url = std::string{detail::view_of(*url)};
    }
    out.push_back(std::move(p));
  }
  return out;
}

expected<std::string> credentials_set(std::string_view file_text,
                                      std::string_view name,
                                      const provider_credentials& creds) {
  Document doc;
  if (auto r = parse_file(file_text, "credentials file", doc); !r)
    return r.error();
  auto providers = providers_object(doc, true);
  if (!providers)
    return providers.error();
  auto& alloc = doc.GetAllocator();
  Value* entry = find(**providers, std::string{name}.c_str());
  if (!entry || !entry->IsObject()) {
    set_member(**providers, name, Value{rapidjson::kObjectType}, alloc);
    entry = find(**providers, std::string{name}.c_str());
  }
  if (!creds.api_key.empty())
    set_member(*entry, "apiKey", string_value(creds.api_key, alloc), alloc);
  if (!creds.base_url.empty())
    set_member(*entry, "baseUrl", string_value(creds.base_url, alloc), alloc);
  return write_file(doc);
}

expected<std::string> credentials_remove(std::string_view file_text,
                                         std::string_view name) {
  Document doc;
  if (auto r = parse_file(file_text, "credentials file", doc); !r)
    return r.error();
  auto providers = providers_object(doc, false);
  if (!providers)
    return providers.error();
  if (!*providers
      || !(*providers)->RemoveMember(std::string{name}.c_str()))
    return std::string{file_text};
  return write_file(doc);
}

// -- files --------------------------------------------------------------------

expected<std::string> decode_path_body(std::string_view body) {
  Document doc;
  if (auto r = parse_body(body, doc); !r)
    return r.error();
  const Value* path = find(doc, "path");
  if (!path)
    return bad_request("path: required");
  if (!path->IsString() || path->GetStringLength() == 0)
    return wrong_type("path", "a non-empty string", *path);
  return std::string{detail::view_of(*path)};
}

} // namespace wingman::protocol
