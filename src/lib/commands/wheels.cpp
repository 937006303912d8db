// warpdrive wheels: build wheels of the requirement files into a wheelhouse.
#include <CLI/CLI.hpp>

#include "app_build/wheels.hpp"
#include "commands.hpp"

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

  return run_wheels(ctx);
}

}  // namespace wd
