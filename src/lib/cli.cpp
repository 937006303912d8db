#include "cli.hpp"
#include "process.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands/commands.hpp"
#include "log.hpp"

namespace wd {

namespace {

const Command kCommands[] = {
    // Build
    {"build", "install the application's dependencies and run its build hooks", cmd_build},
    {"wheels", "build wheels of the application's requirements into a wheelhouse", cmd_wheels},
    {"fixup", "make a directory tree usable by an arbitrary UID in group 0", cmd_fixup},
    {"image", "build a container image of the application with a builder image", cmd_image},
    // Run
    {"start", "detect the application and start it under a production server", cmd_start},
    {"env", "print the deploy environment as shell export lines (or --json)", cmd_env},
    {"exec", "run a command in the application's deploy environment", cmd_exec},
    {"shell", "start an interactive shell in the application's deploy environment", cmd_shell},
    {"enter", "run a command as given (no deploy environment), as a correct process 1", cmd_enter},
    {"setup", "run the application's setup hook", cmd_setup},
    {"migrate", "run the application's migrate hook (database migrations)", cmd_migrate},
    {"verify", "run the application's verify hook", cmd_verify},
    {"alive", "liveness check: the alive hook, or the server start started still runs", cmd_alive},
    {"ready", "readiness check: the ready hook, or the server's ports accept connections", cmd_ready},
    // Beyond one machine
    {"manifests", "print the Kubernetes/OpenShift objects that run the application's image", cmd_manifests},
    // Local development
    {"project", "switch to (or --create) a local virtualenv project", cmd_project},
    {"activate", "print the shell code that activates a project", cmd_activate},
    {"deactivate", "leave the active project (through the shell function)", cmd_deactivate},
    {"destroy", "delete a local virtualenv project", cmd_destroy},
    {"profile", "print the lines a login shell sources to get the warpdrive function", cmd_profile},
    {"rcfile", "print the path of the shell file defining the warpdrive function", cmd_rcfile},
    {"help", "list the commands, or describe one: help COMMAND", cmd_help},
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Result<int> dispatch(Context& ctx, const std::string& name, const Args& args) {
  const Command* command = find_command(name);
  if (!command) {
    std::string message = fmt::format("unknown command '{}'", name);
    auto close = similar_commands(name);
    if (!close.empty()) {
      message += "; did you mean";
      for (size_t i = 0; i < close.size(); ++i)
        message += fmt::format("{} '{}'", i == 0 ? "" : (i + 1 == close.size() ? " or" : ","), close[i]);
      message += "?";
    }
    message += " (warpdrive help lists the commands)";
    return make_error(message, kExitUsage);
  }
  return command->run(ctx, args);
}

}  // namespace

std::span<const Command> commands() { return kCommands; }

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> similar_commands(std::string_view name) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : kCommands) {
    size_t d = edit_distance(name, c.name);
    bool prefix = name.size() >= 2 && c.name.substr(0, name.size()) == name;
    if (d <= 2 || prefix) scored.emplace_back(prefix ? 0 : d, std::string(c.name));
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto& [score, n] : scored) out.push_back(n);
  return out;
}

Result<bool> parse_options(CLI::App& app, const Args& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last-first
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help() << std::flush;
    return false;
  } catch (const CLI::ParseError& e) {
    return make_error(fmt::format("{}: {} (see: {} --help)", app.get_name(), e.what(), app.get_name()), kExitUsage);
  }
  return true;
}

namespace {

Result<int> run_command_line(int argc, char** argv, char** envp) {
  Context ctx = Context::capture(argc, argv, envp);
  Args args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (ctx.invoked_as == "warpdrive-exec") return cmd_exec(ctx, args);
  if (ctx.invoked_as == "warpdrive-shell") return cmd_shell(ctx, args);
  if (args.empty()) {
    (void)cmd_help(ctx, {});
    return kExitUsage;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::cout << "warpdrive " << WARPDRIVE_VERSION << "\n";
    return 0;
  }
  if (args[0] == "--help" || args[0] == "-h") return cmd_help(ctx, {});
  return dispatch(ctx, args[0], Args(args.begin() + 1, args.end()));
}

}  // namespace

int main_entry(int argc, char** argv, char** envp) {
  // Stop requests wait for the places that act on them (process.hpp).
  prepare_stop_handling();
  Result<int> result = 0;
  // Expected failures are Results; an exception is a bug or a library's
  // surprise, and is reported the same way, once.
  try {
    result = run_command_line(argc, argv, envp);
  } catch (const std::exception& e) {
    result = make_error(fmt::format("internal error: {}", e.what()));
  } catch (...) {
    result = make_error("internal error: an unknown exception");
  }
  std::cout.flush();
  if (!result) {
    if (!result.error().message.empty()) print_error(result.error().message);
    return result.error().exit_status;
  }
  // A stop request that came while nothing was running: honour it now.
  if (int sig = take_pending_stop()) {
    print_error(stop_error(sig).message);
    return 128 + sig;
  }
  return *result;
}

}  // namespace wd
