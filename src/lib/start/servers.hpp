// The gunicorn, uWSGI and Waitress planners: each turns a ServerInput into
// the LaunchPlan of its server (argv, environment additions, generated
// files, notes). The defaults are in docs/start.md. mod_wsgi is planned by
// start/mod_wsgi.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "start/plan.hpp"
#include "start/python_site.hpp"

namespace wd {

// Where start writes the modules it generates: $APP_ROOT/tmp/warpdrive.
fs::path generated_dir(const Settings& settings);

// A server program found on this machine.
struct ServerProgram {
  std::vector<std::string> argv;   // {"/opt/app-root/bin/gunicorn"} or {".../bin/python", "-m", "gunicorn"}
  std::optional<PythonSite> site;  // the Python the application runs in, when known
  std::vector<std::string> notes;
};

// A Python server (gunicorn, waitress): the virtualenv's `script`, else the
// virtualenv's python -m `module` when the module is importable there, else
// `script` on PATH (Debian's /usr/bin). Not installed: an error naming the
// server and the Debian package.
Result<ServerProgram> locate_python_server(const Environment& environment, std::string_view server,
                                           std::string_view script, std::string_view module,
                                           std::string_view debian_package);

Result<LaunchPlan> plan_gunicorn(const ServerInput& input);
Result<LaunchPlan> plan_uwsgi(const ServerInput& input);
Result<LaunchPlan> plan_waitress(const ServerInput& input);

}  // namespace wd
