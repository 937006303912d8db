// Detecting the application `start` serves, in the deploy mode's order
// (docs/start.md): app.sh, app.py, a Procfile web: line, APP_MODULE, a
// gunicorn.conf.py setting wsgi_app, a Django project, the WSGI module file,
// else warpdrive's default page. Reads files only; runs nothing (except
// Django introspection when there is no build record).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "start/launch_plan.hpp"

namespace wd {

inline constexpr std::string_view kDeployModes[] = {"auto", "shell", "python", "wsgi", "django",
                                                     "mod_wsgi", "gunicorn", "uwsgi", "waitress"};
inline constexpr std::string_view kServerTypes[] = {"mod_wsgi", "gunicorn", "uwsgi", "waitress"};

enum class AppKind { shell, python, procfile, wsgi, django, default_page };

struct Detection {
  AppKind kind = AppKind::default_page;
  fs::path file;        // shell, python: the file; procfile: the Procfile
  std::string command;  // procfile: the web: command line
  std::optional<WsgiTarget> target;  // wsgi, django (none for default_page: start adds the page)
  std::vector<StaticMount> statics;
  bool app_in_server_config = false;  // gunicorn.conf.py sets wsgi_app and the server is gunicorn
  std::vector<std::string> notes;
  std::vector<std::string> warnings;
};

// Detects the application for the deploy mode of environment.settings
// (auto, shell, python, wsgi or django; the server-name modes detect nothing).
// `server` is the server that will run a WSGI application.
Result<Detection> detect_app(const AppEnvironment& environment, const std::string& server);

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
// or an error naming `what` (e.g. "APP_MODULE").
Result<std::pair<std::string, std::string>> split_app_spec(std::string_view spec, std::string_view what);

}  // namespace wd
