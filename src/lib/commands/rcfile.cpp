// warpdrive rcfile: write the file defining the warpdrive shell function and
// print its path, for . "$(warpdrive rcfile)".
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "devenv/shell_integration.hpp"

namespace wd {

Result<int> cmd_rcfile(Context& ctx, const Args& args) {
  CLI::App app{
      "Print the path of the shell file that defines the warpdrive shell function, for\n"
      "  . \"$(warpdrive rcfile)\"\n"
      "The file is $WARPDRIVE_VIRTUALENVS/.rcfile.sh (default ~/.warpdrive/.rcfile.sh), written from\n"
      "the text built into this binary whenever it differs, and bound to this binary's path.",
      "warpdrive rcfile"};
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  WD_ASSIGN(fs::path path, devenv::write_rcfile(ctx));
  std::cout << path.string() << "\n";
  return 0;
}

}  // namespace wd
