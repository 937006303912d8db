// warpdrive deactivate: leaves the active project. Only the warpdrive shell
// function can change the shell (src/shell/warpdrive.sh restores the values
// activation saved); the binary on its own says so and changes nothing.
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "devenv/shell_integration.hpp"

namespace wd {

Result<int> cmd_deactivate(Context&, const Args& args) {
  CLI::App app{
      "Leave the active project: PATH, PS1, VIRTUAL_ENV, PYTHONHOME and the WARPDRIVE_* variables\n"
      "'warpdrive project' changed get their previous values back (unset ones are unset again).\n"
      "This is done by the warpdrive shell function (see 'warpdrive profile'); the program on its\n"
      "own cannot change the shell it was started from.",
      "warpdrive deactivate"};
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  return devenv::shell_function_required("deactivate");
}

}  // namespace wd
