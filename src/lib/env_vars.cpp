#include "env_vars.hpp"

#include <cstring>

namespace wd {

EnvVars EnvVars::from_envp(char** envp) {
  EnvVars env;
  for (char** p = envp; p && *p; ++p) {
    const char* eq = std::strchr(*p, '=');
    if (!eq) continue;
    env.vars_.emplace(std::string(*p, static_cast<size_t>(eq - *p)), std::string(eq + 1));
  }
  return env;
}

EnvVars EnvVars::from_nul_separated(std::string_view data) {
  EnvVars env;
  while (!data.empty()) {
    auto end = data.find('\0');
    std::string_view record = data.substr(0, end);
    auto eq = record.find('=');
    if (eq != std::string_view::npos && eq > 0)
      env.vars_[std::string(record.substr(0, eq))] = std::string(record.substr(eq + 1));
    if (end == std::string_view::npos) break;
    data.remove_prefix(end + 1);
  }
  return env;
}

std::optional<std::string> EnvVars::get(std::string_view name) const {
  auto it = vars_.find(std::string(name));
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::string EnvVars::get_or(std::string_view name, std::string_view fallback) const {
  auto it = vars_.find(std::string(name));
  if (it == vars_.end() || it->second.empty()) return std::string(fallback);
  return it->second;
}

bool EnvVars::is_set(std::string_view name) const {
  auto it = vars_.find(std::string(name));
  return it != vars_.end() && !it->second.empty();
}

EnvVars::Envp EnvVars::to_envp() const {
  Envp out;
  out.storage.reserve(vars_.size());
  for (const auto& [name, value] : vars_) out.storage.push_back(name + "=" + value);
  for (auto& s : out.storage) out.pointers.push_back(s.data());
  out.pointers.push_back(nullptr);
  return out;
}

}  // namespace wd
