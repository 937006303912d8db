// warpdrive exec CMD [ARGS...] (also: warpdrive-exec CMD [ARGS...])
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "init.hpp"
#include "settings.hpp"

namespace wd {

Result<int> cmd_exec(Context& ctx, const Args& args) {
  CLI::App app{
      "Run CMD with the application's deploy environment (as 'warpdrive env' prints it),\n"
      "searched on that environment's PATH. warpdrive replaces itself with CMD; when it is\n"
      "process 1 of a container (and WARPDRIVE_RUN_AS_PID1 is unset) it stays as a minimal\n"
      "init instead: it forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH\n"
      "to CMD, reaps zombies, and exits with CMD's status (128+N if CMD died of signal N).\n"
      "Exit status 127: CMD not found; 126: CMD not executable.",
      "warpdrive exec"};
  app.prefix_command();  // everything from CMD on belongs to CMD
  app.footer("usage: warpdrive exec CMD [ARGS...]");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  Args command = app.remaining();
  if (!command.empty() && command[0] == "--") command.erase(command.begin());
  if (command.empty()) return make_error("exec: no command given (usage: warpdrive exec CMD [ARGS...])", kExitUsage);

  WD_ASSIGN(AppEnvironment e, deploy_environment(ctx, "exec"));
  ProcessSpec spec;
  spec.argv = command;
  spec.env = e.env;
  spec.trace = e.settings.debug;
  return hand_over(ctx, e.settings, spec);
}

}  // namespace wd
