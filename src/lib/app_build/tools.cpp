#include "app_build/tools.hpp"

#include <sys/stat.h>
#include <cctype>

#include <fmt/format.h>

#include "process.hpp"

namespace wd {

namespace {

// The tools warpdrive can install for itself, and the version it installs
// unless WARPDRIVE_<TOOL>_VERSION says otherwise.
struct ToolDefault {
  std::string_view name;
  std::string_view version;
  std::string_view variable;
  std::string_view constraint;  // installed with it: a dependency release the tool does not work with yet
};
constexpr ToolDefault kTools[] = {
    {"uv", "0.13.9", "WARPDRIVE_UV_VERSION", ""},
    {"poetry", "2.5.1", "WARPDRIVE_POETRY_VERSION", ""},
    {"pipenv", "2026.10.3", "WARPDRIVE_PIPENV_VERSION", ""},
    // PDM 2.29 fails with hishel 2.0 ("module 'hishel' has no attribute 'SyncSqliteStorage'").
    {"pdm", "2.29.4", "WARPDRIVE_PDM_VERSION", "hishel<2"},
};

}  // namespace

fs::path tools_dir(const EnvVars& env) {
  if (env.is_set("WARPDRIVE_TOOLS_DIR")) return env.get_or("WARPDRIVE_TOOLS_DIR", "");
  if (env.is_set("XDG_CACHE_HOME")) return fs::path(env.get_or("XDG_CACHE_HOME", "")) / "warpdrive" / "tools";
  return fs::path(env.get_or("HOME", "/tmp")) / ".cache" / "warpdrive" / "tools";
}

std::string default_tool_version(std::string_view tool) {
  for (const auto& t : kTools)
    if (t.name == tool) return std::string(t.version);
  return "";
}

Result<ToolPlan> resolve_tool(const EnvVars& env, std::string_view name) {
  const ToolDefault* d = nullptr;
  for (const auto& t : kTools)
    if (t.name == name) d = &t;
  ToolPlan tool;
  tool.name = std::string(name);
  if (!env.is_set(d->variable)) {
    // No version asked for: the one on PATH, when there is one.
    if (auto found = find_program(tool.name, env)) {
      struct stat st {};
      ::stat(found->c_str(), &st);
      tool.program = *found;
      tool.origin = "PATH";
      tool.fingerprint = fmt::format("{} {} {}.{:09}", found->string(), static_cast<long long>(st.st_size),
                                     static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec);
      return tool;
    }
  }
  tool.version = env.get_or(d->variable, d->version);
  tool.origin = env.is_set(d->variable) ? std::string(d->variable) : "the default pin";
  for (char c : tool.version)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+' && c != '_')
      return make_error(fmt::format("{} is '{}', which is not a version", d->variable, tool.version));
  tool.dir = tools_dir(env) / fmt::format("{}-{}", name, tool.version);
  tool.program = tool.dir / "bin" / tool.name;
  tool.provision = !is_file(tool.dir / ".warpdrive-complete") || !is_executable_file(tool.program);
  tool.requirements = {fmt::format("{}=={}", name, tool.version)};
  if (!d->constraint.empty()) tool.requirements.emplace_back(d->constraint);
  tool.fingerprint = fmt::format("{} {}", name, tool.version);
  return tool;
}

}  // namespace wd
