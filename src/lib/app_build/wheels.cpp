#include "app_build/wheels.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app_build/run.hpp"
#include "fsutil.hpp"
#include "log.hpp"
#include "process.hpp"

namespace wd {

Status check_wheelhouse(const fs::path& wheelhouse) {
  if (path_exists(wheelhouse) && !is_dir(wheelhouse))
    return make_error(
        fmt::format("{} is not a directory: .warpdrive/wheelhouse must be a directory of wheels "
                    "(pip --find-links); move the file away",
                    wheelhouse.string()));
  return {};
}

Result<WheelsPlan> plan_wheels(const AppEnvironment& e) {
  const Settings& s = e.settings;
  WheelsPlan plan;
  fs::path wheelhouse = s.warpdrive_dir() / "wheelhouse";
  WD_TRY(check_wheelhouse(wheelhouse));
  plan.wheel_dir = e.env.is_set("WARPDRIVE_WHEEL_DIR") ? fs::path(*e.env.get("WARPDRIVE_WHEEL_DIR")) : wheelhouse;
  if (plan.wheel_dir.is_relative()) plan.wheel_dir = s.src_root / plan.wheel_dir;
  if (path_exists(plan.wheel_dir) && !is_dir(plan.wheel_dir))
    return make_error(
        fmt::format("{} is not a directory: the wheel directory must be a directory", plan.wheel_dir.string()));

  std::optional<fs::path> cache;
  if (e.env.get_or("WARPDRIVE_BUILD_TARGET", "application") == "wheelhouse") cache = s.warpdrive_dir() / "packages";
  for (const auto& name : s.pip_wheels) {
    fs::path file = fs::path(name).is_absolute() ? fs::path(name) : s.src_root / name;
    if (!is_file(file)) {
      plan.missing.push_back(name);
      continue;
    }
    std::vector<std::string> argv = {(s.app_root / "bin" / "python").string(),
                                     "-m",
                                     "pip",
                                     "wheel",
                                     "--exists-action=w",
                                     "--wheel-dir",
                                     plan.wheel_dir.string()};
    if (is_dir(wheelhouse)) argv.insert(argv.end(), {"--find-links", wheelhouse.string()});
    if (plan.wheel_dir != wheelhouse) argv.insert(argv.end(), {"--find-links", plan.wheel_dir.string()});
    if (s.pip_no_index) argv.push_back("--no-index");
    if (cache) argv.insert(argv.end(), {"--cache-dir", cache->string()});
    argv.insert(argv.end(), {"-r", file.string()});
    plan.pip_runs.push_back({name, file, std::move(argv)});
  }
  return plan;
}

Result<int> run_wheels(const Context& ctx) {
  // The build environment, with the application's environment file and build-env.
  WD_ASSIGN(AppEnvironment e, base_environment(ctx, Phase::build, "wheels"));
  WD_TRY(make_runtime_dirs(ctx, e.settings));
  WD_ASSIGN(VenvPlan venv, plan_virtualenv(e));
  WD_TRY(create_virtualenv(e, ctx, venv));
  WD_TRY(apply_shell_files(e, {e.settings.warpdrive_dir() / "environment", e.settings.hook("build-env")}));
  const Settings& s = e.settings;

  WD_TRY(run_build_hook(e, "install"));
  WD_ASSIGN(WheelsPlan plan, plan_wheels(e));
  if (plan.pip_runs.empty()) {
    warn(fmt::format("no requirements file ({}) in {}; no wheels were built", fmt::join(s.pip_wheels, " "),
                     s.src_root.string()));
    return 0;
  }
  WD_TRY(make_dirs(plan.wheel_dir));
  for (const auto& pip : plan.pip_runs) {
    phase_line(fmt::format("Building wheels with pip ({}) into {}", pip.name, plan.wheel_dir.string()));
    WD_ASSIGN(int status, run(ProcessSpec{pip.argv, e.env, s.src_root, {}, s.debug}));
    if (status != 0)
      return make_error(
          fmt::format("{}: pip wheel failed with exit status {} (pip's message is above)", pip.file.string(), status));
  }
  return 0;
}

}  // namespace wd
