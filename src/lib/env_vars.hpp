// An environment as data: an ordered map of NAME -> value, turned into an
// envp only at the moment a child is executed. warpdrive never calls setenv.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wd {

class EnvVars {
 public:
  EnvVars() = default;
  // Snapshot of an envp-style array (e.g. the process's `environ`).
  static EnvVars from_envp(char** envp);
  // Parses NAME=VALUE records separated by NUL bytes (as `env -0` prints).
  static EnvVars from_nul_separated(std::string_view data);

  std::optional<std::string> get(std::string_view name) const;
  // The value, or `fallback` when unset or empty.
  std::string get_or(std::string_view name, std::string_view fallback) const;
  bool has(std::string_view name) const { return vars_.count(std::string(name)) != 0; }
  // True when set to a non-empty value (the original scripts' `[ -n "$X" ]`).
  bool is_set(std::string_view name) const;
  void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  void unset(const std::string& name) { vars_.erase(name); }

  const std::map<std::string, std::string>& vars() const { return vars_; }

  // Storage for an envp array; keep it alive while the pointers are used.
  struct Envp {
    std::vector<std::string> storage;
    std::vector<char*> pointers;
    char** data() { return pointers.data(); }
  };
  Envp to_envp() const;

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace wd
