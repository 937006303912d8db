// Which installer installs the application's dependencies: a lock file
// decides, WARPDRIVE_INSTALLER (or the OpenShift builder's ENABLE_PIPENV)
// chooses; and whether requirement files go to uv or pip. docs/build.md.
// Internal to app_build/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "settings.hpp"

namespace wd {

// A lock file and the installer that installs exactly what it lists.
struct LockFile {
  std::string_view file;
  std::string_view installer;
};

// A Pipfile without its lock: installed with `pipenv install --skip-lock`
// when nothing else installs dependencies, or when Pipenv is asked for.
extern const LockFile kPipfileWithoutLock;

struct InstallerChoice {
  std::string installer;               // pip, uv, poetry, pipenv, pdm
  std::string why;                     // "uv.lock", "WARPDRIVE_INSTALLER=pip", "no lock file; ..."
  const LockFile* lock = nullptr;      // what the installer installs from; nullptr: requirement files only
  std::string requirements_installer;  // uv or pip: for requirement files and the editable application
};

// The choice for the source as it is now. Warnings (an ENABLE_PIPENV without
// a Pipfile, lock files a named installer ignores) are appended to
// `warnings`. Errors: more than one lock file and no installer named, an
// unknown WARPDRIVE_INSTALLER, a named installer without its lock file,
// ENABLE_PIPENV with ENABLE_MICROPIPENV.
Result<InstallerChoice> choose_installer(const AppEnvironment& environment, std::vector<std::string>& warnings);

}  // namespace wd
