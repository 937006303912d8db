// What `start` will run, and with which server: the one answer build (to
// know which server to install and check) and start (to plan the launch)
// both ask. In mode auto (docs/start.md, "What start runs"): a
// gunicorn.conf.py that sets wsgi_app; the script, file or module the app
// names (APP_SCRIPT, APP_FILE, APP_MODULE, or WARPDRIVE_SHELL_FILE /
// _PYTHON_FILE); else app.sh, app.py; a Procfile web: line; a Django project;
// the WSGI module file; the module named like the project (setup.py,
// setup.cfg, pyproject.toml); else warpdrive's default page. Reads files only
// and runs nothing, except Django introspection (depth full, no build record)
// and `setup.py --name` when only setup.py can name the project.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "server_registry.hpp"
#include "start/launch_plan.hpp"

namespace wd {

enum class AppKind { shell, python, procfile, wsgi, asgi, django, default_page, full_control };

// How far detection goes: `files` decides the kind and the server from files
// alone (what build needs before it installs anything); `full` also learns
// Django's settings (the WSGI application and static files) for start, and
// decides ASGI or WSGI by importing the module (introspect/app_inspect.hpp);
// at `files` depth that is guessed from the module's source.
enum class DetectDepth { files, full };

struct Detection {
  AppKind kind = AppKind::default_page;
  fs::path file;                     // shell, python: the file; procfile: the Procfile
  std::string command;               // procfile: the web: command line
  std::optional<WsgiTarget> target;  // wsgi, django (none for default_page: start adds the page)
  std::vector<StaticMount> statics;
  bool app_in_server_config = false;                     // gunicorn.conf.py sets wsgi_app and the server is gunicorn
  fs::path server_config;                                // that gunicorn.conf.py
  std::optional<ServerId> server;                        // the server that runs it; none: the app runs itself
  std::string server_reason;                             // why that server (or none), for --dry-run and build
  std::vector<std::pair<std::string, std::string>> env;  // variables the app needs set when it runs
  std::vector<std::string> notes;
  std::vector<std::string> warnings;
};

// The ASGI server used when an ASGI application is found and no server type
// is set (the measurement behind the choice is in docs/start.md).
inline constexpr ServerId kDefaultAsgiServer = ServerId::granian;

// Detects the application and its server for the deploy mode of
// environment.settings (a full-control mode detects nothing: its server runs
// with the options of .warpdrive/server_args).
Result<Detection> detect_app(const AppEnvironment& environment, DetectDepth depth = DetectDepth::full);

// The project's own name, as sclorg finds it: pyproject.toml's [project] or
// [tool.poetry] name, setup.cfg's [metadata] name, else `setup.py --name`
// (run with the app's Python); '-' becomes '_'. nullopt when none names it.
Result<std::optional<std::string>> project_module_name(const AppEnvironment& environment);

// The command of the first `web:` line of a Procfile, or nullopt.
std::optional<std::string> procfile_web_command(std::string_view procfile);

// What a gunicorn.conf.py says about wsgi_app: not set, set to a string
// literal (its value), or set to something else (an expression).
struct ConfigWsgiApp {
  bool sets = false;
  std::optional<std::string> literal;
};
ConfigWsgiApp gunicorn_config_wsgi_app(std::string_view config);

// "module:callable" (callable defaults to "application") -> module and callable,
// or an error naming `what` (e.g. "APP_MODULE"). The callable may be a
// factory call, "create_app()" or "create_app('prod')", kept whole.
Result<std::pair<std::string, std::string>> split_app_spec(std::string_view spec, std::string_view what);

}  // namespace wd
