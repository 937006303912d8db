// warpdrive wheels: pip wheel of the requirement files into a wheelhouse,
// planned as data (WheelsPlan) and then run.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "error.hpp"
#include "settings.hpp"

namespace wd {

namespace fs = std::filesystem;

// An error when SRC_ROOT/.warpdrive/wheelhouse exists and is not a directory
// (pip --find-links needs a directory of wheels).
Status check_wheelhouse(const fs::path& wheelhouse);

struct PipWheelRun {
  std::string name;               // the WARPDRIVE_PIP_WHEELS entry, as written
  fs::path file;                  // that file
  std::vector<std::string> argv;  // pip wheel ... -r FILE
};

struct WheelsPlan {
  fs::path wheel_dir;                 // WARPDRIVE_WHEEL_DIR, default SRC_ROOT/.warpdrive/wheelhouse
  std::vector<PipWheelRun> pip_runs;  // one a requirement file that exists
  std::vector<std::string> missing;   // WARPDRIVE_PIP_WHEELS entries with no file
};

// The pip wheel runs of WARPDRIVE_PIP_WHEELS into the wheel directory, with
// the wheelhouse as find-links and, for WARPDRIVE_BUILD_TARGET=wheelhouse,
// pip's cache in .warpdrive/packages (the original's names). Reads the file
// system only.
Result<WheelsPlan> plan_wheels(const AppEnvironment& environment);

// warpdrive wheels: the build environment, the virtualenv, the install hook,
// then each pip run of the plan. Returns the exit status (0) or the first error.
Result<int> run_wheels(const Context& ctx);

}  // namespace wd
