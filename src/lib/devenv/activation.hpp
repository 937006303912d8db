// What activating a project does to a shell, as data, and the shell code that
// does it. `warpdrive activate NAME` prints the code; the warpdrive shell
// function (src/shell/warpdrive.sh) evaluates it and, on deactivate, gives
// back the values it saved.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "context.hpp"
#include "devenv/projects.hpp"

namespace wd::devenv {

struct Activation {
  std::string name;
  fs::path venv;       // becomes WARPDRIVE_APP_ROOT and VIRTUAL_ENV; venv/bin goes first on PATH
  fs::path src_root;   // becomes WARPDRIVE_SRC_ROOT: the directory `project` ran in
  std::string prompt;  // "(warpdrive+NAME) ", put in front of PS1
  std::vector<std::pair<std::string, std::string>> exports;  // exported, in this order
  std::vector<std::string> unsets;                           // removed (PYTHONHOME)
  // Every variable the code changes: saved before the first activation in
  // a shell, restored by `warpdrive deactivate`.
  std::vector<std::string> saved;
};

Activation plan_activation(const Project& project, const fs::path& src_root);

// The shell code for eval: saves the previous values (only when no project
// is active yet, so switching projects keeps the original ones), then sets
// the variables, PATH and PS1. Every value is single-quoted.
std::string render_activation(const Activation& activation);

// The working directory as the user's shell names it: $PWD when that is an
// absolute path to the same directory as the physical one, else the latter.
fs::path logical_cwd(const Context& ctx);

}  // namespace wd::devenv
