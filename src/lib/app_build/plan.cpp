#include "app_build/plan.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app_build/install_steps.hpp"
#include "app_build/installer.hpp"
#include "app_build/wheels.hpp"
#include "introspect/django.hpp"
#include "log.hpp"
#include "server_registry.hpp"
#include "shell.hpp"
#include "start/detect.hpp"

namespace wd {

namespace {

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
  return fmt::format("{}", fmt::join(entries, "\n"));
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

// The variables that change what the installers do: digest inputs.
bool index_variable(const std::string& name) {
  for (std::string_view p : {"PIP_", "UV_", "POETRY_", "PIPENV_", "PDM_"})
    if (name.rfind(p, 0) == 0) return true;
  return name == "WARPDRIVE_INSTALLER" || name == "ENABLE_PIPENV" || name == "ENABLE_MICROPIPENV" ||
         name == "DISABLE_SETUP_PY_PROCESSING" || name == "DISABLE_PYPROJECT_TOML_PROCESSING" ||
         name == "WARPDRIVE_PIP_PACKAGES" ||
         (name.rfind("WARPDRIVE_", 0) == 0 && name.size() > 8 && name.compare(name.size() - 8, 8, "_VERSION") == 0);
}

// Django's static files: collected in the deploy modes that run Django
// (automatic, django) unless DISABLE_COLLECTSTATIC is set.
DjangoPlan plan_django(const AppEnvironment& e) {
  const Settings& s = e.settings;
  DjangoPlan django;
  django.project = is_django_project(s);
  if (!django.project) return django;
  bool mode_runs_it = s.deploy_mode == DeployMode::automatic || s.deploy_mode == DeployMode::django;
  if (!mode_runs_it) {
    django.reason = fmt::format(
        "deploy mode {} ({}) does not collect static files; a build hook can run "
        "collectstatic",
        s.deploy_mode_name(), s.deploy_mode_origin.text());
  } else if (e.env.is_set("DISABLE_COLLECTSTATIC")) {
    django.reason = "DISABLE_COLLECTSTATIC is set";
    django.facts = true;
  } else {
    django.collectstatic = true;
  }
  return django;
}

}  // namespace

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
  fs::path wheelhouse = s.warpdrive_dir() / "wheelhouse";
  WD_ASSIGN(std::string wheels, wheelhouse_listing(wheelhouse));
  inputs.push_back({"wheelhouse", wheels});
  plan.pip_install = {plan.python.string(), "-m", "pip", "install", "--exists-action=w"};
  if (is_dir(wheelhouse)) plan.pip_install.insert(plan.pip_install.end(), {"--find-links", wheelhouse.string()});
  if (s.pip_no_index) plan.pip_install.push_back("--no-index");

  // 1. The installer: a lock file decides, WARPDRIVE_INSTALLER chooses.
  WD_ASSIGN(InstallerChoice choice, choose_installer(e, plan.warnings));
  plan.installer = choice.installer;
  plan.installer_why = choice.why;
  inputs.push_back({"installer", choice.installer + " (" + choice.why + ")"});

  // 2.-4. The lock file, the requirement files, the application itself
  // (the tools they need are found or planned; nothing runs now).
  InstallContext install{e, plan, wheelhouse};
  if (choice.lock) WD_TRY(add_lock_step(install, *choice.lock));
  WD_ASSIGN(bool have_requirements, add_requirement_steps(install, choice));
  WD_TRY(add_project_step(install, choice, have_requirements));

  // The environment that changes what the installers do; index URLs without
  // their passwords (the location matters, a rotated password does not).
  for (const auto& [name, value] : e.env.vars())
    if (index_variable(name))
      inputs.push_back({"env " + name, secret_variable(name) ? std::string("****") : mask_credentials(value)});
  for (const auto& step : plan.installs) inputs.push_back({"command", shell_words(step.argv)});

  // The server.
  plan.server = server_check(e, plan.warnings);
  inputs.push_back({"server", plan.server.needed ? plan.server.server : "none (" + plan.server.skip_reason + ")"});

  plan.dependency_digest = digest_of(inputs);
  plan.dependencies_unchanged =
      !plan.force && !venv_created && previous && previous->dependency_digest == plan.dependency_digest;

  plan.django = plan_django(e);
  return plan;
}

std::string describe_plan(const BuildPlan& plan, const VenvPlan& venv) {
  std::string out;
  out += "python:\n";
  out += "  asked for: " + (venv.request ? venv.request->text() : std::string("nothing in particular")) + "\n";
  if (!venv.python_why.empty()) out += "  interpreter: " + venv.python_why + "\n";
  out += "virtualenv:\n";
  if (venv.recreate) out += "  remove the existing one: " + venv.recreate_reason + "\n";
  out += venv.create ? "  create: " + shell_words(venv.argv) + "\n" : "  existing\n";
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
  for (const auto& step : plan.installs) out += "  " + step.title + "\n    " + shell_words(step.argv) + "\n";
  out += "server:\n";
  if (plan.server.needed) {
    out += fmt::format("  {}\n", plan.server.reason);
    out += fmt::format("  check {} ({})\n", plan.server.server,
                       plan.server.modules.empty() ? "programs and modules"
                                                   : fmt::format("import {}", fmt::join(plan.server.modules, ", ")));
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
