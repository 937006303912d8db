#include "app_build/installer.hpp"

#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app_build/requirements.hpp"
#include "app_build/tools.hpp"

namespace wd {

constexpr LockFile kPipfileWithoutLock = {"Pipfile", "pipenv"};

namespace {

constexpr LockFile kLockFiles[] = {
    {"uv.lock", "uv"},
    {"poetry.lock", "poetry"},
    {"Pipfile.lock", "pipenv"},
    {"pdm.lock", "pdm"},
    // PEP 751; uv installs it (`uv pip install -r pylock.toml`), pip 25 cannot yet.
    {"pylock.toml", "uv"},
};

// pip's settings uv gets in its own words (translate_index_settings), and
// those that change nothing about what is installed.
bool pip_setting_uv_honours(std::string_view key) {
  static const std::string_view kKeys[] = {
      // mapped
      "index-url", "extra-index-url", "find-links", "trusted-host", "constraint", "default-timeout", "timeout", "cert",
      "require-hashes", "no-index", "no-cache-dir", "pre",
      // no effect on the result
      "cache-dir", "disable-pip-version-check", "no-input", "quiet", "verbose", "progress-bar", "root-user-action",
      "no-color", "retries", "exists-action", "no-warn-script-location", "src", "log", "python-version-check"};
  for (auto k : kKeys)
    if (k == key) return true;
  return false;
}

// "PIP_EXTRA_INDEX_URL" -> "extra-index-url".
std::string pip_key(std::string_view variable) {
  std::string key(variable.substr(4));
  for (char& c : key) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

// pip's configuration files that exist (PIP_CONFIG_FILE, the site-wide,
// per-user and virtualenv ones); PIP_CONFIG_FILE=/dev/null reads none.
std::vector<fs::path> pip_config_files(const EnvVars& env, const fs::path& app_root) {
  std::vector<fs::path> out;
  if (env.is_set("PIP_CONFIG_FILE")) {
    fs::path f = env.get_or("PIP_CONFIG_FILE", "");
    if (f == "/dev/null") return out;
    if (is_file(f)) out.push_back(f);
  }
  fs::path home = env.get_or("HOME", "/");
  fs::path xdg = env.is_set("XDG_CONFIG_HOME") ? fs::path(env.get_or("XDG_CONFIG_HOME", "")) : home / ".config";
  for (const fs::path& f : {fs::path("/etc/xdg/pip/pip.conf"), fs::path("/etc/pip.conf"), home / ".pip" / "pip.conf",
                            xdg / "pip" / "pip.conf", app_root / "pip.conf"})
    if (is_file(f)) out.push_back(f);
  return out;
}

// The first setting of pip's configuration files that uv does not read, as a reason ("" when none).
std::string pip_config_gap(const AppEnvironment& e) {
  for (const auto& f : pip_config_files(e.env, e.settings.app_root)) {
    auto text = read_file_if_exists(f);
    if (!text || !*text) continue;
    std::istringstream in(**text);
    for (std::string line; std::getline(in, line);) {
      std::string t = trim(line);
      if (t.empty() || t[0] == '#' || t[0] == ';' || t[0] == '[') continue;
      auto eq = t.find_first_of("=:");
      if (eq == std::string::npos) continue;  // a continuation line
      std::string key = trim(std::string_view(t).substr(0, eq));
      for (char& c : key) c = c == '_' ? '-' : c;
      if (!pip_setting_uv_honours(key))
        return fmt::format("pip's configuration file {} sets {}, which uv does not read", f.string(), key);
    }
  }
  return "";
}

// The first line of the requirement files that uv cannot install, as a reason ("" when none).
std::string requirement_files_gap(const fs::path& src_root, const std::vector<fs::path>& files) {
  for (const auto& file : files)
    for (const auto& f : requirement_closure(file)) {
      auto text = read_file_if_exists(f);
      if (!text || !*text) continue;
      for (const auto& line : requirement_lines(**text)) {
        std::string t = trim(line);
        bool editable = t.rfind("-e", 0) == 0 || t.rfind("--editable", 0) == 0;
        bool vcs = t.find("git+") != std::string::npos || t.find("hg+") != std::string::npos ||
                   t.find("svn+") != std::string::npos || t.find("bzr+") != std::string::npos;
        if (editable && vcs)
          return fmt::format("{} has an editable VCS requirement ('{}'), which uv does not install",
                             display_path(src_root, f), t);
        for (std::string_view opt : {"--global-option", "--install-option", "--use-feature", "--src", "--trusted-host",
                                     "--config-settings", "--prefer-binary"})
          if (t.find(opt) != std::string::npos)
            return fmt::format("{} uses {}, which uv does not read from requirement files", display_path(src_root, f),
                               opt);
      }
    }
  return "";
}

// Why the requirement files (and the editable application) cannot be given
// to uv instead of pip, or "" when they can: docs/build.md, "pip or uv for
// requirements.txt". `uv_ready`: uv is on PATH or in the tools directory.
std::string uv_gap(const AppEnvironment& e, const std::vector<fs::path>& files, bool uv_ready) {
  const Settings& s = e.settings;
  if (s.pip_no_index && !uv_ready)
    return "WARPDRIVE_PIP_NO_INDEX is set and uv is not installed, which offline it cannot be";
  if (s.pip_no_index && e.env.is_set("WARPDRIVE_SYSTEM_SITE_PACKAGES"))
    return "WARPDRIVE_PIP_NO_INDEX and WARPDRIVE_SYSTEM_SITE_PACKAGES are set, and uv does not count the system "
           "site packages as installed";
  for (const auto& [name, value] : e.env.vars())
    if (name.rfind("PIP_", 0) == 0 && name != "PIP_CONFIG_FILE" && !pip_setting_uv_honours(pip_key(name)))
      return fmt::format("{} is set, which uv does not read", name);
  std::string gap = pip_config_gap(e);
  return gap.empty() ? requirement_files_gap(s.src_root, files) : gap;
}

// WARPDRIVE_INSTALLER, or what the OpenShift builder's ENABLE_PIPENV asks for.
Result<InstallerChoice> named_installer(const AppEnvironment& e, std::vector<std::string>& warnings) {
  const Settings& s = e.settings;
  InstallerChoice c;
  c.installer = e.env.get_or("WARPDRIVE_INSTALLER", "auto");
  c.why = "WARPDRIVE_INSTALLER=" + c.installer;
  if (e.env.is_set("ENABLE_PIPENV") && e.env.is_set("ENABLE_MICROPIPENV"))
    return make_error("ENABLE_PIPENV and ENABLE_MICROPIPENV are both set; set one of them (or WARPDRIVE_INSTALLER)");
  if (c.installer == "auto" && e.env.is_set("ENABLE_PIPENV")) {  // the OpenShift builder's switches
    if (path_exists(s.src_root / "Pipfile") || path_exists(s.src_root / "Pipfile.lock")) {
      c.installer = "pipenv";
      c.why = "ENABLE_PIPENV";
    } else {  // there, `pipenv install -r requirements.txt`: the requirements files are what it installs
      warnings.push_back(
          fmt::format("ENABLE_PIPENV is set but {} has no Pipfile: the requirements files are "
                      "installed as without it",
                      s.src_root.string()));
    }
  }
  if (c.installer != "auto" && c.installer != "pip" && c.installer != "pipenv" && c.installer != "poetry" &&
      c.installer != "uv" && c.installer != "pdm")
    return make_error(
        fmt::format("WARPDRIVE_INSTALLER is '{}'; valid values are auto, pip, uv, poetry, pipenv, pdm", c.installer));
  return c;
}

// No installer named: the one lock file decides; without one, pip for the
// requirement files, or Pipenv for a Pipfile when there are none.
Status lock_decides(const AppEnvironment& e, const std::vector<const LockFile*>& present, InstallerChoice& c) {
  const Settings& s = e.settings;
  if (present.size() > 1) {
    std::vector<std::string_view> names;
    for (auto* l : present) names.push_back(l->file);
    return make_error(
        fmt::format("more than one lock file in {}: {}; warpdrive will not guess which one is "
                    "current: remove the stale ones, or set WARPDRIVE_INSTALLER to uv, poetry, "
                    "pipenv or pdm to choose (pip: requirements files only)",
                    s.src_root.string(), fmt::join(names, ", ")));
  }
  if (present.size() == 1) {
    c.lock = present[0];
    c.installer = std::string(c.lock->installer);
    c.why = std::string(c.lock->file);
    return {};
  }
  c.installer = "pip";
  c.why = "no lock file";
  bool requirement_files = false;
  for (const auto& name : s.pip_packages)
    requirement_files = requirement_files || is_file(requirement_file(s.src_root, name));
  if (!requirement_files && is_file(s.src_root / "Pipfile")) {
    c.lock = &kPipfileWithoutLock;
    c.installer = "pipenv";
    c.why = "Pipfile without Pipfile.lock";
  }
  return {};
}

// An installer named: its lock file (uv: uv.lock before pylock.toml), the
// others ignored with a warning. Only pip and uv can do without one.
Status installer_named(const AppEnvironment& e, const std::vector<const LockFile*>& present, InstallerChoice& c,
                       std::vector<std::string>& warnings) {
  const Settings& s = e.settings;
  for (auto* l : present)
    if (l->installer == c.installer && !c.lock) c.lock = l;
  if (!c.lock && c.installer == "pipenv" && is_file(s.src_root / "Pipfile")) c.lock = &kPipfileWithoutLock;
  if (!c.lock && c.installer != "pip" && c.installer != "uv") {
    std::string file;
    for (const auto& l : kLockFiles)
      if (l.installer == c.installer) file = std::string(l.file);
    return make_error(fmt::format("{} is {} but there is no {}",
                                  c.why == "ENABLE_PIPENV" ? "ENABLE_PIPENV" : "WARPDRIVE_INSTALLER", c.installer,
                                  (s.src_root / file).string()));
  }
  std::vector<std::string_view> ignored;
  for (auto* l : present)
    if (l != c.lock) ignored.push_back(l->file);
  if (!ignored.empty())
    warnings.push_back(fmt::format("ignoring {} in {}: {} chooses {}", fmt::join(ignored, ", "), s.src_root.string(),
                                   c.why, c.lock ? std::string(c.lock->file) : "the requirements files"));
  return {};
}

// The installer of requirement files (and of the editable application):
// WARPDRIVE_INSTALLER=pip or uv says; otherwise uv, measured three times
// faster than pip, unless something the build relies on is pip's only.
Status requirements_installer(const AppEnvironment& e, InstallerChoice& c) {
  const Settings& s = e.settings;
  c.requirements_installer = c.installer == "uv" ? "uv" : "pip";
  if (e.env.get_or("WARPDRIVE_INSTALLER", "auto") != "auto" || c.installer == "uv") return {};
  std::vector<fs::path> files;
  for (const auto& name : s.pip_packages) {
    fs::path file = requirement_file(s.src_root, name);
    if (is_file(file)) files.push_back(file);
  }
  WD_ASSIGN(ToolPlan uv, resolve_tool(e.env, "uv"));
  std::string gap = uv_gap(e, files, !uv.provision);
  c.requirements_installer = gap.empty() ? "uv" : "pip";
  std::string why = gap.empty() ? "uv, the default for requirement files (WARPDRIVE_INSTALLER=pip for pip)"
                                : "pip, not uv, for requirement files: " + gap;
  bool named = !(s.pip_packages.size() == 1 && s.pip_packages[0] == "requirements.txt");
  if (!c.lock) {
    c.installer = c.requirements_installer;
    c.why = "no lock file; " + why;
  } else if (named && !files.empty()) {
    c.why += "; " + why;  // WARPDRIVE_PIP_PACKAGES' files are installed after the lock file
  }
  return {};
}

}  // namespace

Result<InstallerChoice> choose_installer(const AppEnvironment& e, std::vector<std::string>& warnings) {
  WD_ASSIGN(InstallerChoice c, named_installer(e, warnings));
  std::vector<const LockFile*> present;
  for (const auto& l : kLockFiles)
    if (path_exists(e.settings.src_root / std::string(l.file))) present.push_back(&l);
  if (c.installer == "auto") {
    WD_TRY(lock_decides(e, present, c));
  } else {
    WD_TRY(installer_named(e, present, c, warnings));
  }
  WD_TRY(requirements_installer(e, c));
  return c;
}

}  // namespace wd
