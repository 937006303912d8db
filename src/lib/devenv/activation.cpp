#include "devenv/activation.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "shell.hpp"

namespace wd::devenv {

Activation plan_activation(const Project& project, const fs::path& src_root) {
  Activation a;
  a.name = project.name;
  a.venv = project.path;
  a.src_root = src_root;
  a.prompt = fmt::format("({}{}) ", kProjectPrefix, project.name);
  a.exports = {
      {"WARPDRIVE_ENV_NAME", project.name},      {"WARPDRIVE_APP_ROOT", project.path.string()},
      {"WARPDRIVE_SRC_ROOT", src_root.string()}, {"VIRTUAL_ENV", project.path.string()},
      {"VIRTUAL_ENV_PROMPT", a.prompt},
  };
  a.unsets = {"PYTHONHOME"};
  for (const auto& [name, value] : a.exports) a.saved.push_back(name);
  for (const auto& name : a.unsets) a.saved.push_back(name);
  a.saved.push_back("PATH");
  a.saved.push_back("PS1");
  return a;
}

std::string render_activation(const Activation& a) {
  std::string out = fmt::format(
      "# Activates the warpdrive project {0} (eval \"$(warpdrive activate {0})\");\n"
      "# 'warpdrive deactivate' gives back the values saved here.\n",
      a.name);
  out += "if [ -z \"${_warpdrive_active-}\" ]; then\n";
  out += "  _warpdrive_saved=" + single_quote(fmt::format("{}", fmt::join(a.saved, " "))) + "\n";
  for (const auto& n : a.saved)
    out += fmt::format(
        "  if [ -n \"${{{0}+set}}\" ]; then _warpdrive_old_{0}=${0}; else unset _warpdrive_old_{0}; fi\n", n);
  out += "fi\n";
  out += "_warpdrive_active=" + single_quote(a.name) + "\n";
  for (const auto& [name, value] : a.exports) out += "export " + name + "=" + single_quote(value) + "\n";
  for (const auto& name : a.unsets) out += "unset " + name + "\n";
  // Built from the saved PATH, so switching projects does not pile up entries;
  // an empty saved PATH adds no empty entry (which would mean the current directory).
  out += "PATH=" + single_quote((a.venv / "bin").string()) + "${_warpdrive_old_PATH:+\":$_warpdrive_old_PATH\"}\n";
  out += "export PATH\n";
  out += "if [ -z \"${VIRTUAL_ENV_DISABLE_PROMPT-}\" ]; then PS1=" + single_quote(a.prompt) +
         "\"${_warpdrive_old_PS1-}\"; fi\n";
  out += "hash -r 2>/dev/null || true\n";
  return out;
}

fs::path logical_cwd(const Context& ctx) {
  auto pwd = ctx.inherited.get("PWD");
  if (pwd && !pwd->empty() && (*pwd)[0] == '/') {
    struct stat a {
    }, b{};
    if (::stat(pwd->c_str(), &a) == 0 && ::stat(ctx.cwd.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
      return fs::path(*pwd).lexically_normal();
  }
  return ctx.cwd;
}

}  // namespace wd::devenv
