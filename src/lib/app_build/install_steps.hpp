// The installer runs of a build, as data: the lock file's installer with
// its options and environment, the requirement files with uv or pip, and
// the application itself, editable. Internal to app_build/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app_build/installer.hpp"
#include "app_build/plan.hpp"

namespace wd {

// What the steps share while the plan is made; the steps, warnings, tools
// and digest inputs are added to `plan`.
struct InstallContext {
  const AppEnvironment& environment;
  BuildPlan& plan;
  fs::path wheelhouse;  // SRC_ROOT/.warpdrive/wheelhouse (used when it is a directory)

  // The program of the tool `name`, found or to be installed: added to the
  // plan's tools and the digest inputs the first time.
  Result<fs::path> tool(std::string_view name);
  // The environment of a step `tool` runs: the build's, the virtualenv at
  // APP_ROOT, the index settings in the tool's words.
  EnvVars tool_env(std::string_view tool) const;
  // The environment of a pip step: the build's, with uv's index settings in pip's words.
  EnvVars pip_env() const;
  // uv pip install into the virtualenv, with the wheelhouse and --no-index.
  std::vector<std::string> uv_pip(const fs::path& uv) const;
};

// The index settings every installer understands in its own words: pip's
// PIP_INDEX_URL / PIP_EXTRA_INDEX_URL are given to uv, PDM and Pipenv when
// their own variables are unset, and uv's to pip.
void translate_index_settings(EnvVars& env, std::string_view installer);

// 2. The lock file's installer (or pipenv for a Pipfile without its lock),
// and the lock file and its project file as digest inputs.
Status add_lock_step(InstallContext& c, const LockFile& lock);

// 3. The requirement files of WARPDRIVE_PIP_PACKAGES that exist, with uv or
// pip; beside a lock file only when WARPDRIVE_PIP_PACKAGES names them.
// Returns whether any is installed.
Result<bool> add_requirement_steps(InstallContext& c, const InstallerChoice& choice);

// 4. The application itself, editable, when it is a project (pyproject.toml
// or setup.py) and neither requirement files nor the lock's tool install it.
Status add_project_step(InstallContext& c, const InstallerChoice& choice, bool have_requirements);

}  // namespace wd
