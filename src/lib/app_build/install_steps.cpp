#include "app_build/install_steps.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include "app_build/requirements.hpp"
#include "app_build/tools.hpp"

namespace wd {

namespace {

Error toml_error(const fs::path& path, const toml::parse_error& e) {
  return make_error(fmt::format("{}:{}:{}: not valid TOML: {}", path.string(), e.source().begin.line,
                                e.source().begin.column, e.description()));
}

// True when pyproject.toml describes something pip can install; an invalid
// file is an error with its line and column.
Result<bool> pyproject_installable(const fs::path& path) {
  WD_ASSIGN(auto text, read_file(path));
  try {
    toml::table table = toml::parse(text, path.string());
    return table.contains("project") || table.contains("build-system");
  } catch (const toml::parse_error& e) {
    return toml_error(path, e);
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
    return toml_error(path, e);
  }
}

// uv sync of uv.lock; --inexact: the server warpdrive installs stays.
void uv_sync(InstallContext& c, const fs::path& uv, InstallStep& step) {
  const Settings& s = c.environment.settings;
  step.argv = {uv.string(), "sync", "--locked", "--no-dev", "--inexact", "--compile-bytecode"};
  step.env.set("UV_PROJECT_ENVIRONMENT", s.app_root.string());
  step.env.set("UV_PYTHON", c.plan.python.string());
  step.env.set("UV_PYTHON_DOWNLOADS", "never");
  if (is_dir(c.wheelhouse)) step.env.set("UV_FIND_LINKS", c.wheelhouse.string());
  if (s.pip_no_index) step.env.set("UV_OFFLINE", "1");
}

// poetry sync of poetry.lock, the main group, without the project itself
// when it has no package of its own.
Status poetry_sync(InstallContext& c, const fs::path& poetry, InstallStep& step) {
  const fs::path& src = c.environment.settings.src_root;
  step.argv = {poetry.string(), "sync", "--only", "main", "--no-interaction", "--compile"};
  step.env.set("POETRY_VIRTUALENVS_CREATE", "false");
  WD_ASSIGN(bool root, poetry_has_root_package(src));
  if (!root) {
    step.argv.push_back("--no-root");
    c.plan.warnings.push_back(
        fmt::format("{} names no package of its own that exists in {}: poetry installs the "
                    "dependencies only (--no-root)",
                    (src / "pyproject.toml").string(), src.string()));
  }
  return {};
}

// pipenv install --deploy of Pipfile.lock, or --skip-lock of a Pipfile without one.
void pipenv_install(InstallContext& c, const fs::path& pipenv, const LockFile& lock, InstallStep& step) {
  const Settings& s = c.environment.settings;
  const bool unlocked = &lock == &kPipfileWithoutLock;
  step.argv = {pipenv.string(), "install", unlocked ? "--skip-lock" : "--deploy"};
  if (unlocked) {
    step.title = "Installing dependencies with pipenv (Pipfile, no Pipfile.lock: unlocked)";
    c.plan.warnings.push_back(
        fmt::format("{} has no Pipfile.lock: its packages are installed as the Pipfile "
                    "states them, unlocked (pipenv install --skip-lock); run `pipenv lock` "
                    "and commit Pipfile.lock for reproducible builds",
                    (s.src_root / "Pipfile").string()));
  }
  step.env.set("PIPENV_VERBOSITY", "-1");
  step.env.set("PIPENV_YES", "1");
  if (is_dir(c.wheelhouse)) step.env.set("PIP_FIND_LINKS", c.wheelhouse.string());
  if (s.pip_no_index) step.env.set("PIP_NO_INDEX", "1");
}

// The start of a step that installs with uv pip or pip (`uv`: the program, for uv); the caller adds what it installs.
InstallStep requirements_installer_step(InstallContext& c, const std::string& installer, const fs::path& uv) {
  InstallStep step;
  if (installer == "uv") {
    step.tool = "uv pip install";
    step.argv = c.uv_pip(uv);
    step.env = c.tool_env("uv");
  } else {
    step.tool = "pip install";
    step.argv = c.plan.pip_install;
    step.env = c.pip_env();
  }
  return step;
}

}  // namespace

Result<fs::path> InstallContext::tool(std::string_view name) {
  for (const auto& t : plan.tools)
    if (t.name == name) return t.program;
  WD_ASSIGN(ToolPlan t, resolve_tool(environment.env, name));
  plan.digest_inputs.push_back({"tool " + t.name, t.fingerprint});
  plan.tools.push_back(t);
  return t.program;
}

EnvVars InstallContext::tool_env(std::string_view tool) const {
  EnvVars env = environment.env;
  // Each tool installs into the virtualenv at APP_ROOT, never one of its own.
  env.set("VIRTUAL_ENV", environment.settings.app_root.string());
  translate_index_settings(env, tool);
  return env;
}

EnvVars InstallContext::pip_env() const {
  EnvVars env = environment.env;
  translate_index_settings(env, "pip");
  return env;
}

std::vector<std::string> InstallContext::uv_pip(const fs::path& uv) const {
  std::vector<std::string> argv = {uv.string(),         "pip", "install", "--python", plan.python.string(),
                                   "--compile-bytecode"};
  if (is_dir(wheelhouse)) argv.insert(argv.end(), {"--find-links", wheelhouse.string()});
  if (environment.settings.pip_no_index) argv.push_back("--no-index");
  return argv;
}

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

Status add_lock_step(InstallContext& c, const LockFile& lock) {
  const fs::path& src = c.environment.settings.src_root;
  fs::path file = src / std::string(lock.file);
  WD_ASSIGN(fs::path tool, c.tool(lock.installer));
  InstallStep step;
  step.title = fmt::format("Installing dependencies with {} ({})", lock.installer, lock.file);
  step.input = file.string();
  step.tool = std::string(lock.installer);
  step.env = c.tool_env(lock.installer);
  if (lock.file == "pylock.toml") {
    step.argv = c.uv_pip(tool);
    step.argv.insert(step.argv.end(), {"--preview-features", "pylock", "-r", file.string()});
  } else if (lock.installer == "uv") {
    uv_sync(c, tool, step);
  } else if (lock.installer == "poetry") {
    WD_TRY(poetry_sync(c, tool, step));
  } else if (lock.installer == "pipenv") {
    pipenv_install(c, tool, lock, step);
  } else {  // pdm
    step.argv = {tool.string(), "sync", "--prod"};
    step.env.set("PDM_NON_INTERACTIVE", "1");
    step.env.set("PDM_CHECK_UPDATE", "false");
    step.env.set("PDM_USE_VENV", "true");
  }
  c.plan.installs.push_back(std::move(step));
  auto& inputs = c.plan.digest_inputs;
  WD_ASSIGN(std::string fp, file_fingerprint(file));
  inputs.push_back({std::string("lock ") + std::string(lock.file), fp});
  std::string_view project_file = lock.installer == "pipenv" ? "Pipfile" : "pyproject.toml";
  WD_ASSIGN(std::string pf, file_fingerprint(src / std::string(project_file)));
  inputs.push_back({"lock " + std::string(project_file), pf});
  return {};
}

Result<bool> add_requirement_steps(InstallContext& c, const InstallerChoice& choice) {
  const Settings& s = c.environment.settings;
  bool have_requirements = false;
  // The lock file is the complete list, a requirements.txt next to it is
  // usually an export of it for other tools. (Settings export
  // WARPDRIVE_PIP_PACKAGES, so "named" means: other than the default.)
  bool explicit_packages = !(s.pip_packages.size() == 1 && s.pip_packages[0] == "requirements.txt");
  for (const auto& name : s.pip_packages) {
    fs::path file = requirement_file(s.src_root, name);
    if (is_dir(file))
      return make_error(
          fmt::format("{} (from WARPDRIVE_PIP_PACKAGES) is a directory, not a requirements file", file.string()));
    if (!is_file(file)) continue;
    if (choice.lock && !explicit_packages) {
      c.plan.warnings.push_back(
          fmt::format("not installing {}: the lock file {} lists the dependencies (set "
                      "WARPDRIVE_INSTALLER=pip to install {} instead; the files of a "
                      "WARPDRIVE_PIP_PACKAGES other than the default are installed after the "
                      "lock file)",
                      display_path(s.src_root, file), choice.lock->file, name));
      continue;
    }
    have_requirements = true;
    fs::path uv;
    if (choice.requirements_installer == "uv") {
      WD_ASSIGN(uv, c.tool("uv"));
    }
    InstallStep step = requirements_installer_step(c, choice.requirements_installer, uv);
    step.title = fmt::format("Installing dependencies with {} ({})", choice.requirements_installer, name);
    step.input = file.string();
    if (choice.requirements_installer != "uv") {
      step.argv.insert(step.argv.end(), {"--src", c.plan.pip_src.string()});
      step.uses_pip_src = true;
    }
    step.argv.insert(step.argv.end(), {"-r", file.string()});
    c.plan.installs.push_back(std::move(step));
    for (const auto& f : requirement_closure(file)) {
      WD_ASSIGN(std::string fp, file_fingerprint(f));
      c.plan.digest_inputs.push_back({"requirements " + display_path(s.src_root, f), fp});
    }
  }
  return have_requirements;
}

Status add_project_step(InstallContext& c, const InstallerChoice& choice, bool have_requirements) {
  const Settings& s = c.environment.settings;
  const EnvVars& env = c.environment.env;
  fs::path pyproject = s.src_root / "pyproject.toml";
  bool pyproject_counts = false;
  if (is_file(pyproject)) {
    WD_ASSIGN(pyproject_counts, pyproject_installable(pyproject));
  }
  bool has_setup = is_file(s.src_root / "setup.py") || is_file(s.src_root / "setup.cfg");
  for (std::string_view f : {"pyproject.toml", "setup.py", "setup.cfg"}) {
    WD_ASSIGN(std::string fp, file_fingerprint(s.src_root / std::string(f)));
    c.plan.digest_inputs.push_back({std::string("project ") + std::string(f), fp});
  }
  // uv, Poetry and PDM install the project themselves (Pipenv and pylock.toml do not).
  const LockFile* lock = choice.lock;
  bool tool_installs_project = lock && lock->file != "pylock.toml" && lock->installer != "pipenv";
  bool disabled = (has_setup && env.is_set("DISABLE_SETUP_PY_PROCESSING")) ||
                  (pyproject_counts && env.is_set("DISABLE_PYPROJECT_TOML_PROCESSING"));
  if (have_requirements || tool_installs_project || !(pyproject_counts || has_setup) || disabled) return {};
  fs::path uv;
  if (choice.requirements_installer == "uv") {
    WD_ASSIGN(uv, c.tool("uv"));
  }
  InstallStep step = requirements_installer_step(c, choice.requirements_installer, uv);
  std::string trigger =
      pyproject_counts ? "pyproject.toml" : (is_file(s.src_root / "setup.py") ? "setup.py" : "setup.cfg");
  step.title = fmt::format("Installing the application with {} (editable, {})", choice.requirements_installer, trigger);
  step.input = (s.src_root / trigger).string();
  // Offline, pip cannot fetch the build backend into an isolated
  // environment: use the one installed in the virtualenv (uv likewise).
  if (s.pip_no_index) step.argv.push_back("--no-build-isolation");
  step.argv.insert(step.argv.end(), {"-e", s.src_root.string()});
  c.plan.installs.push_back(std::move(step));
  return {};
}

}  // namespace wd
