// The application's action hooks (.warpdrive/action_hooks/NAME).
#pragma once

#include <string_view>

#include "error.hpp"
#include "process.hpp"
#include "settings.hpp"

namespace wd {

enum class HookState {
  absent,          // no such file: nothing to do
  not_executable,  // a file without the execute bit: warned about, not run
  runnable,
};

// Looks at the hook; a directory in its place is an error, a file without the
// execute bit gets the warning
//   warpdrive: warning: hook <path> is not executable; not running it (chmod +x <path> to run it)
Result<HookState> check_hook(const Settings& settings, std::string_view name);

// The ProcessSpec that runs the hook: from SRC_ROOT, with the environment.
ProcessSpec hook_spec(const AppEnvironment& environment, std::string_view name);

// Runs the hook when present and waits; a non-zero exit status is an error
// "hook <path> failed with exit status N" that carries N as warpdrive's status.
Status run_hook(const AppEnvironment& environment, std::string_view name);

// Runs the deploy-cfg hook once per container: the first caller runs it under
// an exclusive lock and then writes the marker $APP_ROOT/markers/deploy-cfg
// atomically; concurrent callers wait for it and then skip it.
Status run_deploy_cfg_once(const AppEnvironment& environment);

}  // namespace wd
