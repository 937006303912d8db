// The command table and the entry point. Each command lives in its own file
// under commands/ and parses its own options.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"
#include "error.hpp"

namespace CLI {
class App;
}

namespace wd {

using Args = std::vector<std::string>;

struct Command {
  std::string_view name;
  std::string_view summary;  // one line, for `warpdrive help`
  Result<int> (*run)(Context& ctx, const Args& args);
};

// Every command, in the order `warpdrive help` lists them.
std::span<const Command> commands();
const Command* find_command(std::string_view name);
// Names close to `name` (edit distance <= 2, or a prefix), best first.
std::vector<std::string> similar_commands(std::string_view name);

// Parses `args` with CLI11. Returns false when --help was asked for and the
// help has been printed (the command then exits 0); a parse error is an
// Error with exit status 2 that tells how to get help.
Result<bool> parse_options(CLI::App& app, const Args& args);

// main(): dispatches on the invoked name (warpdrive-exec, warpdrive-shell)
// or the first argument, prints an error once, returns the exit status.
int main_entry(int argc, char** argv, char** envp);

}  // namespace wd
