// The build plan: everything `warpdrive build` will do, computed as data
// before anything runs (after the pre-build and build-env hooks, which may
// change the inputs). `build --dry-run` prints it; unit tests check it.
//
// The parts: venv_plan.cpp (the virtualenv), installer (which installer),
// tools (the installer programs), install_steps (each installer's command),
// requirements (pip's requirements files), plan.cpp (the rest: the server
// check, Django, the digest, the plan as text).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app_build/digest.hpp"
#include "app_build/python_version.hpp"
#include "app_build/tools.hpp"
#include "build_record.hpp"
#include "env_vars.hpp"
#include "error.hpp"
#include "settings.hpp"

namespace wd {

struct BuildOptions {
  bool force = false;    // --force or WARPDRIVE_FORCE_INSTALL: reinstall even when unchanged
  bool dry_run = false;  // print the plan, run nothing
};

// Creating the virtualenv at APP_ROOT (when there is none, or when its
// Python no longer matches the version the application asks for).
struct VenvPlan {
  bool create = false;
  bool recreate = false;  // an existing virtualenv is removed first
  std::string recreate_reason;
  std::optional<PythonRequest> request;  // the version the application asks for
  std::string python_why;                // which interpreter, and why
  std::vector<std::string> argv;         // python -m venv [--system-site-packages] APP_ROOT
};
// Reads the Python request from SRC_ROOT; asks interpreters for their version
// only when a virtualenv must be made and the application asks for a version.
Result<VenvPlan> plan_virtualenv(const AppEnvironment& environment);

// One installer run: pip -r FILE, a lock-file tool, or pip -e for the app.
struct InstallStep {
  std::string title;  // the phase line, e.g. "Installing dependencies with pip (requirements.txt)"
  std::string input;  // the file it installs from, named in errors
  std::string tool;   // "pip install", "pipenv", "poetry", "uv": named in errors
  std::vector<std::string> argv;
  EnvVars env;                // the full environment for the step
  bool uses_pip_src = false;  // needs the temporary --src directory
};

// Making sure the chosen server can run.
struct ServerCheck {
  std::string server;  // mod_wsgi, gunicorn, uwsgi, waitress
  bool needed = true;
  std::string reason;                       // why this server (start/detect.hpp's answer)
  std::string skip_reason;                  // why none, when !needed
  std::vector<std::string> modules;         // must be importable by the app's python
  std::vector<std::string> programs;        // must be found (PATH, then /usr/sbin)
  std::vector<fs::path> files;              // must exist (Apache module, uWSGI plugin)
  std::vector<fs::path> venv_alternatives;  // any of these in the venv satisfies programs+files
  std::vector<std::string> pip_packages;    // installed with pip when missing and an index is usable
  std::string debian_packages;              // named in the error
};

struct DjangoPlan {
  bool project = false;  // APP_HOME/manage.py mentions DJANGO_SETTINGS_MODULE
  bool collectstatic = false;
  bool facts = false;  // read the settings for the build record (collectstatic does it too)
  std::string reason;  // why collectstatic does not run
};

struct BuildPlan {
  std::string installer;  // pip, uv, poetry, pipenv, pdm: what installs the dependencies
  std::string installer_why;
  std::vector<ToolPlan> tools;           // installed into the tools directory first when missing
  fs::path python;                       // the virtualenv's interpreter
  fs::path pip_src;                      // the temporary --src directory (removed afterwards)
  std::vector<std::string> pip_install;  // python -m pip install + the common options (server installs)
  std::vector<InstallStep> installs;
  std::vector<std::string> warnings;  // printed before the install
  ServerCheck server;
  DjangoPlan django;
  std::vector<DigestInput> digest_inputs;
  std::string dependency_digest;
  bool force = false;
  bool dependencies_unchanged = false;  // the last build recorded this digest
};

// Computes the plan from the environment (after build-env) and the previous
// build record. Bad input (unreadable or invalid pyproject.toml, more than one
// lock file, a missing installer, a wheelhouse that is a file, an unknown
// server type or WARPDRIVE_INSTALLER) is an error naming the file or variable.
Result<BuildPlan> plan_build(const AppEnvironment& environment, const BuildOptions& options,
                             const std::optional<BuildRecord>& previous, bool venv_created);

// The plan as text, for `build --dry-run`.
std::string describe_plan(const BuildPlan& plan, const VenvPlan& venv);

}  // namespace wd
