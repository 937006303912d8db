// The application the mod_wsgi planner serves (internal to start/mod_wsgi*):
// what start found or the options name (a module, a script, static files or
// the default page), the Python environment of its daemon processes, and
// the WSGI script Apache loads for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "error.hpp"
#include "start/apache_host.hpp"
#include "start/launch_plan.hpp"
#include "start/mod_wsgi_options.hpp"

namespace wd::mod_wsgi {

enum class AppType { module, script, static_files };

struct Application {
  AppType type = AppType::module;
  std::string module;                       // module type: dotted name
  fs::path script;                          // script type: the file mod_wsgi loads
  std::string callable;                     // script and module types
  std::optional<std::string> factory_args;  // module type: `callable` is a factory, called with these
  fs::path directory;                       // static type
  std::optional<fs::path> module_dir;       // module type: where the module's file is, when known
  bool default_page = false;
};

// `p` as an absolute path, relative ones taken from `base`.
fs::path absolute_from(const fs::path& base, const std::string& p);

// The application from MOD_WSGI_APPLICATION_TYPE/ENTRY_POINT/CALLABLE_OBJECT
// (or server_args), else what start found; the default page when neither
// names one. Names and paths are checked, with the setting in the message.
Result<Application> resolve_application(const ServerInput& input, const Options& o, const fs::path& app_home);

// Where and with what the daemon processes run Python.
struct PythonSetup {
  fs::path home;            // the working directory (MOD_WSGI_WORKING_DIRECTORY or APP_HOME)
  std::string python_path;  // ':'-separated, for WSGIDaemonProcess python-path=
  bool venv = false;        // $APP_ROOT is a virtualenv: python-home=
};

// The working directory, the Python path (it, --python-path, APP_HOME,
// SRC_ROOT, the module's own directory) and whether the virtualenv's Python
// matches the one mod_wsgi embeds.
Result<PythonSetup> resolve_python(const Settings& settings, const ApacheHost& host, const Options& o,
                                   const Application& app);

// The WSGI script Apache loads for a module or script application: the
// script itself, or a generated one in `runtime_dir` (the default page, or a
// handler importing the module by name) added to `files`.
Result<fs::path> wsgi_script(const Application& app, const fs::path& runtime_dir, std::vector<GeneratedFile>& files);

}  // namespace wd::mod_wsgi
