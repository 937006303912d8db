#include "app_build/plan.hpp"
#include "app_build/wheels.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "introspect/django.hpp"
#include "log.hpp"
#include "process.hpp"
#include "server_registry.hpp"
#include "shell.hpp"
#include "start/detect.hpp"

namespace wd {

namespace {

// A lock file and the installer that installs exactly what it lists.
struct LockFile {
  std::string_view file;
  std::string_view installer;
};
constexpr LockFile kLockFiles[] = {
    {"uv.lock", "uv"},
    {"poetry.lock", "poetry"},
    {"Pipfile.lock", "pipenv"},
    {"pdm.lock", "pdm"},
    // PEP 751; uv installs it (`uv pip install -r pylock.toml`), pip 25 cannot yet.
    {"pylock.toml", "uv"},
};
// A Pipfile without its lock: installed with `pipenv install --skip-lock`
// when nothing else installs dependencies, or when Pipenv is asked for.
constexpr LockFile kPipfileWithoutLock = {"Pipfile", "pipenv"};

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

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// "a.txt" relative to SRC_ROOT for messages and digests; absolute paths stay.
std::string display(const fs::path& src_root, const fs::path& p) {
  auto rel = p.lexically_relative(src_root);
  if (!rel.empty() && *rel.begin() != "..") return rel.string();
  return p.string();
}

// "sha256 of the contents", or "missing".
Result<std::string> file_fingerprint(const fs::path& p) {
  WD_ASSIGN(auto text, read_file_if_exists(p));
  if (!text) return std::string("missing");
  return sha256_hex(*text);
}

// The value after -r/-c style options on one requirements line, if any.
std::optional<std::string> include_target(const std::string& line) {
  static const std::string_view kShort[] = {"-r", "-c"};
  static const std::string_view kLong[] = {"--requirement", "--constraint"};
  std::string s = trim(line);
  for (auto opt : kLong) {
    if (s.rfind(opt, 0) == 0) {
      std::string rest = s.substr(opt.size());
      if (!rest.empty() && (rest[0] == '=' || rest[0] == ' ' || rest[0] == '\t')) return trim(rest.substr(1));
    }
  }
  for (auto opt : kShort) {
    if (s.rfind(opt, 0) == 0) {
      std::string rest = trim(s.substr(opt.size()));
      if (!rest.empty() && rest[0] == '=') rest = trim(rest.substr(1));
      if (!rest.empty()) return rest;
    }
  }
  return std::nullopt;
}

// The logical lines of a requirements file: comments removed, continuations joined.
std::vector<std::string> requirement_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string pending;
  for (std::string raw; std::getline(in, raw);) {
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (!raw.empty() && raw.back() == '\\') {
      pending += raw.substr(0, raw.size() - 1);
      continue;
    }
    std::string line = pending + raw;
    pending.clear();
    // pip: a # at the start or after white space starts a comment.
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line.resize(i);
        break;
      }
    }
    lines.push_back(line);
  }
  if (!pending.empty()) lines.push_back(pending);
  return lines;
}

bool is_url(const std::string& s) { return s.find("://") != std::string::npos; }

// True when pyproject.toml describes something pip can install; an invalid
// file is an error with its line and column.
Result<bool> pyproject_installable(const fs::path& path) {
  WD_ASSIGN(auto text, read_file(path));
  try {
    toml::table table = toml::parse(text, path.string());
    return table.contains("project") || table.contains("build-system");
  } catch (const toml::parse_error& e) {
    return make_error(fmt::format("{}:{}:{}: not valid TOML: {}", path.string(), e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
}

// False when Poetry has no package to install as the project itself: no
// `packages`, and no directory or module named like the project at the top or
// under src/ (a Django site made by `poetry init`). Poetry fails on such a
// project unless told --no-root. True otherwise (also without a pyproject.toml:
// poetry reports that itself).
Result<bool> poetry_has_root_package(const fs::path& src_root) {
  fs::path path = src_root / "pyproject.toml";
  if (!path_exists(path)) return true;
  WD_ASSIGN(auto text, read_file(path));
  try {
    toml::table table = toml::parse(text, path.string());
    const toml::node_view<toml::node> poetry = table["tool"]["poetry"];
    std::optional<std::string> name = table["project"]["name"].value<std::string>();
    if (!name) name = poetry["name"].value<std::string>();
    if (poetry["package-mode"].value_or(true) == false || poetry["packages"] || !name) return true;
    std::string module = *name;
    for (char& c : module)
      c = (c == '-' || c == '.') ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const fs::path& dir : {src_root, src_root / "src"})
      if (is_dir(dir / module) || is_file(dir / (module + ".py"))) return true;
    return false;
  } catch (const toml::parse_error& e) {
    return make_error(fmt::format("{}:{}:{}: not valid TOML: {}", path.string(), e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
}

// The wheelhouse's file list (names and sizes), or "none".
Result<std::string> wheelhouse_listing(const fs::path& dir) {
  if (!path_exists(dir)) return std::string("none");
  WD_TRY(check_wheelhouse(dir));
  DIR* d = ::opendir(dir.c_str());
  if (!d) return make_error(fmt::format("cannot read directory {}: {}", dir.string(), errno_text(errno)));
  std::vector<std::string> entries;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    long long size = ::stat((dir / name).c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
    entries.push_back(fmt::format("{} {}", name, size));
  }
  ::closedir(d);
  std::sort(entries.begin(), entries.end());
  return join(entries, "\n");
}

// The server start will run (start/detect.hpp answers for both), and what
// the registry says it needs. A detection error (an APP_MODULE that only the
// install provides, say) is a warning here: start reports it if it persists.
ServerCheck server_check(const AppEnvironment& e, std::vector<std::string>& warnings) {
  const Settings& s = e.settings;
  ServerCheck c;
  std::optional<ServerId> server = s.deploy_mode == DeployMode::full_control ? s.full_control_server : s.server_type;
  auto detected = detect_app(e, DetectDepth::files);
  if (detected) {
    server = detected->server;
    c.reason = detected->server_reason;
  } else {
    warnings.push_back(
        fmt::format("start will not find the application as the source is now: {}", detected.error().message));
    c.reason = fmt::format("{} (server type from the {})", server_name(*server), s.server_type_origin.text());
    if (s.deploy_mode != DeployMode::full_control && e.env.is_set("APP_MODULE") &&
        s.server_type_origin.kind == SettingOrigin::fallback) {  // as start will decide once the install provides it
      server = ServerId::gunicorn;
      c.reason =
          "gunicorn: the application is set up for the OpenShift Python builder (APP_MODULE), which runs "
          "gunicorn, and no server type is set";
    }
  }
  if (!server) {
    c.needed = false;
    c.skip_reason = c.reason;
    return c;
  }
  const ServerInfo& info = server_info(*server);
  c.server = std::string(info.name);
  for (auto m : info.install.modules) c.modules.emplace_back(m);
  for (auto p : info.install.programs) c.programs.emplace_back(p);
  for (auto f : info.install.files) c.files.emplace_back(std::string(f));
  for (auto v : info.install.venv_programs) c.venv_alternatives.push_back(s.app_root / "bin" / std::string(v));
  for (auto p : info.install.pip_packages) c.pip_packages.emplace_back(p);
  c.debian_packages = std::string(info.install.debian_packages);
  return c;
}

// A tool on PATH or in the tools directory; nothing is run.
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

// The index settings every installer understands in its own words: pip's
// PIP_INDEX_URL / PIP_EXTRA_INDEX_URL are given to uv, PDM and Pipenv when
// their own variables are unset, and uv's to pip.
void translate_index_settings(EnvVars& env, std::string_view installer) {
  auto copy = [&env](std::string_view from, std::string_view to) {
    if (env.is_set(from) && !env.has(to)) env.set(std::string(to), env.get_or(from, ""));
  };
  if (installer == "uv") {
    if (!env.has("UV_DEFAULT_INDEX")) copy("PIP_INDEX_URL", "UV_INDEX_URL");
    copy("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL");
    copy("PIP_FIND_LINKS", "UV_FIND_LINKS");
    copy("PIP_TRUSTED_HOST", "UV_INSECURE_HOST");
    copy("PIP_CONSTRAINT", "UV_CONSTRAINT");
    copy("PIP_DEFAULT_TIMEOUT", "UV_HTTP_TIMEOUT");
    copy("PIP_CERT", "SSL_CERT_FILE");
    copy("PIP_REQUIRE_HASHES", "UV_REQUIRE_HASHES");
    if (env.is_set("PIP_NO_INDEX") && !env.has("UV_NO_INDEX")) env.set("UV_NO_INDEX", "1");
    if (env.is_set("PIP_NO_CACHE_DIR") && !env.has("UV_NO_CACHE")) env.set("UV_NO_CACHE", "1");
    if (env.is_set("PIP_PRE") && !env.has("UV_PRERELEASE")) env.set("UV_PRERELEASE", "allow");
  } else if (installer == "pdm") {
    copy("PIP_INDEX_URL", "PDM_PYPI_URL");
  } else if (installer == "pipenv") {
    copy("PIP_INDEX_URL", "PIPENV_PYPI_MIRROR");
  } else if (installer == "pip") {
    copy("UV_INDEX_URL", "PIP_INDEX_URL");
    copy("UV_DEFAULT_INDEX", "PIP_INDEX_URL");
    copy("UV_EXTRA_INDEX_URL", "PIP_EXTRA_INDEX_URL");
  }
}

bool index_variable(const std::string& name) {
  for (std::string_view p : {"PIP_", "UV_", "POETRY_", "PIPENV_", "PDM_"})
    if (name.rfind(p, 0) == 0) return true;
  return name == "WARPDRIVE_INSTALLER" || name == "ENABLE_PIPENV" || name == "ENABLE_MICROPIPENV" ||
         name == "DISABLE_SETUP_PY_PROCESSING" || name == "DISABLE_PYPROJECT_TOML_PROCESSING" ||
         name == "WARPDRIVE_PIP_PACKAGES" ||
         (name.rfind("WARPDRIVE_", 0) == 0 && name.size() > 8 && name.compare(name.size() - 8, 8, "_VERSION") == 0);
}

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
  for (const auto& f : pip_config_files(e.env, s.app_root)) {
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
                             display(s.src_root, f), t);
        for (std::string_view opt : {"--global-option", "--install-option", "--use-feature", "--src", "--trusted-host",
                                     "--config-settings", "--prefer-binary"})
          if (t.find(opt) != std::string::npos)
            return fmt::format("{} uses {}, which uv does not read from requirement files", display(s.src_root, f),
                               opt);
      }
    }
  return "";
}
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

Result<VenvPlan> plan_virtualenv(const AppEnvironment& e) {
  VenvPlan v;
  const Settings& s = e.settings;
  WD_ASSIGN(v.request, read_python_request(s.src_root));
  v.create = !s.has_virtualenv();
  if (!v.create && v.request) {
    // An existing virtualenv of another Python than the one asked for is made again.
    WD_ASSIGN(auto cfg, read_file_if_exists(s.app_root / "pyvenv.cfg"));
    std::string version = cfg ? pyvenv_version(*cfg) : "";
    if (!version.empty()) {
      WD_ASSIGN(bool ok, python_satisfies(*v.request, version));
      if (!ok) {
        v.create = v.recreate = true;
        v.recreate_reason = fmt::format("its Python {} does not match {}", version, v.request->text());
      }
    }
  }
  std::string python = e.env.get_or("WARPDRIVE_PYTHON", "python3");
  if (v.create) {
    // The virtualenv being replaced is no candidate: search PATH without it.
    EnvVars search = e.env;
    std::string path, venv_bin = (s.app_root / "bin").string();
    std::istringstream dirs(e.env.get_or("PATH", ""));
    for (std::string dir; std::getline(dirs, dir, ':');)
      if (dir != venv_bin) path += (path.empty() ? "" : ":") + dir;
    search.set("PATH", path);
    WD_ASSIGN(PythonChoice choice, choose_python(search, v.request));
    python = choice.python;
    v.python_why = choice.why;
  }
  v.argv = {python, "-m", "venv"};
  if (e.env.is_set("WARPDRIVE_SYSTEM_SITE_PACKAGES")) v.argv.push_back("--system-site-packages");
  v.argv.push_back(s.app_root.string());
  return v;
}

std::vector<fs::path> requirement_closure(const fs::path& file) {
  std::vector<fs::path> out;
  std::vector<fs::path> todo = {file.lexically_normal()};
  while (!todo.empty()) {
    fs::path f = todo.front();
    todo.erase(todo.begin());
    if (std::find(out.begin(), out.end(), f) != out.end()) continue;
    out.push_back(f);
    auto text = read_file_if_exists(f);
    if (!text || !*text) continue;
    for (const auto& line : requirement_lines(**text)) {
      auto target = include_target(line);
      if (!target || target->empty() || is_url(*target)) continue;
      fs::path t(*target);
      todo.push_back((t.is_absolute() ? t : f.parent_path() / t).lexically_normal());
    }
  }
  return out;
}

Result<BuildPlan> plan_build(const AppEnvironment& e, const BuildOptions& options,
                             const std::optional<BuildRecord>& previous, bool venv_created) {
  const Settings& s = e.settings;
  BuildPlan plan;
  plan.python = s.app_root / "bin" / "python";
  plan.pip_src = s.app_root / "tmp" / "warpdrive" / "pip-src";
  plan.force = options.force || e.env.is_set("WARPDRIVE_FORCE_INSTALL");
  auto& inputs = plan.digest_inputs;

  // The interpreter: pyvenv.cfg holds its version, home and the system-site flag.
  WD_ASSIGN(std::string venv_cfg, file_fingerprint(s.app_root / "pyvenv.cfg"));
  inputs.push_back({"virtualenv pyvenv.cfg", venv_cfg});

  // pip's common options.
  std::vector<std::string> pip_options = {"--exists-action=w"};
  fs::path wheelhouse = s.warpdrive_dir() / "wheelhouse";
  WD_ASSIGN(std::string wheels, wheelhouse_listing(wheelhouse));
  inputs.push_back({"wheelhouse", wheels});
  if (is_dir(wheelhouse)) {
    pip_options.push_back("--find-links");
    pip_options.push_back(wheelhouse.string());
  }
  if (s.pip_no_index) pip_options.push_back("--no-index");
  std::vector<std::string> pip = {plan.python.string(), "-m", "pip", "install"};
  plan.pip_install = pip;
  plan.pip_install.insert(plan.pip_install.end(), pip_options.begin(), pip_options.end());

  // 1. The installer: a lock file decides, WARPDRIVE_INSTALLER chooses.
  std::string installer = e.env.get_or("WARPDRIVE_INSTALLER", "auto");
  std::string origin = "WARPDRIVE_INSTALLER=" + installer;
  if (e.env.is_set("ENABLE_PIPENV") && e.env.is_set("ENABLE_MICROPIPENV"))
    return make_error("ENABLE_PIPENV and ENABLE_MICROPIPENV are both set; set one of them (or WARPDRIVE_INSTALLER)");
  if (installer == "auto" && e.env.is_set("ENABLE_PIPENV")) {  // the OpenShift builder's switches
    if (path_exists(s.src_root / "Pipfile") || path_exists(s.src_root / "Pipfile.lock")) {
      installer = "pipenv";
      origin = "ENABLE_PIPENV";
    } else {  // there, `pipenv install -r requirements.txt`: the requirements files are what it installs
      plan.warnings.push_back(
          fmt::format("ENABLE_PIPENV is set but {} has no Pipfile: the requirements files are "
                      "installed as without it",
                      s.src_root.string()));
    }
  }
  if (installer != "auto" && installer != "pip" && installer != "pipenv" && installer != "poetry" &&
      installer != "uv" && installer != "pdm")
    return make_error(
        fmt::format("WARPDRIVE_INSTALLER is '{}'; valid values are auto, pip, uv, poetry, pipenv, pdm", installer));
  std::vector<const LockFile*> present;
  std::vector<std::string> present_names;
  for (const auto& l : kLockFiles)
    if (path_exists(s.src_root / std::string(l.file))) {
      present.push_back(&l);
      present_names.emplace_back(l.file);
    }
  const LockFile* lock = nullptr;
  if (installer == "auto") {
    if (present.size() > 1)
      return make_error(
          fmt::format("more than one lock file in {}: {}; warpdrive will not guess which one is "
                      "current: remove the stale ones, or set WARPDRIVE_INSTALLER to uv, poetry, "
                      "pipenv or pdm to choose (pip: requirements files only)",
                      s.src_root.string(), join(present_names, ", ")));
    if (present.size() == 1) {
      lock = present[0];
      installer = std::string(lock->installer);
      origin = std::string(lock->file);
    } else {
      installer = "pip";
      origin = "no lock file";
      bool requirement_files = false;
      for (const auto& name : s.pip_packages)
        requirement_files =
            requirement_files || is_file(fs::path(name).is_absolute() ? fs::path(name) : s.src_root / name);
      if (!requirement_files && is_file(s.src_root / "Pipfile")) {
        lock = &kPipfileWithoutLock;
        installer = "pipenv";
        origin = "Pipfile without Pipfile.lock";
      }
    }
  } else {
    for (auto* l : present)
      if (l->installer == installer && !lock) lock = l;  // uv: uv.lock before pylock.toml
    if (!lock && installer == "pipenv" && is_file(s.src_root / "Pipfile")) lock = &kPipfileWithoutLock;
    if (!lock && installer != "pip" && installer != "uv") {
      std::string file;
      for (const auto& l : kLockFiles)
        if (l.installer == installer) file = std::string(l.file);
      return make_error(fmt::format("{} is {} but there is no {}",
                                    origin == "ENABLE_PIPENV" ? "ENABLE_PIPENV" : "WARPDRIVE_INSTALLER", installer,
                                    (s.src_root / file).string()));
    }
    std::vector<std::string> ignored;
    for (auto* l : present)
      if (l != lock) ignored.emplace_back(l->file);
    if (!ignored.empty())
      plan.warnings.push_back(fmt::format("ignoring {} in {}: {} chooses {}", join(ignored, ", "), s.src_root.string(),
                                          origin, lock ? std::string(lock->file) : "the requirements files"));
  }
  // The installer of requirement files (and of the editable application):
  // WARPDRIVE_INSTALLER=pip or uv says; otherwise uv, measured three times
  // faster than pip, unless something the build relies on is pip's only.
  std::string req_installer = installer == "uv" ? "uv" : "pip";
  if (e.env.get_or("WARPDRIVE_INSTALLER", "auto") == "auto" && installer != "uv") {
    std::vector<fs::path> files;
    for (const auto& name : s.pip_packages) {
      fs::path file = fs::path(name).is_absolute() ? fs::path(name) : s.src_root / name;
      if (is_file(file)) files.push_back(file);
    }
    WD_ASSIGN(ToolPlan uv, resolve_tool(e.env, "uv"));
    std::string gap = uv_gap(e, files, !uv.provision);
    req_installer = gap.empty() ? "uv" : "pip";
    std::string why = gap.empty() ? "uv, the default for requirement files (WARPDRIVE_INSTALLER=pip for pip)"
                                  : "pip, not uv, for requirement files: " + gap;
    bool named = !(s.pip_packages.size() == 1 && s.pip_packages[0] == "requirements.txt");
    if (!lock) {
      installer = req_installer;
      origin = "no lock file; " + why;
    } else if (named && !files.empty()) {
      origin += "; " + why;  // WARPDRIVE_PIP_PACKAGES' files are installed after the lock file
    }
  }
  plan.installer = installer;
  plan.installer_why = origin;
  inputs.push_back({"installer", installer + " (" + origin + ")"});

  // The tools, found or to be installed (nothing runs now).
  auto tool_for = [&](std::string_view name) -> Result<fs::path> {
    for (const auto& t : plan.tools)
      if (t.name == name) return t.program;
    WD_ASSIGN(ToolPlan t, resolve_tool(e.env, name));
    inputs.push_back({"tool " + t.name, t.fingerprint});
    plan.tools.push_back(t);
    return t.program;
  };
  auto base_step_env = [&](std::string_view tool) {
    EnvVars env = e.env;
    // Each tool installs into the virtualenv at APP_ROOT, never one of its own.
    env.set("VIRTUAL_ENV", s.app_root.string());
    translate_index_settings(env, tool);
    return env;
  };
  auto uv_pip = [&](const fs::path& uv) {
    std::vector<std::string> argv = {uv.string(),         "pip", "install", "--python", plan.python.string(),
                                     "--compile-bytecode"};
    if (is_dir(wheelhouse)) argv.insert(argv.end(), {"--find-links", wheelhouse.string()});
    if (s.pip_no_index) argv.push_back("--no-index");
    return argv;
  };

  // 2. The lock file.
  if (lock) {
    fs::path file = s.src_root / std::string(lock->file);
    WD_ASSIGN(fs::path tool, tool_for(lock->installer));
    InstallStep step;
    step.title = fmt::format("Installing dependencies with {} ({})", lock->installer, lock->file);
    step.input = file.string();
    step.tool = std::string(lock->installer);
    step.env = base_step_env(lock->installer);
    if (lock->file == "pylock.toml") {
      step.argv = uv_pip(tool);
      step.argv.insert(step.argv.end(), {"--preview-features", "pylock", "-r", file.string()});
    } else if (lock->installer == "uv") {
      // --inexact: the server warpdrive installs stays.
      step.argv = {tool.string(), "sync", "--locked", "--no-dev", "--inexact", "--compile-bytecode"};
      step.env.set("UV_PROJECT_ENVIRONMENT", s.app_root.string());
      step.env.set("UV_PYTHON", plan.python.string());
      step.env.set("UV_PYTHON_DOWNLOADS", "never");
      if (is_dir(wheelhouse)) step.env.set("UV_FIND_LINKS", wheelhouse.string());
      if (s.pip_no_index) step.env.set("UV_OFFLINE", "1");
    } else if (lock->installer == "poetry") {
      step.argv = {tool.string(), "sync", "--only", "main", "--no-interaction", "--compile"};
      step.env.set("POETRY_VIRTUALENVS_CREATE", "false");
      WD_ASSIGN(bool root, poetry_has_root_package(s.src_root));
      if (!root) {
        step.argv.push_back("--no-root");
        plan.warnings.push_back(
            fmt::format("{} names no package of its own that exists in {}: poetry installs the "
                        "dependencies only (--no-root)",
                        (s.src_root / "pyproject.toml").string(), s.src_root.string()));
      }
    } else if (lock->installer == "pipenv") {
      step.argv = {tool.string(), "install", lock == &kPipfileWithoutLock ? "--skip-lock" : "--deploy"};
      if (lock == &kPipfileWithoutLock) {
        step.title = "Installing dependencies with pipenv (Pipfile, no Pipfile.lock: unlocked)";
        plan.warnings.push_back(
            fmt::format("{} has no Pipfile.lock: its packages are installed as the Pipfile "
                        "states them, unlocked (pipenv install --skip-lock); run `pipenv lock` "
                        "and commit Pipfile.lock for reproducible builds",
                        (s.src_root / "Pipfile").string()));
      }
      step.env.set("PIPENV_VERBOSITY", "-1");
      step.env.set("PIPENV_YES", "1");
      if (is_dir(wheelhouse)) step.env.set("PIP_FIND_LINKS", wheelhouse.string());
      if (s.pip_no_index) step.env.set("PIP_NO_INDEX", "1");
    } else {  // pdm
      step.argv = {tool.string(), "sync", "--prod"};
      step.env.set("PDM_NON_INTERACTIVE", "1");
      step.env.set("PDM_CHECK_UPDATE", "false");
      step.env.set("PDM_USE_VENV", "true");
    }
    plan.installs.push_back(std::move(step));
    WD_ASSIGN(std::string fp, file_fingerprint(file));
    inputs.push_back({std::string("lock ") + std::string(lock->file), fp});
    for (std::string_view extra : {"Pipfile", "pyproject.toml"}) {
      if (lock->installer == "pipenv" ? extra != "Pipfile" : extra != "pyproject.toml") continue;
      WD_ASSIGN(std::string pf, file_fingerprint(s.src_root / std::string(extra)));
      inputs.push_back({"lock " + std::string(extra), pf});
    }
  }

  // 3. Requirement files. Beside a lock file only when WARPDRIVE_PIP_PACKAGES
  // names them: the lock file is the complete list, a requirements.txt next to
  // it is usually an export of it for other tools.
  bool have_requirements = false;
  // (Settings export WARPDRIVE_PIP_PACKAGES, so "named" means: other than the default.)
  bool explicit_packages = !(s.pip_packages.size() == 1 && s.pip_packages[0] == "requirements.txt");
  for (const auto& name : s.pip_packages) {
    fs::path file = fs::path(name).is_absolute() ? fs::path(name) : s.src_root / name;
    if (is_dir(file))
      return make_error(
          fmt::format("{} (from WARPDRIVE_PIP_PACKAGES) is a directory, not a requirements file", file.string()));
    if (!is_file(file)) continue;
    if (lock && !explicit_packages) {
      plan.warnings.push_back(
          fmt::format("not installing {}: the lock file {} lists the dependencies (set "
                      "WARPDRIVE_INSTALLER=pip to install {} instead; the files of a "
                      "WARPDRIVE_PIP_PACKAGES other than the default are installed after the "
                      "lock file)",
                      display(s.src_root, file), lock->file, name));
      continue;
    }
    have_requirements = true;
    InstallStep step;
    step.title = fmt::format("Installing dependencies with {} ({})", req_installer, name);
    step.input = file.string();
    if (req_installer == "uv") {
      WD_ASSIGN(fs::path uv, tool_for("uv"));
      step.tool = "uv pip install";
      step.argv = uv_pip(uv);
      step.argv.insert(step.argv.end(), {"-r", file.string()});
      step.env = base_step_env("uv");
    } else {
      step.tool = "pip install";
      step.argv = pip;
      step.argv.insert(step.argv.end(), pip_options.begin(), pip_options.end());
      step.argv.insert(step.argv.end(), {"--src", plan.pip_src.string(), "-r", file.string()});
      step.env = e.env;
      translate_index_settings(step.env, "pip");
      step.uses_pip_src = true;
    }
    plan.installs.push_back(std::move(step));
    for (const auto& f : requirement_closure(file)) {
      WD_ASSIGN(std::string fp, file_fingerprint(f));
      inputs.push_back({"requirements " + display(s.src_root, f), fp});
    }
  }

  // 4. The application itself, editable.
  fs::path pyproject = s.src_root / "pyproject.toml";
  bool pyproject_counts = false;
  if (is_file(pyproject)) {
    WD_ASSIGN(pyproject_counts, pyproject_installable(pyproject));
  }
  bool has_setup = is_file(s.src_root / "setup.py") || is_file(s.src_root / "setup.cfg");
  for (std::string_view f : {"pyproject.toml", "setup.py", "setup.cfg"}) {
    WD_ASSIGN(std::string fp, file_fingerprint(s.src_root / std::string(f)));
    inputs.push_back({std::string("project ") + std::string(f), fp});
  }
  // uv, Poetry and PDM install the project themselves (Pipenv and pylock.toml do not).
  bool tool_installs_project = lock && lock->file != "pylock.toml" && lock->installer != "pipenv";
  bool disabled = (has_setup && e.env.is_set("DISABLE_SETUP_PY_PROCESSING")) ||
                  (pyproject_counts && e.env.is_set("DISABLE_PYPROJECT_TOML_PROCESSING"));
  if (!have_requirements && !tool_installs_project && (pyproject_counts || has_setup) && !disabled) {
    InstallStep step;
    std::string trigger =
        pyproject_counts ? "pyproject.toml" : (is_file(s.src_root / "setup.py") ? "setup.py" : "setup.cfg");
    step.title = fmt::format("Installing the application with {} (editable, {})", req_installer, trigger);
    step.input = (s.src_root / trigger).string();
    if (req_installer == "uv") {
      WD_ASSIGN(fs::path uv, tool_for("uv"));
      step.tool = "uv pip install";
      step.argv = uv_pip(uv);
      if (s.pip_no_index) step.argv.push_back("--no-build-isolation");
      step.env = base_step_env("uv");
    } else {
      step.tool = "pip install";
      step.argv = pip;
      step.argv.insert(step.argv.end(), pip_options.begin(), pip_options.end());
      // Offline, pip cannot fetch the build backend into an isolated
      // environment: use the one installed in the virtualenv.
      if (s.pip_no_index) step.argv.push_back("--no-build-isolation");
      step.env = e.env;
      translate_index_settings(step.env, "pip");
    }
    step.argv.insert(step.argv.end(), {"-e", s.src_root.string()});
    plan.installs.push_back(std::move(step));
  }

  // The environment that changes what the installers do; index URLs without
  // their passwords (the location matters, a rotated password does not).
  for (const auto& [name, value] : e.env.vars())
    if (index_variable(name))
      inputs.push_back({"env " + name, secret_variable(name) ? std::string("****") : mask_credentials(value)});
  for (const auto& step : plan.installs) {
    std::string words;
    for (const auto& a : step.argv) words += (words.empty() ? "" : " ") + shell_quote(a);
    inputs.push_back({"command", words});
  }

  // The server.
  plan.server = server_check(e, plan.warnings);
  inputs.push_back({"server", plan.server.needed ? plan.server.server : "none (" + plan.server.skip_reason + ")"});

  plan.dependency_digest = digest_of(inputs);
  plan.dependencies_unchanged =
      !plan.force && !venv_created && previous && previous->dependency_digest == plan.dependency_digest;

  // Django.
  plan.django.project = is_django_project(s);
  if (plan.django.project) {
    bool mode_runs_it = s.deploy_mode == DeployMode::automatic || s.deploy_mode == DeployMode::django;
    if (!mode_runs_it) {
      plan.django.reason = fmt::format(
          "deploy mode {} ({}) does not collect static files; a build hook can run "
          "collectstatic",
          s.deploy_mode_name(), s.deploy_mode_origin.text());
    } else if (e.env.is_set("DISABLE_COLLECTSTATIC")) {
      plan.django.reason = "DISABLE_COLLECTSTATIC is set";
      plan.django.facts = true;
    } else {
      plan.django.collectstatic = true;
    }
  }
  return plan;
}

std::string describe_plan(const BuildPlan& plan, const VenvPlan& venv) {
  std::string out;
  auto words = [](const std::vector<std::string>& argv) {
    std::string w;
    for (const auto& a : argv) w += (w.empty() ? "" : " ") + shell_quote(a);
    return w;
  };
  out += "python:\n";
  out += "  asked for: " + (venv.request ? venv.request->text() : std::string("nothing in particular")) + "\n";
  if (!venv.python_why.empty()) out += "  interpreter: " + venv.python_why + "\n";
  out += "virtualenv:\n";
  if (venv.recreate) out += "  remove the existing one: " + venv.recreate_reason + "\n";
  out += venv.create ? "  create: " + words(venv.argv) + "\n" : "  existing\n";
  out += "dependencies:\n";
  out += fmt::format("  installer: {} ({})\n", plan.installer, plan.installer_why);
  for (const auto& t : plan.tools) {
    if (t.version.empty())
      out += fmt::format("  tool {}: {} (on PATH)\n", t.name, t.program.string());
    else
      out += fmt::format("  tool {} {} ({}): {}{}\n", t.name, t.version, t.origin, t.dir.string(),
                         t.provision ? " (to be installed there)" : "");
  }
  if (plan.dependencies_unchanged) out += "  unchanged since the last build: nothing is installed\n";
  if (plan.installs.empty()) out += "  nothing to install\n";
  for (const auto& w : plan.warnings) out += "  warning: " + w + "\n";
  for (const auto& step : plan.installs) out += "  " + step.title + "\n    " + words(step.argv) + "\n";
  out += "server:\n";
  if (plan.server.needed) {
    out += fmt::format("  {}\n", plan.server.reason);
    out +=
        fmt::format("  check {} ({})\n", plan.server.server,
                    plan.server.modules.empty() ? "programs and modules" : "import " + join(plan.server.modules, ", "));
  } else {
    out += "  no check: " + plan.server.skip_reason + "\n";
  }
  out += "django:\n";
  if (!plan.django.project)
    out += "  not a Django project\n";
  else if (plan.django.collectstatic)
    out += "  collectstatic --noinput (skipped when nothing changed)\n";
  else
    out += "  no collectstatic: " + plan.django.reason + "\n";
  out += "digest inputs:\n";
  for (const auto& i : plan.digest_inputs) {
    std::string v = i.value;
    std::replace(v.begin(), v.end(), '\n', ';');
    out += fmt::format("  {}: {}\n", i.name, v);
  }
  out += "dependency digest: " + plan.dependency_digest + (plan.force ? " (forced reinstall)" : "") + "\n";
  return out;
}

}  // namespace wd
