#include "hooks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "log.hpp"

namespace wd {

Result<HookState> check_hook(const Settings& settings, std::string_view name) {
  fs::path path = settings.hook(name);
  if (!path_exists(path)) return HookState::absent;
  if (is_dir(path))
    return make_error(fmt::format("hook {} is a directory; a hook must be an executable file", path.string()));
  if (auto why = not_a_regular_file(path))
    return make_error(fmt::format("hook {} {}; a hook must be an executable file", path.string(), *why));
  if (!is_executable_file(path)) {
    warn(
        fmt::format("hook {} is not executable; not running it (chmod +x {} to run it)", path.string(), path.string()));
    return HookState::not_executable;
  }
  return HookState::runnable;
}

ProcessSpec hook_spec(const AppEnvironment& environment, std::string_view name) {
  ProcessSpec spec;
  spec.argv = {environment.settings.hook(name).string()};
  spec.env = environment.env;
  spec.cwd = environment.settings.src_root;
  spec.trace = environment.settings.debug;
  return spec;
}

Status run_hook(const AppEnvironment& environment, std::string_view name) {
  WD_ASSIGN(HookState state, check_hook(environment.settings, name));
  if (state != HookState::runnable) return {};
  WD_ASSIGN(int status, run(hook_spec(environment, name)));
  if (status != 0)
    return make_error(
        fmt::format("hook {} failed with exit status {}", environment.settings.hook(name).string(), status), status);
  return {};
}

Status run_deploy_cfg_once(const AppEnvironment& environment) {
  const Settings& s = environment.settings;
  fs::path markers = s.app_root / "markers";
  fs::path marker = markers / "deploy-cfg";
  if (path_exists(marker)) return {};
  WD_ASSIGN(HookState state, check_hook(s, "deploy-cfg"));
  if (state != HookState::runnable) return {};

  WD_TRY(make_dirs(markers));
  fs::path lock_path = markers / ".deploy-cfg.lock";
  WD_ASSIGN(int fd, lock_exclusive(lock_path, ""));
  Status result;
  if (!path_exists(marker)) {  // nobody ran it while we waited for the lock
    result = run_hook(environment, "deploy-cfg");
    if (result) result = write_file_atomic(marker, "");
  }
  ::close(fd);  // releases the lock
  return result;
}

}  // namespace wd
