#include "tools/wingman/init_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>
#include <vector>

#include "protocol/agent_file.hpp"
#include "protocol/config.hpp"
#include "protocol/routing.hpp"
#include "tools/wingman/config_loader.hpp"

namespace wingman::tools {

namespace {

namespace fs = std::filesystem;

/// Writes `content` to `path` through a temporary file and a rename, creating
/// missing folders. Returns "" or an error message.
std::string write_file(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return "cannot create " + path.parent_path().string() + ": "
           + ec.message();
  auto tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
    out << content;
    out.flush();
    if (!out)
      return "cannot write " + tmp.string();
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return "cannot write " + path.string() + ": " + ec.message();
  }
  return {};
}

std::string absolute_dir(const std::string& dir) {
  std::error_code ec;
  auto cwd = fs::current_path(ec);
  return protocol::expand_path(dir, {home_dir(), ec ? "" : cwd.string()});
}

} // namespace

std::string starter_config() {
  // No comments in JSON: the notes live in the agent file and in the
  // output of `wingman init`. `lmstudio` restates the built-in's address so
  // it is easy to change.
  return R"({
  "gateway": {
    "host": "127.0.0.1",
    "port": 18789,
    "auth": { "mode": "none" }
  },
  "providers": {
    "lmstudio": { "baseUrl": "http://localhost:1234/v1" }
  }
}
)";
}

std::string starter_agent(const std::string& id, const std::string& model) {
  return "---\n"
         "name: " + id + "\n"
         "description: The starter agent. On echo it replies with your own "
         "message.\n"
         "# model: echo repeats the prompt and needs no model server. For a "
         "local model,\n"
         "# start the LM Studio server (http://localhost:1234, see "
         "\"providers\" in\n"
         "# wingman.config.json), load a model and set, e.g.:\n"
         "#   model: lmstudio:qwen2.5-7b-instruct\n"
         "# Others: openai:<model>, anthropic:<model>, ollama:<model>, "
         "openrouter:<model>.\n"
         "model: " + model + "\n"
         "# Tools the model may call: ls, read_file, write_file, edit_file, "
         "glob, grep,\n"
         "# command_execute, background_terminal.\n"
         "tools: [ls, read_file, glob, grep]\n"
         "---\n"
         "You are Wingman, a helpful assistant. Answer clearly and briefly, "
         "and say so\n"
         "when you are not sure.\n";
}

int run_init_command(const init_options& o) {
  if (auto err = protocol::validate_agent_id(o.agent); !err.empty()) {
    std::cerr << "wingman init: --agent: " << err << "\n";
    return 1;
  }
  if (!protocol::is_model_string(o.model)) {
    std::cerr << "wingman init: --model: expected provider:model (e.g. "
                 "lmstudio:qwen2.5-7b-instruct) or echo, got \""
              << o.model << "\"\n";
    return 1;
  }
  auto dir = o.dir.empty() ? default_config_dir() : absolute_dir(o.dir);
  fs::path config = fs::path{dir} / "wingman.config.json";
  fs::path agent_dir = fs::path{dir} / "agents" / o.agent;
  fs::path agent = agent_dir / "agent.md";
  std::error_code ec;
  if (fs::exists(agent_dir / "agent.json", ec)) {
    std::cerr << "wingman init: " << (agent_dir / "agent.json").string()
              << " already defines agent \"" << o.agent
              << "\"; remove it or choose another --agent\n";
    return 1;
  }
  bool refused = false;
  for (const auto& path : {config, agent})
    if (!o.force && fs::exists(path, ec)) {
      std::cerr << "wingman init: " << path.string()
                << " already exists (use --force to overwrite it)\n";
      refused = true;
    }
  if (refused)
    return 1;
  for (const auto& [path, text] :
       {std::pair{config, starter_config()},
        std::pair{agent, starter_agent(o.agent, o.model)}}) {
    if (auto err = write_file(path, text); !err.empty()) {
      std::cerr << "wingman init: " << err << "\n";
      return 1;
    }
    std::cout << "wrote " << path.string() << "\n";
  }
  std::string flag = dir == default_config_dir()
                       ? std::string{}
                       : " --config " + config.string();
  std::cout << "\nThe gateway serves agent \"" << o.agent << "\" on "
            << o.model << " from " << agent.string()
            << " (edit it to change the prompt or the model).\n"
            << "Next:\n"
            << "  wingman gateway run" << flag << "\n"
            << "  wingman agent" << flag << " \"hello\"   (in another shell)\n";
  return 0;
}

} // namespace wingman::tools
