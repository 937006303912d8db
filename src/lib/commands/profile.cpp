// warpdrive profile: the lines for ~/.bash_profile that load the warpdrive
// shell function.
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "devenv/shell_integration.hpp"

namespace wd {

Result<int> cmd_profile(Context& ctx, const Args& args) {
  CLI::App app{
      "Print the lines to add to ~/.bash_profile (warpdrive profile >> ~/.bash_profile) so that every\n"
      "login shell has the warpdrive shell function, which lets 'warpdrive project NAME' and\n"
      "'warpdrive deactivate' change the shell. They name this binary by its absolute path.",
      "warpdrive profile"};
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  std::cout << devenv::profile_text(ctx.self);
  return 0;
}

}  // namespace wd
