// warpdrive build [--force] [--dry-run]: install the application's
// dependencies into the virtualenv at APP_ROOT and run its build hooks.
#include <CLI/CLI.hpp>

#include "app_build/run.hpp"
#include "commands.hpp"

namespace wd {

Result<int> cmd_build(Context& ctx, const Args& args) {
  CLI::App app{
      "Build the application in SRC_ROOT into the virtualenv at WARPDRIVE_APP_ROOT (created when missing,\n"
      "with WARPDRIVE_PYTHON, --system-site-packages when WARPDRIVE_SYSTEM_SITE_PACKAGES is set):\n"
      "  1. the pre-build hook, then .warpdrive/environment and the build-env hook are sourced\n"
      "  2. the lock file with its tool (uv.lock: uv, poetry.lock: Poetry, Pipfile.lock: Pipenv, pdm.lock:\n"
      "     PDM, pylock.toml: uv; more than one is an error, WARPDRIVE_INSTALLER chooses), or pip install -r\n"
      "     each file of WARPDRIVE_PIP_PACKAGES (requirements.txt), or the application itself, editable;\n"
      "     missing tools are installed into WARPDRIVE_TOOLS_DIR at pinned versions; the Python version\n"
      "     comes from .python-version, runtime.txt, .tool-versions, Pipfile.lock or requires-python\n"
      "  3. a check that WARPDRIVE_SERVER_TYPE's server can run\n"
      "  4. the build hook\n"
      "  5. Django (deploy mode auto or django): collectstatic --noinput into STATIC_ROOT, or\n"
      "     $APP_ROOT/tmp/django/static when the project sets none (DISABLE_COLLECTSTATIC skips it)\n"
      "The dependency inputs are recorded in $APP_ROOT/markers/build.json; when they are unchanged the\n"
      "next build installs nothing, and when the source is unchanged too it skips collectstatic.\n"
      "See docs/build.md.",
      "warpdrive build"};
  BuildOptions options;
  app.add_flag("--force", options.force,
               "reinstall the dependencies even when unchanged (also WARPDRIVE_FORCE_INSTALL)");
  app.add_flag("--dry-run", options.dry_run,
               "print the build plan and the digest inputs; installs nothing and runs no hook "
               "(pre-build, build), but sources .warpdrive/environment and the build-env hook (they set the "
               "variables the plan depends on) and asks the candidate interpreters their version");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  return run_build(ctx, options);
}

}  // namespace wd
