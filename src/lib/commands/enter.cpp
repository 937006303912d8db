// warpdrive enter CMD [ARGS...]: the original's entry-point wrapper. It runs
// CMD exactly as given, with the environment it was given (no deploy
// environment, no hooks: that is `exec`), as a correct process 1 when it is
// one.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "init.hpp"
#include "settings.hpp"

namespace wd {

Result<int> cmd_enter(Context& ctx, const Args& args) {
  CLI::App app{
      "Run CMD as given, with the environment as given (the original warpdrive's entry-point\n"
      "wrapper; 'warpdrive exec' applies the deploy environment first). As process 1 of a container\n"
      "(and WARPDRIVE_RUN_AS_PID1 unset) warpdrive stays as a minimal init: it forwards signals,\n"
      "reaps zombies and exits with CMD's status; otherwise it replaces itself with CMD.",
      "warpdrive enter"};
  app.prefix_command();
  app.footer("usage: warpdrive enter CMD [ARGS...]");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  Args command = app.remaining();
  if (!command.empty() && command[0] == "--") command.erase(command.begin());
  if (command.empty()) return make_error("enter: no command given (usage: warpdrive enter CMD [ARGS...])", kExitUsage);

  Settings settings;
  settings.run_as_pid1 = ctx.inherited.is_set("WARPDRIVE_RUN_AS_PID1");
  ProcessSpec spec;
  spec.argv = command;
  spec.env = ctx.inherited;
  spec.trace = ctx.inherited.is_set("WARPDRIVE_DEBUG");
  return hand_over(ctx, settings, spec);
}

}  // namespace wd
