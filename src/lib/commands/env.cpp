// warpdrive env [--json]: the deploy environment, for eval "$(warpdrive env)".
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "commands.hpp"
#include "log.hpp"
#include "settings.hpp"
#include "shell.hpp"

namespace wd {

Result<int> cmd_env(Context& ctx, const Args& args) {
  CLI::App app{
      "Print the deploy environment: the WARPDRIVE_* settings and every variable that warpdrive,\n"
      ".warpdrive/environment and the deploy-env hook set or change, as lines for\n"
      "  eval \"$(warpdrive env)\"\n"
      "Values are single-quoted, so any value (spaces, quotes, newlines, $, backticks) round-trips.\n"
      "Variables the shell files unset are printed as 'unset NAME'. A variable whose name is not a shell\n"
      "name (my-var, a.b) is never printed as shell code: it is left out with a warning (--json has it).",
      "warpdrive env"};
  bool json = false;
  app.add_flag("--json", json, "print a JSON object instead (unset variables are null)");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  WD_ASSIGN(AppEnvironment e, deploy_environment(ctx, "env"));
  EnvDelta delta = environment_delta(ctx.inherited, e.env);
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [name, value] : delta.set) out[name] = value;
    for (const auto& name : delta.removed) out[name] = nullptr;
    // Values are bytes from the environment; replace invalid UTF-8 rather than fail.
    std::cout << out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return 0;
  }
  // A name is code to the shell that evals this: only shell names are printed.
  auto printable = [](const std::string& name) {
    if (is_shell_name(name)) return true;
    warn(fmt::format("not printing the variable {}: its name is not a shell variable name", shell_quote(name)));
    return false;
  };
  std::string text;
  for (const auto& [name, value] : delta.set)
    if (printable(name)) text += "export " + name + "=" + single_quote(value) + "\n";
  for (const auto& name : delta.removed)
    if (printable(name)) text += "unset " + name + "\n";
  std::cout << text;
  return 0;
}

}  // namespace wd
