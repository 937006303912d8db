#include "shell.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

std::string shell_words(const std::vector<std::string>& words) {
  // (A vector, not std::views::transform: clang-tidy's clang cannot read libstdc++ 12's ranges.)
  std::vector<std::string> quoted;
  quoted.reserve(words.size());
  for (const auto& w : words) quoted.push_back(shell_quote(w));
  return fmt::format("{}", fmt::join(quoted, " "));
}

namespace {

fs::path env_program() {
  for (const char* p : {"/usr/bin/env", "/bin/env"})
    if (is_executable_file(p)) return p;
  return "env";
}

}  // namespace

bool is_shell_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<EnvVars> source_shell_files(const EnvVars& base, const std::vector<fs::path>& files, const fs::path& cwd,
                                   bool trace) {
  std::vector<fs::path> present;
  for (const auto& f : files) {
    if (is_dir(f)) return make_error(fmt::format("{}: is a directory, expected a shell file", f.string()));
    if (auto why = not_a_regular_file(f))
      return make_error(fmt::format("{}: {}; expected a shell file", f.string(), *why));
    if (path_exists(f)) present.push_back(f);
  }
  if (present.empty()) return base;

  // The script is fixed text; the file names reach it as positional
  // parameters. Its standard output is the channel back to warpdrive: before
  // sourcing file N it writes the record "N", and at the end "=" followed by
  // the environment (NUL-separated, `env -0`), so a failure (including a
  // syntax error, which ends sh at once) is pinned on the last file it
  // started. The files' code runs with its standard output on stderr.
  std::string script = "set -a\n";
  for (size_t i = 0; i < present.size(); ++i)
    script += fmt::format("printf '{}\\0'; {{ . \"${}\"; }} >&2 || exit\n", i, i + 1);
  script += fmt::format("printf '=\\0'; exec {} -0\n", shell_quote(env_program().string()));

  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script, "sh"};
  for (const auto& f : present) spec.argv.push_back(f.string());
  spec.env = base;
  spec.cwd = cwd;
  spec.trace = trace;
  WD_ASSIGN(Captured captured, run_capture(spec, STDOUT_FILENO));
  std::string_view out = captured.out;
  // The records "0".."N-1", then "=" and the environment.
  size_t current = 0;
  bool complete = false;
  for (size_t i = 0; i <= present.size() && !out.empty(); ++i) {
    size_t nul = out.find('\0');
    if (nul == std::string_view::npos) break;
    std::string_view record = out.substr(0, nul);
    out.remove_prefix(nul + 1);
    if (record == "=") {
      complete = true;
      break;
    }
    if (record != std::to_string(i)) break;
    current = i;
  }
  const fs::path& file = present[current];
  if (captured.exit_status != 0)
    return make_error(
        fmt::format("cannot source {}: /bin/sh exited with status {}", file.string(), captured.exit_status));
  if (!complete)
    return make_error(fmt::format("cannot source {}: /bin/sh did not report the environment back", file.string()));
  EnvVars result = EnvVars::from_nul_separated(out);
  // Variables the shell maintains for itself are not the files' doing.
  for (const char* name : {"PWD", "OLDPWD", "SHLVL", "_"}) {
    if (auto old = base.get(name))
      result.set(name, *old);
    else
      result.unset(name);
  }
  // A shell drops what it cannot hold as a variable; the files could not
  // have changed those, so they pass through as they came.
  for (const auto& [name, value] : base.vars())
    if (!is_shell_name(name) && !result.has(name)) result.set(name, value);
  return result;
}

}  // namespace wd
