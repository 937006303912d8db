// Local development projects: virtualenvs named warpdrive+NAME in the
// projects directory ($WARPDRIVE_VIRTUALENVS, default ~/.warpdrive).
// Creating and destroying a project are computed as a plan first (which
// directory, which interpreter, refused or not), then carried out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"
#include "error.hpp"
#include "fsutil.hpp"

namespace wd::devenv {

// Every project directory is kProjectPrefix + NAME.
inline constexpr std::string_view kProjectPrefix = "warpdrive+";
inline constexpr size_t kMaxNameLength = 64;

// A project name is 1 to 64 characters from [A-Za-z0-9._-], starts with a
// letter or digit (so it is neither an option nor a hidden file) and has no
// "..". The error names the value and states the rule.
Status validate_name(std::string_view name);

// $WARPDRIVE_VIRTUALENVS (a relative value is taken from the working
// directory), else $HOME/.warpdrive, else the passwd entry's home/.warpdrive.
Result<fs::path> projects_dir(const Context& ctx);

// dir/warpdrive+NAME (the name must be valid).
fs::path project_path(const fs::path& dir, std::string_view name);

// The names of the projects in `dir`, sorted: entries warpdrive+NAME with a
// valid NAME that are directories. A missing `dir` has none.
Result<std::vector<std::string>> list_projects(const fs::path& dir);

struct Project {
  std::string name;
  fs::path path;  // the virtualenv
};

// An existing project, ready to activate. Missing: an error that says to use
// --create; a directory without bin/activate is not a virtualenv.
Result<Project> find_project(const Context& ctx, std::string_view name);

struct CreateOptions {
  std::string python;                 // --python; empty = $WARPDRIVE_PYTHON, else python3 on PATH
  bool system_site_packages = false;  // --system-site-packages or $WARPDRIVE_SYSTEM_SITE_PACKAGES
};

struct CreatePlan {
  Project project;
  fs::path dir;                   // the projects directory (created when missing)
  std::vector<std::string> argv;  // PYTHON -m venv --prompt warpdrive+NAME [...] PATH
  EnvVars env;                    // the environment the interpreter runs with
};

// Resolves the interpreter on PATH and refuses an existing project.
Result<CreatePlan> plan_create(const Context& ctx, std::string_view name, const CreateOptions& options);

// Claims the directory (mkdir, so two creations cannot share it), runs the
// interpreter with its output on stderr (stdout may be evaluated by a shell),
// and removes the directory again when that fails.
Status create_project(const CreatePlan& plan);

struct DestroyPlan {
  Project project;
  fs::path dir;
};

// Refuses a bad name, a missing project and the project active in the
// calling shell ($WARPDRIVE_ENV_NAME, $WARPDRIVE_APP_ROOT or $VIRTUAL_ENV).
Result<DestroyPlan> plan_destroy(const Context& ctx, std::string_view name);

// Removes the project's directory entry without following any symbolic link
// (a link is removed, never its target).
Status destroy_project(const DestroyPlan& plan);

}  // namespace wd::devenv
