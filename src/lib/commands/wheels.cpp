// warpdrive wheels: build wheels of the requirement files into a wheelhouse.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app_build/run.hpp"
#include "commands.hpp"
#include "log.hpp"
#include "process.hpp"

namespace wd {

Result<int> cmd_wheels(Context& ctx, const Args& args) {
  CLI::App app{
      "Build wheels of every file of WARPDRIVE_PIP_WHEELS (default: WARPDRIVE_PIP_PACKAGES, which\n"
      "defaults to requirements.txt) with pip wheel into SRC_ROOT/.warpdrive/wheelhouse, or\n"
      "WARPDRIVE_WHEEL_DIR (relative to SRC_ROOT unless absolute). The install hook runs first. A later\n"
      "build finds the wheels there (pip --find-links), which is how the S2I wheelhouse target and\n"
      "incremental builds reuse them. For WARPDRIVE_BUILD_TARGET=wheelhouse, pip's download cache is\n"
      "SRC_ROOT/.warpdrive/packages, which save-artifacts keeps for the next build.",
      "warpdrive wheels"};
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  // The build environment, with the application's environment file and build-env.
  WD_ASSIGN(AppEnvironment e, base_environment(ctx, Phase::build, "wheels"));
  WD_TRY(make_runtime_dirs(ctx, e.settings));
  WD_ASSIGN(VenvPlan venv, plan_virtualenv(e));
  WD_TRY(create_virtualenv(e, ctx, venv));
  WD_TRY(apply_shell_files(e, {e.settings.warpdrive_dir() / "environment", e.settings.hook("build-env")}));
  const Settings& s = e.settings;

  // The install hook, then pip wheel of each requirement file.
  WD_TRY(run_build_hook(e, "install"));
  fs::path wheelhouse = s.warpdrive_dir() / "wheelhouse";
  fs::path wheel_dir = e.env.is_set("WARPDRIVE_WHEEL_DIR") ? fs::path(*e.env.get("WARPDRIVE_WHEEL_DIR")) : wheelhouse;
  if (wheel_dir.is_relative()) wheel_dir = s.src_root / wheel_dir;
  if (path_exists(wheel_dir) && !is_dir(wheel_dir))
    return make_error(fmt::format("{} is not a directory: the wheel directory must be a directory", wheel_dir.string()));
  if (path_exists(wheelhouse) && !is_dir(wheelhouse))
    return make_error(fmt::format("{} is not a directory: .warpdrive/wheelhouse must be a directory of wheels "
                                  "(pip --find-links); move the file away",
                                  wheelhouse.string()));
  // The original's names: WARPDRIVE_PIP_WHEELS lists the files to build
  // wheels of; the wheelhouse target keeps pip's cache in .warpdrive/packages.
  const std::vector<std::string>& files = s.pip_wheels;
  std::optional<fs::path> cache;
  if (e.env.get_or("WARPDRIVE_BUILD_TARGET", "application") == "wheelhouse") cache = s.warpdrive_dir() / "packages";
  bool any = false;
  for (const auto& name : files) {
    fs::path file = fs::path(name).is_absolute() ? fs::path(name) : s.src_root / name;
    if (!is_file(file)) continue;
    any = true;
    WD_TRY(make_dirs(wheel_dir));
    phase_line(fmt::format("Building wheels with pip ({}) into {}", name, wheel_dir.string()));
    std::vector<std::string> argv = {(s.app_root / "bin" / "python").string(), "-m", "pip", "wheel",
                                     "--exists-action=w", "--wheel-dir", wheel_dir.string()};
    if (is_dir(wheelhouse)) argv.insert(argv.end(), {"--find-links", wheelhouse.string()});
    if (wheel_dir != wheelhouse) argv.insert(argv.end(), {"--find-links", wheel_dir.string()});
    if (s.pip_no_index) argv.push_back("--no-index");
    if (cache) argv.insert(argv.end(), {"--cache-dir", cache->string()});
    argv.insert(argv.end(), {"-r", file.string()});
    WD_ASSIGN(int status, run(ProcessSpec{argv, e.env, s.src_root, {}, s.debug}));
    if (status != 0)
      return make_error(fmt::format("{}: pip wheel failed with exit status {} (pip's message is above)",
                                    file.string(), status));
  }
  if (!any) {
    std::string names;
    for (const auto& n : files) names += (names.empty() ? "" : " ") + n;
    warn(fmt::format("no requirements file ({}) in {}; no wheels were built", names, s.src_root.string()));
  }
  return 0;
}

}  // namespace wd
