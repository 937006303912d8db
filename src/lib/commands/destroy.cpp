// warpdrive destroy NAME: delete a local project (its whole virtualenv).
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "devenv/projects.hpp"

namespace wd {

Result<int> cmd_destroy(Context& ctx, const Args& args) {
  CLI::App app{
      "Delete the project NAME: the virtualenv warpdrive+NAME in $WARPDRIVE_VIRTUALENVS (default\n"
      "~/.warpdrive). The project active in this shell is refused (warpdrive deactivate first). The\n"
      "application's source (WARPDRIVE_SRC_ROOT) is never touched, and no symbolic link is followed.",
      "warpdrive destroy"};
  std::string name;
  app.add_option("NAME", name, "the project")->required();
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  WD_ASSIGN(auto plan, devenv::plan_destroy(ctx, name));
  WD_TRY(devenv::destroy_project(plan));
  std::cout << fmt::format("destroyed project '{}' ({})\n", name, plan.project.path.string());
  return 0;
}

}  // namespace wd
