// warpdrive shell [ARGS...] (also: warpdrive-shell [ARGS...])
#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "init.hpp"
#include "settings.hpp"

namespace wd {

namespace {

constexpr const char* kHelp =
    "Usage: warpdrive shell [ARGS...]   (or: warpdrive-shell [ARGS...])\n\n"
    "Run bash (or /bin/sh when there is no bash) with the application's deploy environment,\n"
    "the same one the running application has: the deploy-env hook, the virtualenv, and a user\n"
    "name for an arbitrary UID (no 'I have no name!'). ARGS go to the shell, so\n"
    "  warpdrive-shell -c 'python manage.py shell'\n"
    "runs one command. As process 1 of a container warpdrive stays as its init.\n";

}  // namespace

Result<int> cmd_shell(Context& ctx, const Args& args) {
  // Every argument belongs to the shell; only a lone --help is ours.
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kHelp;
    return 0;
  }
  WD_ASSIGN(AppEnvironment e, deploy_environment(ctx, "shell"));
  ProcessSpec spec;
  spec.argv = {is_executable_file("/bin/bash") ? "/bin/bash" : "/bin/sh"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = e.env;
  spec.trace = e.settings.debug;
  return hand_over(ctx, e.settings, spec);
}

}  // namespace wd
