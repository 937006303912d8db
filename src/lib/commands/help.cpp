// warpdrive help [COMMAND]
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"

namespace wd {

Result<int> cmd_help(Context& ctx, const Args& args) {
  if (!args.empty()) {
    const Command* command = find_command(args[0]);
    if (!command) {
      auto close = similar_commands(args[0]);
      return make_error(fmt::format("no such command '{}'{}", args[0],
                                    close.empty() ? "" : fmt::format("; did you mean '{}'?", close[0])),
                        kExitUsage);
    }
    if (command->name == "help") return cmd_help(ctx, {});
    return command->run(ctx, {"--help"});
  }
  std::cout << "usage: warpdrive COMMAND [ARGS...]\n"
               "       warpdrive-exec CMD [ARGS...]   (= warpdrive exec)\n"
               "       warpdrive-shell [ARGS...]      (= warpdrive shell)\n\n"
               "Build, run and operate a Python web application.\n\ncommands:\n";
  for (const auto& c : commands()) std::cout << fmt::format("  {:<11} {}\n", c.name, c.summary);
  std::cout << "\n'warpdrive help COMMAND' or 'warpdrive COMMAND --help' describes one command.\n"
               "'warpdrive --version' prints the version.\n";
  return 0;
}

}  // namespace wd
