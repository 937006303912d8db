// warpdrive activate [--create] [--python PYTHON] [--system-site-packages] [NAME]
// Prints the shell code that switches a shell to a project, for
//   eval "$(warpdrive activate NAME)"
// which is what the shell function's `warpdrive project NAME` does.
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "devenv/activation.hpp"
#include "devenv/projects.hpp"

namespace wd {

Result<int> cmd_activate(Context& ctx, const Args& args) {
  CLI::App app{
      "Print the shell code that switches a shell to the project NAME, for\n"
      "  eval \"$(warpdrive activate NAME)\"\n"
      "(the warpdrive shell function's 'warpdrive project NAME' does this). WARPDRIVE_SRC_ROOT becomes\n"
      "this directory. NAME defaults to the active project ($WARPDRIVE_ENV_NAME), else 'default'.\n"
      "--create makes the project when it does not exist yet. Messages, including\n"
      "those of creating a project, go to stderr; stdout is only the code.",
      "warpdrive activate"};
  std::string name;
  devenv::CreateOptions options;
  bool create = false;
  app.add_flag("--create", create, "create the project first (PYTHON -m venv; nothing is downloaded)");
  auto* python = app.add_option("--python", options.python,
                                "interpreter for a new project (default: $WARPDRIVE_PYTHON, else python3 on PATH)");
  auto* site = app.add_flag("--system-site-packages", options.system_site_packages,
                            "let a new project see the interpreter's installed packages");
  auto* name_option = app.add_option("NAME", name, "the project");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  if (!create && (python->count() > 0 || site->count() > 0))
    return make_error(fmt::format("{} only chooses how a new project is made: add --create",
                                  python->count() > 0 ? "--python" : "--system-site-packages"),
                      kExitUsage);
  if (name_option->count() == 0) {  // (an empty NAME given is refused by the name check)
    // The active project, else the original's `default`.
    name = ctx.inherited.get_or("WARPDRIVE_ENV_NAME", "");
    if (name.empty()) name = "default";
  }

  // Plan: the project (created first when asked and missing: as in the
  // original, --create on an existing project switches to it), then the activation.
  WD_TRY(devenv::validate_name(name));
  WD_ASSIGN(fs::path dir, devenv::projects_dir(ctx));
  if (create && path_exists(devenv::project_path(dir, name))) {
    std::cerr << fmt::format("warpdrive: project '{}' exists; switching to it{}\n", name,
                             python->count() > 0 || site->count() > 0
                                 ? " (--python and --system-site-packages apply only to a new project)"
                                 : "");
    create = false;
  }
  if (create) {
    WD_ASSIGN(auto plan, devenv::plan_create(ctx, name, options));
    WD_TRY(devenv::create_project(plan));
    std::cerr << fmt::format("warpdrive: created project '{}' in {} with {}\n", name, plan.project.path.string(),
                             plan.argv[0]);
  }
  WD_ASSIGN(auto project, devenv::find_project(ctx, name));
  auto activation = devenv::plan_activation(project, devenv::logical_cwd(ctx));
  std::cout << devenv::render_activation(activation);
  return 0;
}

}  // namespace wd
