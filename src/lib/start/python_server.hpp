// What the planners of the Python servers (gunicorn, uWSGI, Waitress) share:
// finding the program, the application entry (direct, or through the
// WhiteNoise wrapper), and the planners themselves, each turning a
// ServerInput into the LaunchPlan of its server. The defaults are in
// docs/start.md. mod_wsgi is planned by start/mod_wsgi.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error.hpp"
#include "introspect/python_site.hpp"
#include "start/launch_plan.hpp"

namespace wd {

// Where start writes the modules it generates: $APP_ROOT/tmp/warpdrive.
fs::path generated_dir(const Settings& settings);

// src/python/`name`, embedded in the binary, as a file start writes at `path`.
Result<GeneratedFile> embedded_as_file(std::string_view name, fs::path path);

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
Result<ServerProgram> locate_python_server(const AppEnvironment& environment, std::string_view server,
                                           std::string_view script, std::string_view module,
                                           std::string_view debian_package);

// How the server reaches the application: "module:callable" directly, or the
// generated WhiteNoise wrapper when there are static mounts.
struct AppEntry {
  std::string spec;                                      // "mysite.wsgi:application"
  std::vector<GeneratedFile> files;                      // the wrapper module, when used
  std::vector<std::pair<std::string, std::string>> env;  // its settings and PYTHONPATH
};

// input.target must be set. `site`: the application's Python, to check that
// WhiteNoise is importable (an error naming the Debian package when not).
Result<AppEntry> app_entry(const ServerInput& input, const std::optional<PythonSite>& site);
void apply_entry(LaunchPlan& plan, AppEntry entry);

// What the ASGI servers' planners share: the program, bind and log options
// are theirs; the processes (one event loop each: threads do not apply) come
// from the sizing, and the application entry from app_entry.
struct AsgiServerStart {
  LaunchPlan plan;  // server, cwd, argv = the program; notes
  std::optional<PythonSite> site;
  int processes = 1;            // the sized processes (unless the user chose in server_args)
  bool user_processes = false;  // server_args names the process count
};
Result<AsgiServerStart> begin_asgi_server(const ServerInput& input, std::string_view server, std::string_view script,
                                          std::string_view module, std::string_view debian_package,
                                          const std::vector<std::string_view>& process_options);
// Appends server_args and the application (module:callable, or the static-file wrapper).
Status finish_asgi_server(const ServerInput& input, AsgiServerStart& start);

// "workers: <what>, sized from <reason>" or "workers: <what> (<reason>)" when the user chose.
std::string sizing_note(const WorkerSizing& workers, std::string_view what);

// A server's option for a count, and the options that set it in server_args.
struct CountOption {
  std::string_view option;              // "--workers"
  std::vector<std::string_view> names;  // {"--workers", "-w"}
};
// The sized processes and threads (gunicorn, uWSGI): each as its option
// unless server_args sets it, and the sizing note when warpdrive set either.
void add_processes_and_threads(LaunchPlan& plan, const std::vector<std::string>& user, const WorkerSizing& workers,
                               const CountOption& processes, const CountOption& threads);
// An ASGI server's sized processes as --workers N unless server_args chose,
// with the sizing note "<N> processes x <per_process>".
void add_asgi_processes(AsgiServerStart& start, const ServerInput& input, std::string_view per_process);

Result<LaunchPlan> plan_gunicorn(const ServerInput& input);
Result<LaunchPlan> plan_uwsgi(const ServerInput& input);
Result<LaunchPlan> plan_waitress(const ServerInput& input);
Result<LaunchPlan> plan_uvicorn(const ServerInput& input);
Result<LaunchPlan> plan_hypercorn(const ServerInput& input);
Result<LaunchPlan> plan_daphne(const ServerInput& input);
Result<LaunchPlan> plan_granian(const ServerInput& input);

}  // namespace wd
