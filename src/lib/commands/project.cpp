// warpdrive project [--create] [--python PYTHON] [--system-site-packages] [NAME]
// warpdrive project --list
// Switching (NAME, default `default`): only the warpdrive shell function can
// switch the caller's shell (it evaluates `warpdrive activate`); the binary
// on its own says so and changes nothing. --list lists the projects.
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "devenv/projects.hpp"
#include "devenv/shell_integration.hpp"

namespace wd {

Result<int> cmd_project(Context& ctx, const Args& args) {
  CLI::App app{
      "Switch this shell to the local project NAME: a virtualenv in $WARPDRIVE_VIRTUALENVS\n"
      "(default ~/.warpdrive) named warpdrive+NAME. It sets WARPDRIVE_ENV_NAME, WARPDRIVE_APP_ROOT (the\n"
      "virtualenv) and WARPDRIVE_SRC_ROOT (this directory), activates the virtualenv, and the prompt shows\n"
      "(warpdrive+NAME). 'warpdrive deactivate' undoes it. Switching needs the warpdrive shell function\n"
      "(see 'warpdrive profile'). NAME defaults to 'default', as in the original warpdrive. --create makes\n"
      "the project when it does not exist yet (an existing one is switched to). --list lists the projects.",
      "warpdrive project"};
  std::string name;
  devenv::CreateOptions options;
  bool create = false;
  app.add_flag("--create", create, "create the project first (PYTHON -m venv; nothing is downloaded)");
  app.add_option("--python", options.python,
                 "interpreter for a new project (default: $WARPDRIVE_PYTHON, else python3 on PATH)");
  app.add_flag("--system-site-packages", options.system_site_packages,
               "let a new project see the interpreter's installed packages");
  bool list = false;
  app.add_flag("--list", list, "list the projects and change nothing");
  auto* name_option = app.add_option("NAME", name, "the project (default: default)");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  if (list) {
    if (create || !options.python.empty() || options.system_site_packages || name_option->count() > 0)
      return make_error("warpdrive project: --list takes no project and no other option", kExitUsage);
    WD_ASSIGN(fs::path dir, devenv::projects_dir(ctx));
    WD_ASSIGN(auto names, devenv::list_projects(dir));
    if (names.empty())
      std::cerr << fmt::format("warpdrive: no projects in {} (create one: warpdrive project --create NAME)\n",
                               dir.string());
    std::string out;
    for (const auto& n : names) out += n + "\n";
    std::cout << out;
    return 0;
  }
  if (name_option->count() == 0) name = "default";
  WD_TRY(devenv::validate_name(name));
  return devenv::shell_function_required(fmt::format("project {}", name));
}

}  // namespace wd
