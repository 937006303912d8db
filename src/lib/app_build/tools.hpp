// The installer programs the build runs (uv, poetry, pipenv, pdm): found on
// PATH, or installed by warpdrive into the tools directory (outside the
// app's virtualenv) at a pinned version. Nothing here runs them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "env_vars.hpp"
#include "error.hpp"
#include "fsutil.hpp"

namespace wd {

// An installer program warpdrive runs.
struct ToolPlan {
  std::string name;                       // uv, poetry, pipenv, pdm
  std::string version;                    // the pinned version; empty when the one on PATH is used
  std::string origin;                     // "WARPDRIVE_UV_VERSION", "the default pin", "PATH"
  fs::path program;                       // what is run
  fs::path dir;                           // TOOLS/NAME-VERSION when warpdrive provides it
  bool provision = false;                 // not installed there yet
  std::vector<std::string> requirements;  // what pip installs there: NAME==VERSION (and constraints)
  std::string fingerprint;                // for the digest: NAME VERSION, or the PATH file's size and mtime
};

// The tools directory: WARPDRIVE_TOOLS_DIR, else $XDG_CACHE_HOME/warpdrive/tools,
// else $HOME/.cache/warpdrive/tools.
fs::path tools_dir(const EnvVars& env);

// Default versions of the tools warpdrive installs (docs/build.md).
std::string default_tool_version(std::string_view tool);

// The tool `name` (one of the four): the one on PATH unless
// WARPDRIVE_<TOOL>_VERSION asks for a version, else the pinned version in
// the tools directory. A version that is not one is an error naming the variable.
Result<ToolPlan> resolve_tool(const EnvVars& env, std::string_view name);

}  // namespace wd
