#include "app_build/plan.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <sstream>
#include <sys/stat.h>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "introspect/django.hpp"
#include "process.hpp"
#include "server_registry.hpp"
#include "shell.hpp"
#include "start/detect.hpp"

namespace wd {

namespace {


struct LockFile {
  std::string_view file;
  std::string_view tool;
  std::string_view how_to_install;
};
constexpr LockFile kLockFiles[] = {
    {"Pipfile.lock", "pipenv", "install the Debian package pipenv"},
    {"poetry.lock", "poetry", "install the Debian package python3-poetry"},
    {"uv.lock", "uv", "install uv (Debian bookworm has no package for it: pip install uv)"},
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

// The wheelhouse's file list (names and sizes), or "none".
Result<std::string> wheelhouse_listing(const fs::path& dir) {
  if (!path_exists(dir)) return std::string("none");
  if (!is_dir(dir))
    return make_error(fmt::format("{} is not a directory: .warpdrive/wheelhouse must be a directory of wheels "
                                  "(pip --find-links); move the file away",
                                  dir.string()));
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
    warnings.push_back(fmt::format("start will not find the application as the source is now: {}",
                                   detected.error().message));
    c.reason = fmt::format("{} (server type from the {})", server_name(*server), s.server_type_origin.text());
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

}  // namespace

VenvPlan plan_virtualenv(const AppEnvironment& e) {
  VenvPlan v;
  v.create = !e.settings.has_virtualenv();
  v.argv = {e.env.get_or("WARPDRIVE_PYTHON", "python3"), "-m", "venv"};
  if (e.env.is_set("WARPDRIVE_SYSTEM_SITE_PACKAGES")) v.argv.push_back("--system-site-packages");
  v.argv.push_back(e.settings.app_root.string());
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

  // 1. The requirement files that exist.
  bool have_requirements = false;
  for (const auto& name : s.pip_packages) {
    fs::path file = fs::path(name).is_absolute() ? fs::path(name) : s.src_root / name;
    if (is_dir(file)) return make_error(fmt::format("{} (from WARPDRIVE_PIP_PACKAGES) is a directory, not a requirements file", file.string()));
    if (!is_file(file)) continue;
    have_requirements = true;
    InstallStep step;
    step.title = fmt::format("Installing dependencies with pip ({})", name);
    step.input = file.string();
    step.tool = "pip install";
    step.argv = pip;
    step.argv.insert(step.argv.end(), pip_options.begin(), pip_options.end());
    step.argv.insert(step.argv.end(), {"--src", plan.pip_src.string(), "-r", file.string()});
    step.env = e.env;
    step.uses_pip_src = true;
    plan.installs.push_back(std::move(step));
    for (const auto& f : requirement_closure(file)) {
      WD_ASSIGN(std::string fp, file_fingerprint(f));
      inputs.push_back({"requirements " + display(s.src_root, f), fp});
    }
  }

  // 2. Lock files.
  std::string installer = e.env.get_or("WARPDRIVE_INSTALLER", "auto");
  if (installer == "auto" && e.env.is_set("ENABLE_PIPENV")) installer = "pipenv";  // the OpenShift builder's switch
  if (installer != "auto" && installer != "pip" && installer != "pipenv" && installer != "poetry" &&
      installer != "uv")
    return make_error(fmt::format("WARPDRIVE_INSTALLER is '{}'; valid values are auto, pip, pipenv, poetry, uv",
                                  installer));
  std::vector<const LockFile*> present;
  for (const auto& l : kLockFiles)
    if (path_exists(s.src_root / std::string(l.file))) present.push_back(&l);
  const LockFile* lock = nullptr;
  if (installer == "auto") {
    if (present.size() == 1) {
      lock = present[0];
    } else if (present.size() > 1) {
      std::vector<std::string> names;
      for (auto* l : present) names.push_back(std::string(l->file));
      if (!have_requirements)
        return make_error(fmt::format("more than one lock file in {}: {}; set WARPDRIVE_INSTALLER to pipenv, "
                                      "poetry or uv to choose one (or pip to use requirements files only)",
                                      s.src_root.string(), join(names, ", ")));
      plan.warnings.push_back(fmt::format("ignoring the lock files {} in {}: more than one, and requirements "
                                          "files are installed; set WARPDRIVE_INSTALLER to use one of them",
                                          join(names, ", "), s.src_root.string()));
    }
  } else if (installer != "pip") {
    for (const auto& l : kLockFiles)
      if (l.tool == installer) lock = &l;
    if (!path_exists(s.src_root / std::string(lock->file)))
      return make_error(fmt::format("WARPDRIVE_INSTALLER is {} but there is no {}", installer,
                                    (s.src_root / std::string(lock->file)).string()));
  }
  if (lock) {
    fs::path file = s.src_root / std::string(lock->file);
    auto tool = find_program(std::string(lock->tool), e.env);
    if (!tool)
      return make_error(fmt::format("{} needs {}, which is not installed: {}, or set WARPDRIVE_INSTALLER=pip and "
                                    "list the dependencies in requirements.txt",
                                    file.string(), lock->tool, lock->how_to_install));
    InstallStep step;
    step.title = fmt::format("Installing dependencies with {} ({})", lock->tool, lock->file);
    step.input = file.string();
    step.tool = std::string(lock->tool);
    step.env = e.env;
    // Each tool installs into the virtualenv at APP_ROOT, never one of its own.
    step.env.set("VIRTUAL_ENV", s.app_root.string());
    if (lock->tool == "pipenv") {
      step.argv = {tool->string(), "install", "--system", "--deploy"};
      step.env.set("PIPENV_VERBOSITY", "-1");
      if (is_dir(wheelhouse)) step.env.set("PIP_FIND_LINKS", wheelhouse.string());
      if (s.pip_no_index) step.env.set("PIP_NO_INDEX", "1");
    } else if (lock->tool == "poetry") {
      step.argv = {tool->string(), "install", "--no-interaction", "--only", "main"};
      step.env.set("POETRY_VIRTUALENVS_CREATE", "false");
    } else {
      step.argv = {tool->string(), "sync", "--frozen", "--no-dev", "--inexact"};
      step.env.set("UV_PROJECT_ENVIRONMENT", s.app_root.string());
      if (is_dir(wheelhouse)) step.env.set("UV_FIND_LINKS", wheelhouse.string());
      if (s.pip_no_index) step.env.set("UV_OFFLINE", "1");
    }
    plan.installs.push_back(std::move(step));
    WD_ASSIGN(std::string fp, file_fingerprint(file));
    inputs.push_back({std::string("lock ") + std::string(lock->file), fp});
    if (lock->tool == "pipenv") {
      WD_ASSIGN(std::string pf, file_fingerprint(s.src_root / "Pipfile"));
      inputs.push_back({"lock Pipfile", pf});
    }
  }

  // 3. The application itself, editable.
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
  bool tool_installs_project = lock && (lock->tool == "poetry" || lock->tool == "uv");
  bool disabled = (has_setup && e.env.is_set("DISABLE_SETUP_PY_PROCESSING")) ||
                  (pyproject_counts && e.env.is_set("DISABLE_PYPROJECT_TOML_PROCESSING"));
  if (!have_requirements && !tool_installs_project && (pyproject_counts || has_setup) && !disabled) {
    InstallStep step;
    std::string trigger = pyproject_counts ? "pyproject.toml" : (is_file(s.src_root / "setup.py") ? "setup.py" : "setup.cfg");
    step.title = fmt::format("Installing the application with pip (editable, {})", trigger);
    step.input = (s.src_root / trigger).string();
    step.tool = "pip install";
    step.argv = pip;
    step.argv.insert(step.argv.end(), pip_options.begin(), pip_options.end());
    // Offline, pip cannot fetch the build backend into an isolated
    // environment: use the one installed in the virtualenv.
    if (s.pip_no_index) step.argv.push_back("--no-build-isolation");
    step.argv.insert(step.argv.end(), {"-e", s.src_root.string()});
    step.env = e.env;
    plan.installs.push_back(std::move(step));
  }

  // The environment that changes what the installers do.
  for (const auto& [name, value] : e.env.vars()) {
    if (name.rfind("PIP_", 0) == 0 || name.rfind("UV_", 0) == 0 || name.rfind("POETRY_", 0) == 0 ||
        name.rfind("PIPENV_", 0) == 0 || name == "WARPDRIVE_INSTALLER" || name == "ENABLE_PIPENV" ||
        name == "DISABLE_SETUP_PY_PROCESSING" || name == "DISABLE_PYPROJECT_TOML_PROCESSING")
      inputs.push_back({"env " + name, value});
  }
  for (const auto& step : plan.installs) {
    std::string words;
    for (const auto& a : step.argv) words += (words.empty() ? "" : " ") + shell_quote(a);
    inputs.push_back({"command", words});
  }

  // The server.
  plan.server = server_check(e, plan.warnings);
  inputs.push_back({"server", plan.server.needed ? plan.server.server : "none (" + plan.server.skip_reason + ")"});

  plan.dependency_digest = digest_of(inputs);
  plan.dependencies_unchanged = !plan.force && !venv_created && previous &&
                                previous->dependency_digest == plan.dependency_digest;

  // Django.
  plan.django.project = is_django_project(s);
  if (plan.django.project) {
    bool mode_runs_it = s.deploy_mode == DeployMode::automatic || s.deploy_mode == DeployMode::django;
    if (!mode_runs_it) {
      plan.django.reason = fmt::format("deploy mode {} ({}) does not collect static files; a build hook can run "
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
  out += "virtualenv:\n";
  out += venv.create ? "  create: " + words(venv.argv) + "\n" : "  existing\n";
  out += "dependencies:\n";
  if (plan.dependencies_unchanged) out += "  unchanged since the last build: nothing is installed\n";
  if (plan.installs.empty()) out += "  nothing to install\n";
  for (const auto& w : plan.warnings) out += "  warning: " + w + "\n";
  for (const auto& step : plan.installs) out += "  " + step.title + "\n    " + words(step.argv) + "\n";
  out += "server:\n";
  if (plan.server.needed) {
    out += fmt::format("  {}\n", plan.server.reason);
    out += fmt::format("  check {} ({})\n", plan.server.server,
                       plan.server.modules.empty() ? "programs and modules" : "import " + join(plan.server.modules, ", "));
  } else {
    out += "  no check: " + plan.server.skip_reason + "\n";
  }
  out += "django:\n";
  if (!plan.django.project) out += "  not a Django project\n";
  else if (plan.django.collectstatic) out += "  collectstatic --noinput (skipped when nothing changed)\n";
  else out += "  no collectstatic: " + plan.django.reason + "\n";
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
