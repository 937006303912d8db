#include "shell.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "process.hpp"

namespace wd {

std::string single_quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += "'";
  return out;
}

std::string shell_quote(std::string_view word) {
  if (word.empty()) return "''";
  for (char c : word) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("_-./:=+,@%").find(c) != std::string_view::npos;
    if (!plain) return single_quote(word);
  }
  return std::string(word);
}

namespace {

fs::path env_program() {
  for (const char* p : {"/usr/bin/env", "/bin/env"})
    if (is_executable_file(p)) return p;
  return "env";
}

}  // namespace

Result<EnvVars> source_shell_files(const EnvVars& base, const std::vector<fs::path>& files,
                                   const fs::path& cwd, bool trace) {
  std::vector<fs::path> present;
  for (const auto& f : files) {
    if (is_dir(f)) return make_error(fmt::format("{}: is a directory, expected a shell file", f.string()));
    if (path_exists(f)) present.push_back(f);
  }
  if (present.empty()) return base;

  // The script is fixed text; the file names reach it as positional
  // parameters. Before sourcing file N it writes the record "N" to fd 3, and
  // at the end "=" followed by the environment (NUL-separated, `env -0`), so
  // a failure (including a syntax error, which ends sh at once) is pinned on
  // the last file it started.
  std::string script = "set -a\n";
  for (size_t i = 0; i < present.size(); ++i)
    script += fmt::format("printf '{}\\0' >&3; . \"${}\" || exit\n", i, i + 1);
  script += fmt::format("printf '=\\0' >&3; exec {} -0 >&3\n", shell_quote(env_program().string()));

  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script, "sh"};
  for (const auto& f : present) spec.argv.push_back(f.string());
  spec.env = base;
  spec.cwd = cwd;
  spec.redirects = {{STDOUT_FILENO, STDERR_FILENO}};
  spec.trace = trace;
  WD_ASSIGN(Captured captured, run_capture(spec, 3));
  const std::string& out = captured.out;
  int status = captured.exit_status;
  size_t current = 0;
  size_t pos = 0;
  while (pos < out.size() && out[pos] != '=') {
    auto nul = out.find('\0', pos);
    if (nul == std::string::npos) break;
    current = std::stoul(out.substr(pos, nul - pos));
    pos = nul + 1;
  }
  if (status != 0 || pos >= out.size() || out[pos] != '=')
    return make_error(fmt::format("cannot source {}: /bin/sh exited with status {}",
                                  present[std::min(current, present.size() - 1)].string(), status));
  EnvVars result = EnvVars::from_nul_separated(std::string_view(out).substr(pos + 2));
  // Variables the shell maintains for itself are not the files' doing.
  for (const char* name : {"PWD", "OLDPWD", "SHLVL", "_"}) {
    if (auto old = base.get(name))
      result.set(name, *old);
    else
      result.unset(name);
  }
  return result;
}

}  // namespace wd
